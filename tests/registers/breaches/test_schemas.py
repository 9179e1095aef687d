"""The breach register's schemas: what a write accepts (codes, boxes, counts, enums, the
required fields), what an update may leave out or not blank, and the list's filters."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from compliance.schemas import FieldErrors, validate, validate_query
from registers.breaches.schemas import (
    BreachCreate,
    BreachFilters,
    BreachOrigin,
    BreachUpdate,
    NotificationCreate,
    NotificationKind,
    NotNotifiable,
)

BREACH = {"title": "Courriel mal adressé", "organisation_id": 3, "awareness_at": "2026-03-01T10:00"}


def errors_of(schema, data) -> dict:
    with pytest.raises(FieldErrors) as caught:
        validate(schema, data)
    return caught.value.errors


def test_codes_are_read_from_a_list_or_a_text_each_once_in_order(base_app):
    with base_app.test_request_context():
        breach = validate(
            BreachCreate,
            {
                **BREACH,
                "subject_categories": "families; children, families",
                "data_categories": [" identity ", "", "economic_financial"],
                "special_categories": None,
            },
        )
        assert breach.subject_categories == ["children", "families"]
        assert breach.data_categories == ["identity", "economic_financial"]
        assert breach.special_categories == []
        errors = errors_of(BreachCreate, {**BREACH, "data_categories": ["identity", "dreams"]})
        assert errors["data_categories"].startswith("doit être l'une des valeurs : identity, ")
        assert errors_of(BreachCreate, {**BREACH, "data_categories": 3}) == {
            "data_categories": "doit être une liste"
        }


def test_boxes_counts_and_codes(base_app):
    with base_app.test_request_context():
        breach = validate(
            BreachCreate,
            {
                **BREACH,
                "confidentiality": "on",
                "integrity": "non",
                "availability": "",
                "nir_concerned": True,
                "people_count": "1 200",
                "origin": "external",
            },
        )
        assert (breach.confidentiality, breach.integrity, breach.availability) == (
            True,
            False,
            False,
        )
        assert breach.nir_concerned is True
        assert breach.people_count == 1200
        assert breach.origin == BreachOrigin.EXTERNAL
        assert breach.awareness_at.utcoffset().total_seconds() == 0  # Paris time, in UTC
        errors = errors_of(
            BreachCreate,
            {
                **BREACH,
                "is_ongoing": "peut-être",
                "people_count": -3,
                "records_count": "beaucoup",
                "origin": "alien",
            },
        )
        assert errors == {
            "is_ongoing": "doit valoir vrai ou faux",
            "people_count": "doit valoir au moins 0",
            "records_count": "doit être un nombre entier",
            "origin": "doit être l'une des valeurs : internal, external, unknown",
        }


def test_required_and_unknown_fields(base_app):
    with base_app.test_request_context():
        assert errors_of(BreachCreate, {"organisation_id": 3, "colour": "red"}) == {
            "title": "est obligatoire",
            "awareness_at": "est obligatoire",
            "colour": "champ inconnu",
        }
        assert errors_of(NotificationCreate, {"sent_at": "2026-03-01T10:00"}) == {
            "kind": "est obligatoire"
        }
        assert set(errors_of(NotNotifiable, {"risk_level": "none"})) == {
            "risk_reasoning",
            "not_notified_reason",
        }
        notification = validate(
            NotificationCreate, {"kind": "initial", "sent_at": "2026-03-01T10:00"}
        )
        assert notification.kind == NotificationKind.INITIAL


def test_an_update_changes_only_what_is_sent_and_cannot_blank_a_required_field(base_app):
    with base_app.test_request_context():
        changes = validate(BreachUpdate, {"is_ongoing": "", "description": " "})
        assert changes.model_dump(exclude_unset=True) == {"is_ongoing": False, "description": None}
        assert errors_of(BreachUpdate, {"title": " ", "awareness_at": None}) == {
            "title": "est obligatoire",
            "awareness_at": "est obligatoire",
        }


def test_filters(base_app):
    with base_app.test_request_context():
        filters = validate_query(
            BreachFilters,
            MultiDict({"q": " paie ", "late": "on", "open_only": "maybe", "sort": "-awareness"}),
        )
        assert (filters.q, filters.late, filters.open_only, filters.sort) == (
            "paie",
            True,
            False,
            "-awareness",
        )
        assert filters.as_args() == {"q": "paie", "late": "1", "sort": "-awareness"}
        assert validate_query(BreachFilters, MultiDict({"sort": ""})).sort == "deadline"
        with pytest.raises(FieldErrors) as caught:
            validate_query(BreachFilters, MultiDict({"sort": "colour", "incident_id": "x"}))
        assert caught.value.errors == {
            "incident_id": "doit être un nombre entier",
            "sort": "doit être l'une des valeurs : deadline, awareness, reference, status, "
            "organisation",
        }
