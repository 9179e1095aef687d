"""The roadmap's schemas: amounts as people write them, measures and links given as text, what
an update may not blank, the list's filters; and a page's form and the API refuse a bad value
with the same message."""

from __future__ import annotations

import pytest

from compliance.schemas import FieldErrors, validate, validate_query
from registers.roadmap.schemas import (
    Escalation,
    HygieneAssessmentCreate,
    MilestoneCreate,
    Priority,
    RoadmapActionFields,
    RoadmapActionFilters,
    RoadmapActionUpdate,
    RoadmapCreate,
    RoadmapUpdate,
    Theme,
)
from tests.registers.roadmap.conftest import days
from tests.registers.roadmap.test_api import api, ciso  # noqa: F401  (fixtures)

ACTION = {"title": "SIEM", "theme": "IX", "start_on": "2026-01-01", "target_on": "31/03/2026"}


def errors_of(schema, data) -> dict:
    with pytest.raises(FieldErrors) as caught:
        validate(schema, data)
    return caught.value.errors


def test_amounts_are_whole_euros_as_people_write_them(app):
    action = validate(
        RoadmapActionFields,
        {**ACTION, "investment_estimated": "85 000 €", "operating_spent": "1\u202f200"},
    )
    assert action.investment_estimated == 85_000 and action.operating_spent == 1_200
    # Blank is zero for an action's amounts and progress, not given for a roadmap's subsidy.
    blank = validate(RoadmapActionFields, {**ACTION, "subsidy_amount": "", "progress": None})
    assert blank.subsidy_amount == 0 and blank.progress == 0
    roadmap = {"organisation_id": 1, "title": "Plan", "start_on": "2026-01-01"}
    roadmap = validate(RoadmapCreate, {**roadmap, "end_on": "2027-12-31", "subsidy_total": " "})
    assert roadmap.subsidy_total is None
    assert errors_of(RoadmapActionFields, {**ACTION, "investment_spent": -5}) == {
        "investment_spent": "doit valoir au moins 0"
    }
    assert errors_of(RoadmapActionFields, {**ACTION, "subsidy_amount": 2_000_000_000}) == {
        "subsidy_amount": "doit valoir au plus 1000000000"
    }
    assert errors_of(RoadmapActionFields, {**ACTION, "operating_spent": "12,5"}) == {
        "operating_spent": "doit être un nombre entier"
    }


def test_measures_and_links_as_lists_or_text(app):
    action = validate(
        RoadmapActionFields,
        {**ACTION, "measures": "13, 13.r;40 13", "application_ids": "3, 2 3"},
    )
    assert action.measures == ["13", "13.R", "40"]
    assert action.application_ids == [2, 3]
    assert action.theme is Theme.SUPERVISION and action.priority is Priority.P2
    assert errors_of(RoadmapActionFields, {**ACTION, "measures": [{"ref": "1"}]}) == {
        "measures": "doit être une liste de numéros de mesures"
    }
    assert errors_of(RoadmapActionFields, {**ACTION, "incident_ids": ["x"]}) == {
        "incident_ids": "doit être un identifiant"
    }


def test_required_values_and_unknown_keys(app):
    assert errors_of(RoadmapActionFields, {"title": " "}) == {
        "title": "est obligatoire",
        "theme": "est obligatoire",
        "start_on": "est obligatoire",
        "target_on": "est obligatoire",
    }
    assert errors_of(RoadmapActionFields, {**ACTION, "colour": "red"}) == {
        "colour": "champ inconnu"
    }
    assert errors_of(MilestoneCreate, {"label": "Marché notifié"}) == {"due_on": "est obligatoire"}
    assert errors_of(HygieneAssessmentCreate, {"state": "maybe"}) == {
        "state": "doit être l'une des valeurs : not_done, partial, done, not_applicable"
    }


def test_an_update_changes_what_it_names_and_never_blanks_a_required_value(app):
    changes = validate(RoadmapActionUpdate, {"progress": "40", "owner": ""})
    assert changes.model_dump(exclude_unset=True) == {"progress": 40, "owner": None}
    for name in ("code", "title", "theme", "priority", "start_on", "target_on", "status"):
        assert errors_of(RoadmapActionUpdate, {name: ""}) == {name: "est obligatoire"}
    assert errors_of(RoadmapUpdate, {"state": None}) == {"state": "est obligatoire"}
    # An update never moves a roadmap to another organisation.
    assert errors_of(RoadmapUpdate, {"organisation_id": 2}) == {"organisation_id": "champ inconnu"}
    # An escalation prefills what it is not given.
    assert validate(Escalation, {"theme": "", "roadmap_id": "4"}).model_dump(
        exclude_unset=True
    ) == {"theme": None, "roadmap_id": 4}


def test_filters(app):
    filters = validate_query(
        RoadmapActionFilters, {"q": " SIEM ", "status": "planned", "late": "on", "other": "x"}
    )
    assert filters.q == "SIEM" and filters.late is True and filters.include_archived is False
    assert filters.is_set
    assert not validate_query(RoadmapActionFilters, {"late": "nope"}).is_set
    with pytest.raises(FieldErrors) as caught:
        validate_query(RoadmapActionFilters, {"theme": "XI"})
    assert caught.value.errors == {
        "theme": "doit être l'une des valeurs : I, II, III, IV, V, VI, VII, VIII, IX, X"
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("progress", "140", "doit valoir au plus 100"),
        ("title", "x" * 201, "200 caractères au plus"),
        ("title", "  ", "est obligatoire"),
        ("start_on", "2026-13-01", "doit être une date (AAAA-MM-JJ)"),
        ("code", "bad code", "lettres, chiffres, « . », « _ » ou « - » uniquement"),
    ],
)
def test_the_form_and_the_api_refuse_a_bad_value_with_the_same_message(
    client,
    login_as,
    host,
    organisation,
    session,
    api,  # noqa: F811  (the imported fixture)
    ciso,  # noqa: F811
    make_roadmap_action,
    field,
    value,
    message,
):
    action = make_roadmap_action()
    session.commit()
    answer = api(
        ciso,
        "PATCH",
        f"/api/v1/roadmap-actions/{action.id}",
        json={field: value, "version": action.version},
    )
    assert answer.status_code == 422
    assert answer.json["errors"] == {field: message}
    login_as("ciso", host, organisation)
    form = {
        "code": action.code,
        "title": action.title,
        "theme": action.theme.value,
        "priority": action.priority.value,
        "status": action.status.value,
        "progress": "0",
        "start_on": days(-90).isoformat(),
        "target_on": days(90).isoformat(),
        "version": action.version,
        field: value,
    }
    page = client.post(f"/roadmap/actions/{action.id}/edit", data=form)
    assert page.status_code == 400
    assert message.replace("'", "&#39;") in page.get_data(as_text=True)
