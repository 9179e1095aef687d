"""Factories of the application map: the host organisation, applications, vendors,
deployments, interfaces, API tokens, and the shipped catalogue."""

from __future__ import annotations

from importlib import resources

import pytest

from compliance.admin import services as admin_services
from compliance.schemas import validate
from compliance.tenancy import OrganisationKind
from registers.applications import services
from registers.applications.schemas import (
    ApplicationCreate,
    DeploymentCreate,
    InterfaceCreate,
    VendorCreate,
)


@pytest.fixture
def host(make_organisation):
    """The syndicate: the organisation that hosts the shared catalogue."""
    return make_organisation("SIIM94", kind=OrganisationKind.SYNDICATE, is_host=True)


@pytest.fixture
def make_vendor(session):
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, **data):
        return services.create_vendor(
            session,
            validate(VendorCreate, {"name": name or f"Éditeur {next(counter)}", **data}),
            actor="test",
        )

    return make


@pytest.fixture
def make_application(session):
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, **data):
        data.setdefault("domain", "Finances")
        data.setdefault("functions", ["Gestion financière"])
        return services.create_application(
            session,
            validate(ApplicationCreate, {"name": name or f"Logiciel {next(counter)}", **data}),
            actor="test",
        )

    return make


@pytest.fixture
def make_deployment(session):
    def make(organisation, application, **data):
        return services.create_deployment(
            session,
            validate(
                DeploymentCreate,
                {"organisation_id": organisation.id, "application_id": application.id, **data},
            ),
            actor="test",
        )

    return make


@pytest.fixture
def make_interface(session):
    def make(source, target, **data):
        return services.create_interface(
            session,
            validate(
                InterfaceCreate,
                {"source_application_id": source.id, "target_application_id": target.id, **data},
            ),
            actor="test",
        )

    return make


@pytest.fixture
def token_for(session):
    """An API token (the secret) for a user, committed so the API request can see it."""

    def make(user) -> str:
        _token, secret = admin_services.create_token(session, user, "tests", actor=user)
        session.commit()
        return secret

    return make


@pytest.fixture(scope="session")
def catalogue_bytes() -> bytes:
    """The shipped catalogue, as published (UTF-8, commas)."""
    return (
        resources.files("compliance.reference").joinpath("application-catalogue.csv").read_bytes()
    )
