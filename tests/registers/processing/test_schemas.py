"""The activity's schemas: what a write accepts and refuses (whichever door it comes in by), the
names of a child row's errors, the list's filters, and a form and the API refusing the same
value with the same message."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from compliance.permissions import Role
from compliance.schemas import FilterError
from registers.processing.models import ProcessingActivity
from registers.processing.reference import (
    DataCategory,
    DpiaStatus,
    LegalBasis,
    ProcessingRole,
    ProcessingStatus,
)
from registers.processing.schemas import (
    READ_ONLY,
    ActivityCreate,
    ActivityFilters,
    ActivityUpdate,
    FieldErrors,
    check,
    check_rows,
    row_value,
)
from tests.registers.processing.test_views import form_data


def errors_of(schema, data) -> dict:
    with pytest.raises(FieldErrors) as caught:
        check(schema, data)
    return caught.value.errors


def test_values_are_converted(base_app):
    with base_app.test_request_context():
        values = check(
            ActivityCreate,
            {
                "name": "  Paie\tdes agents ",
                "role": "joint_controller",
                "criminal_data": "oui",
                "dpia_criteria": "large_scale; vulnerable_subjects,large_scale",
                "dpia_done_on": "31/01/2026",
                "application_ids": "3;2;3",
                "purposes": [{"description": "Payer", "legal_basis": " legal_obligation "}],
                "data_categories": [{"category": "identity", "junk": "left aside"}],
                "transfers": [{"recipient": "X", "country": " us "}],
            },
        )
    assert values.name == "Paie des agents"
    assert values.role is ProcessingRole.JOINT_CONTROLLER and values.criminal_data is True
    # Codes in catalogue order, once each.
    assert values.dpia_criteria == ["large_scale", "vulnerable_subjects"]
    assert values.dpia_done_on == date(2026, 1, 31)
    assert values.application_ids == [3, 2]
    assert values.purposes[0].legal_basis is LegalBasis.LEGAL_OBLIGATION
    assert values.purposes[0].is_main is None  # the service picks the main purpose
    assert values.data_categories[0].category is DataCategory.IDENTITY
    assert values.transfers[0].country == "US"
    assert "reference" not in values.model_fields_set


def test_refusals_name_each_field_and_row(base_app):
    with base_app.test_request_context():
        errors = errors_of(
            ActivityCreate,
            {
                "reference": "x" * 51,
                "contact": "x" * 2001,
                "role": "boss",
                "nir_used": "peut-être",
                "dpia_cnil_types": ["nope"],
                "application_ids": [0],
                "purposes": [{"legal_basis": "whim"}],
                "subjects": "staff",
                "recipients": ["x"],
                "transfers": [{"recipient": "X", "country": "USA"}],
                "colour": "blue",
            },
        )
    assert errors == {
        "name": "est obligatoire",
        "reference": "50 caractères au plus",
        "contact": "2000 caractères au plus",
        "role": "doit être l'une des valeurs : controller, joint_controller, processor",
        "nir_used": "doit valoir vrai ou faux",
        "dpia_cnil_types": "code inconnu : « nope »",
        "application_ids": "doit être un identifiant",
        "purposes[0].description": "est obligatoire",
        "purposes[0].legal_basis": errors["purposes[0].legal_basis"],
        "subjects": "doit être une liste",
        "recipients[0]": "doit être un objet",
        "transfers[0].country": "doit être un code pays ISO 3166 à deux lettres",
        "colour": "champ inconnu",
    }
    assert errors["purposes[0].legal_basis"].startswith("doit être l'une des valeurs : consent")


def test_an_update_changes_only_what_is_sent_and_cannot_blank_a_column(base_app):
    with base_app.test_request_context():
        changes = check(ActivityUpdate, {"description": " ", "dpia_criteria": ""})
        assert changes.model_dump(exclude_unset=True) == {
            "description": None,
            "dpia_criteria": [],
        }
        for name in ("name", "reference", "role", "criminal_data", "dpia_status"):
            assert errors_of(ActivityUpdate, {name: ""}) == {name: "est obligatoire"}
        # What a client read and sends back is ignored when named.
        changes = check(
            ActivityUpdate, {"id": 4, "status": "validated", "name": "Y"}, ignore=READ_ONLY
        )
        assert changes.model_dump(exclude_unset=True) == {"name": "Y"}
        assert errors_of(ActivityUpdate, {"organisation_id": 2}) == {
            "organisation_id": "champ inconnu"
        }


def test_rows_and_stored_values(base_app):
    with base_app.test_request_context():
        assert check_rows("subjects", [{"category": "staff", "estimated_number": "12"}]) == [
            {"category": "staff", "details": None, "estimated_number": 12}
        ]
        with pytest.raises(FieldErrors) as caught:
            check_rows("subjects", [{"category": "staff", "estimated_number": -1}])
        assert caught.value.errors == {"estimated_number": "doit valoir au moins 0"}
    # A stored code back to its member; a value no write accepts is left as it is.
    assert row_value("data_categories", "category", "identity") is DataCategory.IDENTITY
    assert row_value("data_categories", "category", "gone") == "gone"
    assert row_value("data_categories", "description", None) is None


def test_filters(base_app):
    with base_app.test_request_context():
        filters = ActivityFilters.from_args(
            MultiDict(
                {
                    "q": " paie ",
                    "organisation": "3",
                    "application": "7",
                    "status": "archived",
                    "dpia_required": "non",
                    "models": "on",
                    "sort": "-name",
                }
            )
        )
        assert filters.q == "paie" and filters.sort == "-name"
        assert (filters.organisation_id, filters.application_id) == (3, 7)
        assert filters.status is ProcessingStatus.ARCHIVED and filters.include_archived
        assert filters.dpia_required is False and filters.models is True
        # As links write them: a switch off is left out.
        assert filters.as_args() == {
            "q": "paie",
            "organisation_id": "3",
            "status": "archived",
            "application_id": "7",
            "include_archived": "true",
            "models": "true",
            "sort": "-name",
        }
        # A switch is on when it says so, off otherwise.
        assert (
            ActivityFilters.from_args({"include_archived": "peut-être"}).include_archived is False
        )
        assert ActivityFilters().sort == "reference"
        for args, field, message in (
            ({"sort": "size"}, "sort", "doit être l'une des valeurs : reference, name, "),
            ({"status": "nope"}, "status", "doit être l'une des valeurs : draft"),
            ({"organisation_id": "x"}, "organisation_id", "doit être un nombre entier"),
            ({"dpia_required": "maybe"}, "dpia_required", "doit valoir vrai ou faux"),
        ):
            with pytest.raises(FilterError) as caught:
                ActivityFilters.from_args(args)
            assert caught.value.field == field and caught.value.message.startswith(message)


def test_dpia_status_default_and_codes(base_app):
    with base_app.test_request_context():
        values = check(ActivityCreate, {"name": "X"})
    assert "dpia_status" not in values.model_fields_set
    assert values.dpia_status is DpiaStatus.NOT_STARTED


def test_a_form_and_the_api_refuse_the_same_value_with_the_same_message(
    client, session, login_as, organisation, make_activity, make_user, token_for
):
    activity = make_activity(organisation)
    session.commit()
    token = token_for(make_user(Role.DPO, organisation))
    too_long = "x" * 51

    response = client.raw.open(
        f"/api/v1/processing-activities/{activity.id}",
        method="PATCH",
        headers={"Authorization": f"Bearer {token}"},
        json={"reference": too_long, "version": activity.version},
    )
    assert response.status_code == 422
    message = response.json["errors"]["reference"]
    assert message == "50 caractères au plus"

    login_as(Role.DPO, organisation)
    response = client.post(
        f"/processing/activities/{activity.id}/edit", data=form_data(activity, reference=too_long)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(ProcessingActivity, activity.id).reference != too_long
