"""Writes to the map: validation, audit entries with before/after, optimistic locking."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from compliance.audit import AuditEntry
from compliance.db import ConflictError
from compliance.schemas import validate
from registers.applications import services
from registers.applications.models import Application, ApplicationFunction, Hosting
from registers.applications.schemas import (
    ApplicationCreate,
    ApplicationUpdate,
    DeploymentCreate,
    DeploymentUpdate,
    InterfaceUpdate,
    VendorCreate,
)
from registers.applications.services import FieldErrors, ServiceError


def _entries(session, object_type: str | None = None) -> list[AuditEntry]:
    statement = select(AuditEntry).order_by(AuditEntry.seq)
    if object_type:
        statement = statement.where(AuditEntry.object_type == object_type)
    return list(session.scalars(statement))


def _audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def test_vendor_key_makes_one_vendor_of_two_spellings(session):
    assert services.vendor_key("BERGER-LEVRAULT") == services.vendor_key("Berger Levrault")
    first = services.get_or_create_vendor(session, "BERGER-LEVRAULT", actor="test")
    second = services.get_or_create_vendor(session, "Berger Levrault", actor="test")
    assert second is first
    assert first.name == "BERGER-LEVRAULT"
    with pytest.raises(FieldErrors) as caught:
        services.create_vendor(
            session, validate(VendorCreate, {"name": "berger levrault"}), actor="test"
        )
    assert "name" in caught.value.errors


def test_create_application_audits_its_columns_and_functions(session, make_vendor):
    vendor = make_vendor("BERGER LEVRAULT")
    application = services.create_application(
        session,
        validate(
            ApplicationCreate,
            {
                "name": " BL SOCIAL ",
                "vendor_id": vendor.id,
                "functions": [
                    ("Action sociale", "Aides sociales"),
                    ("Action sociale", "Hébergement"),
                ],
                "availability": "3",
                "hosting": "vendor_saas",
            },
        ),
        actor="rssi@example.org",
    )
    assert application.name == "BL SOCIAL"
    assert application.name_key == "blsocial"
    assert application.domain == "Action sociale"  # from the first function
    assert application.availability == 3
    assert application.hosting is Hosting.VENDOR_SAAS
    entry = _entries(session, "Application")[-1]
    assert entry.action == "create"
    assert entry.actor_label == "rssi@example.org"
    assert entry.changes["name"] == {"before": None, "after": "BL SOCIAL"}
    assert entry.changes["functions"]["after"] == [
        ["Action sociale", "Aides sociales"],
        ["Action sociale", "Hébergement"],
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "confidentiality": 5}, "confidentiality"),
        ({"name": "X", "integrity": "fort"}, "integrity"),
        ({"name": "X", "rto_hours": -2}, "rto_hours"),
        ({"name": "X", "status": "dead"}, "status"),
        ({"name": "X", "hosting_country": "France"}, "hosting_country"),
        ({"name": "X", "vendor_id": 999_999}, "vendor_id"),
        ({"name": "X", "functions": [{"name": "Paie"}]}, "functions"),
    ],
)
def test_bad_values_are_refused_field_by_field_and_nothing_is_written(session, data, field):
    before = _audit_count(session)
    with pytest.raises(FieldErrors) as caught:
        services.create_application(session, validate(ApplicationCreate, data), actor="test")
    assert field in caught.value.errors
    assert isinstance(caught.value, ServiceError)
    assert session.scalar(select(func.count()).select_from(Application)) == 0
    assert _audit_count(session) == before


def test_names_are_unique_whatever_their_spelling(session, make_application):
    make_application("SharePoint")
    with pytest.raises(FieldErrors):
        make_application("SHAREPOINT")
    other = make_application("Orphée")
    with pytest.raises(FieldErrors):
        services.update_application(
            session, other, validate(ApplicationUpdate, {"name": "share-point"}), actor="test"
        )


def test_update_audits_before_and_after_and_bumps_the_version(session, make_application):
    application = make_application("Sedit.GF", availability=2)
    services.update_application(
        session,
        application,
        validate(ApplicationUpdate, {"availability": 4, "owner": "Pôle finances"}),
        actor="test",
        version=1,
    )
    session.flush()
    assert application.version == 2
    entry = _entries(session, "Application")[-1]
    assert entry.action == "update"
    assert entry.changes == {
        "availability": {"before": 2, "after": 4},
        "owner": {"before": None, "after": "Pôle finances"},
    }


def test_an_update_that_changes_nothing_writes_no_audit_entry(session, make_application):
    application = make_application("Alto", availability=2)
    before = _audit_count(session)
    services.update_application(
        session, application, validate(ApplicationUpdate, {"availability": "2"}), actor="test"
    )
    assert _audit_count(session) == before


def test_a_stale_version_is_a_conflict_not_an_overwrite(session, make_application):
    application = make_application("Mélodie", availability=2)
    services.update_application(
        session, application, validate(ApplicationUpdate, {"availability": 3}), actor="a", version=1
    )
    session.flush()
    with pytest.raises(ConflictError):
        services.update_application(
            session,
            application,
            validate(ApplicationUpdate, {"availability": 1}),
            actor="b",
            version=1,
        )
    assert application.availability == 3


def test_concurrent_writers_are_detected_in_the_database(session, make_application):
    application = make_application("Requiem")
    session.flush()
    # Someone else saved the row meanwhile: the flush compares with the stored version first,
    # and refuses the UPDATE as a conflict (409), not as a StaleDataError (500).
    session.execute(
        sa.update(Application.__table__)
        .where(Application.__table__.c.id == application.id)
        .values(version=7)
    )
    application.notes = "changed"
    with pytest.raises(ConflictError) as raised:
        session.flush()
    assert raised.value.record is application


def test_functions_are_replaced_in_place_and_the_change_is_audited(session, make_application):
    application = make_application("BL SOCIAL", domain="Action sociale", functions=["A", "B"])
    kept = application.functions[0].id
    services.update_application(
        session,
        application,
        validate(ApplicationUpdate, {"functions": ["A", ("Finances", "Facturation")]}),
        actor="t",
        version=1,
    )
    session.flush()
    pairs = [(fn.domain, fn.name) for fn in application.functions]
    assert pairs == [("Action sociale", "A"), ("Finances", "Facturation")]
    assert application.functions[0].id == kept
    assert session.scalar(select(func.count()).select_from(ApplicationFunction)) == 2
    assert application.version == 2  # a change of functions moves the record's version too
    entry = _entries(session, "Application")[-1]
    assert entry.changes["functions"]["before"] == [
        ["Action sociale", "A"],
        ["Action sociale", "B"],
    ]


def test_archive_and_restore_are_audited(session, make_application):
    application = make_application("LEGALBOX")
    services.archive_application(session, application, actor="t", version=1)
    assert application.is_archived
    services.archive_application(session, application, actor="t")  # already archived: no-op
    services.restore_application(session, application, actor="t")
    assert not application.is_archived
    actions = [e.action for e in _entries(session, "Application")]
    assert actions == ["create", "archive", "restore"]


def test_deployment_rules(session, organisation, make_application, make_deployment):
    application = make_application("BL SOCIAL", domain="Action sociale", functions=["A", "B"])
    deployment = make_deployment(organisation, application, functions=["A"], since="2016-01-01")
    assert deployment.functions == ["A"]
    assert str(deployment.since) == "2016-01-01"
    entry = _entries(session, "Deployment")[-1]
    assert entry.organisation_id == organisation.id  # member-owned: the trail says whose
    with pytest.raises(FieldErrors, match="utilise déjà"):
        make_deployment(organisation, application)
    with pytest.raises(FieldErrors, match="ne sont pas des fonctionnalités de"):
        services.update_deployment(
            session, deployment, validate(DeploymentUpdate, {"functions": ["Z"]}), actor="t"
        )
    services.update_deployment(
        session,
        deployment,
        validate(DeploymentUpdate, {"hosting": "member_site"}),
        actor="t",
        version=deployment.version,
    )
    assert deployment.effective_hosting is Hosting.MEMBER_SITE
    with pytest.raises(FieldErrors) as caught:
        services.create_deployment(
            session,
            validate(
                DeploymentCreate, {"organisation_id": 999_999, "application_id": application.id}
            ),
            actor="t",
        )
    assert "organisation_id" in caught.value.errors


def test_interface_rules(session, make_application, make_interface):
    finance = make_application("Sedit.GF")
    family = make_application("CONCERTO Opus", domain="Familles", functions=["Scolaire"])
    interface = make_interface(family, finance, data="Titres de recettes")
    entry = _entries(session, "Interface")[-1]
    assert entry.summary == "Interface CONCERTO Opus → Sedit.GF"
    with pytest.raises(FieldErrors):
        make_interface(finance, finance)
    services.update_interface(
        session,
        interface,
        validate(
            InterfaceUpdate,
            {
                "direction": "two_way",
                "target_application_id": family.id,
                "source_application_id": finance.id,
            },
        ),
        actor="t",
        version=1,
    )
    entry = _entries(session, "Interface")[-1]
    assert entry.summary == "Interface Sedit.GF → CONCERTO Opus"
    assert entry.changes["direction"] == {"before": "one_way", "after": "two_way"}
