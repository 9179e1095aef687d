"""The register's declarations: what a write accepts and refuses, with the same French messages
for a form and the API, and the list's filters."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.schemas import FieldErrors, FilterError, validate
from registers.rights.schemas import (
    Answer,
    Extension,
    Refusal,
    RefusalGround,
    RightKind,
    RightsRequestCreate,
    RightsRequestFilters,
    RightsRequestUpdate,
)

SUMMARY = "Copie des données de l'état civil envoyée par courriel chiffré."
VALID = {
    "organisation_id": 3,
    "person_name": "  Mme Claire Martin ",
    "right": "post_mortem",
    "channel": "cnil",
    "received_on": "31/01/2026",
}


def test_a_request_is_checked_and_normalised():
    values = validate(RightsRequestCreate, VALID)
    assert values.person_name == "Mme Claire Martin"
    assert values.right == RightKind.POST_MORTEM
    assert values.received_on == date(2026, 1, 31)
    assert values.processing_ids == [] and values.application_ids == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"right": "forgotten"}, "right"),
        ({"channel": "pigeon"}, "channel"),
        ({"received_on": "31/02/2026"}, "received_on"),
        ({"person_name": "  "}, "person_name"),
        ({"identity_doubt_reason": "doute"}, "identity_doubt_reason"),
        ({"processing_ids": "3"}, "processing_ids"),
        ({"due_on": "2026-03-02"}, "due_on"),  # computed, never written
    ],
)
def test_bad_values_are_refused_field_by_field(change, field):
    with pytest.raises(FieldErrors) as error:
        validate(RightsRequestCreate, {**VALID, **change})
    assert field in error.value.errors


def test_an_update_sets_only_what_it_is_given():
    changes = validate(RightsRequestUpdate, {"details": "Copie du dossier"})
    assert changes.model_dump(exclude_unset=True) == {"details": "Copie du dossier"}
    with pytest.raises(FieldErrors):
        validate(RightsRequestUpdate, {"person_name": ""})


def test_reasons_must_say_something():
    with pytest.raises(FieldErrors) as error:
        validate(Extension, {"extension_reasons": "RAS", "extension_notified_on": "2026-02-02"})
    assert "phrase" in error.value.errors["extension_reasons"]
    refusal = validate(
        Refusal,
        {
            "answered_on": "2026-02-10",
            "refusal_ground": "compelling_grounds",
            "refusal_reasoning": "Le traitement répond à une mission d'intérêt public.",
            "remedies_mentioned": "on",
        },
    )
    assert refusal.refusal_ground == RefusalGround.COMPELLING_GROUNDS
    assert refusal.remedies_mentioned is True


def test_an_answer_is_full_unless_said_partial():
    answer = validate(
        Answer,
        {"answered_on": "2026-02-10", "answer_summary": SUMMARY, "answer_means": "courriel"},
    )
    assert answer.partial is False and answer.remedies_mentioned is False


def test_filters():
    filters = RightsRequestFilters.from_args({"right": "erasure", "late": "1", "year": "2026"})
    assert filters.right == RightKind.ERASURE and filters.late and filters.year == 2026
    assert RightsRequestFilters.from_args({}).sort == "due"
    for bad in ({"sort": "name"}, {"status": "lost"}, {"year": "soon"}):
        with pytest.raises(FilterError):
            RightsRequestFilters.from_args(bad)
