"""The map's entity schemas: one set of conversions and messages for the pages, the API, the
import and the demo (what registers/applications/fields.py used to convert)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import func, select
from werkzeug.datastructures import MultiDict

from compliance.schemas import FieldErrors, FilterError, validate
from registers.applications.models import Vendor
from registers.applications.schemas import (
    ApplicationCreate,
    ApplicationFilters,
    ApplicationPatch,
    ApplicationRead,
    ApplicationStatus,
    ApplicationUpdate,
    DeploymentCreate,
    DeploymentUpdate,
    DpaStatus,
    Hosting,
    InterfaceUpdate,
    VendorCreate,
    VendorFilters,
    VendorUpdate,
)


def errors_of(schema, data) -> dict:
    with pytest.raises(FieldErrors) as caught:
        validate(schema, data)
    return caught.value.errors


def test_a_vendor_is_converted_as_every_door_converts_it(base_app):
    with base_app.test_request_context():
        vendor = validate(
            VendorCreate,
            {
                "name": "  Berger\tLevrault ",
                "country": " fr ",
                "dpa_status": "signed",
                "dpa_signed_on": "01/03/2023",
                "contact": "ligne 1\r\nligne 2",
            },
        )
    assert vendor.name == "Berger Levrault"
    assert vendor.country == "FR"
    assert vendor.dpa_status is DpaStatus.SIGNED
    assert vendor.dpa_signed_on == date(2023, 3, 1)
    assert vendor.contact == "ligne 1\nligne 2"


def test_a_vendor_name_needs_a_letter_or_a_digit(base_app):
    with base_app.test_request_context():
        assert errors_of(VendorCreate, {"name": "---", "country": "France"}) == {
            "name": "doit contenir des lettres ou des chiffres",
            "country": "doit être un code pays ISO 3166 à deux lettres",
        }
        assert errors_of(VendorCreate, {"name": "x" * 201}) == {"name": "200 caractères au plus"}
        # A name given only to update is checked the same way.
        assert errors_of(VendorUpdate, {"name": "…"}) == {
            "name": "doit contenir des lettres ou des chiffres"
        }


def test_application_values_and_their_messages(base_app):
    with base_app.test_request_context():
        application = validate(
            ApplicationCreate,
            {"name": "GF", "availability": "3", "hds_required": "oui", "rto_hours": "4"},
        )
        assert (application.availability, application.hds_required) == (3, True)
        assert application.status is ApplicationStatus.IN_SERVICE
        assert application.hosting is Hosting.SYNDICATE_DATACENTER
        assert errors_of(
            ApplicationCreate,
            {
                "name": "X",
                "confidentiality": 5,
                "integrity": "fort",
                "rto_hours": -2,
                "status": "dead",
                "hosting_country": "France",
                "vendor_id": 0,
                "colour": "blue",
            },
        ) == {
            "confidentiality": "doit valoir au plus 4",
            "integrity": "doit être un nombre entier",
            "rto_hours": "doit valoir au moins 0",
            "status": "doit être l'une des valeurs : in_service, deploying, retired",
            "hosting_country": "doit être un code pays ISO 3166 à deux lettres",
            "vendor_id": "doit être un identifiant",
            "colour": "champ inconnu",
        }


def test_functions_are_names_pairs_or_objects(base_app):
    with base_app.test_request_context():
        application = validate(
            ApplicationCreate,
            {
                "name": "GF",
                "functions": [" Paie ", ["RH", "Carrières"], {"name": "Congés"}, ["", "Sans"]],
            },
        )
        # A bare name takes the main domain (None here, filled in by the service); a pair
        # states its own, even blank.
        assert application.functions == [
            (None, "Paie"),
            ("RH", "Carrières"),
            (None, "Congés"),
            ("", "Sans"),
        ]
        assert errors_of(ApplicationCreate, {"name": "GF", "functions": "Paie"}) == {
            "functions": "doit être une liste"
        }
        assert errors_of(ApplicationCreate, {"name": "GF", "functions": [3]}) == {
            "functions": "chaque fonctionnalité est un nom ou une paire {domain, name}"
        }


def test_deployment_functions_are_a_list_of_names(base_app):
    with base_app.test_request_context():
        deployment = validate(
            DeploymentCreate,
            {
                "organisation_id": "2",
                "application_id": 3,
                "functions": "Paie; Congés\nPaie",
                "since": "2016-01-01",
            },
        )
        assert deployment.functions == ["Paie", "Congés"]
        assert errors_of(DeploymentUpdate, {"functions": [1]}) == {
            "functions": "doit être une liste de noms"
        }
        assert errors_of(DeploymentUpdate, {"organisation_id": 4}) == {
            "organisation_id": "champ inconnu"
        }


def test_an_update_cannot_blank_a_column_that_holds_a_value(base_app):
    with base_app.test_request_context():
        assert errors_of(
            ApplicationUpdate, {"status": "", "hosting": None, "hds_required": " "}
        ) == {
            "status": "est obligatoire",
            "hosting": "est obligatoire",
            "hds_required": "est obligatoire",
        }
        assert errors_of(VendorUpdate, {"dpa_status": ""}) == {"dpa_status": "est obligatoire"}
        assert errors_of(InterfaceUpdate, {"target_application_id": None}) == {
            "target_application_id": "est obligatoire"
        }
        # What may be blank is blanked; what is not sent is not changed.
        changes = validate(ApplicationUpdate, {"owner": "", "functions": None})
        assert changes.model_dump(exclude_unset=True) == {"owner": None, "functions": []}


def test_a_patch_names_the_version_it_read(base_app):
    with base_app.test_request_context():
        assert errors_of(ApplicationPatch, {"availability": 2}) == {"version": "est obligatoire"}
        assert errors_of(ApplicationPatch, {"version": "2", "archived": "oui"}) == {
            "version": "doit être un nombre entier",
            "archived": "doit valoir vrai ou faux",
        }
        patch = validate(ApplicationPatch, {"version": 2, "archived": True, "owner": "X"})
        assert (patch.version, patch.archived, patch.owner) == (2, True, "X")


def test_filters_read_from_a_query_string(base_app):
    with base_app.test_request_context():
        filters = ApplicationFilters.from_args(
            MultiDict({"q": " melodie ", "hosting": "vendor_saas", "include_archived": "on"})
        )
        assert (filters.q, filters.hosting, filters.include_archived, filters.sort) == (
            "melodie",
            Hosting.VENDOR_SAAS,
            True,
            "name",
        )
        # An unknown word leaves the archive out, as an unticked box does.
        assert not VendorFilters.from_args(
            MultiDict({"include_archived": "bogus"})
        ).include_archived
        with pytest.raises(FilterError) as caught:
            ApplicationFilters.from_args(MultiDict({"status": "x", "sort": "colour"}))
        assert caught.value.field == "sort"
        with pytest.raises(FilterError) as caught:
            ApplicationFilters.from_args(MultiDict({"vendor_id": "two"}))
        assert (caught.value.field, caught.value.message) == (
            "vendor_id",
            "doit être un nombre entier",
        )


def test_the_answer_keeps_its_instants_and_archive_flag(make_application):
    application = make_application("GF")
    application.archived_at = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    answer = ApplicationRead.model_validate(application).model_dump(mode="json")
    assert answer["archived"] is True
    assert answer["archived_at"] == "2026-01-02T03:04:00+00:00"
    assert answer["functions"] == [{"domain": "Finances", "name": "Gestion financière"}]


def test_a_form_and_the_api_refuse_the_same_value_with_the_same_message(
    client, session, login_as, make_user, token_for, host
):
    token = token_for(make_user("ciso", host))
    login_as("ciso", host)
    message = "doit contenir des lettres ou des chiffres"
    api = client.raw.open(
        "/api/v1/vendors",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": "---"},
    )
    assert api.status_code == 422
    assert api.get_json()["errors"] == {"name": message}
    page = client.post("/applications/vendors/new", data={"name": "---", "dpa_status": "none"})
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Vendor)) == 0
