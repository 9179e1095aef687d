"""Model processings: apply to several members, divergence per field, push to the copies that
follow the model."""

from __future__ import annotations

import pytest

from compliance.tenancy import OrganisationKind
from registers.processing import services, template_activities
from registers.processing.reference import ProcessingStatus
from registers.processing.schemas import ActivityCreate, ActivityUpdate, check

STATE_CIVIL = {
    "name": "Tenue de l'état civil",
    "responsible_service": "Service de l'état civil",
    "purposes": [
        {
            "description": "Établir et conserver les actes de l'état civil",
            "legal_basis": "legal_obligation",
            "legal_text": "Code civil, art. 34 à 101-2",
        }
    ],
    "data_categories": [{"category": "identity", "active_period": "Illimitée (registres)"}],
}


@pytest.fixture
def cities(make_organisation):
    return [make_organisation(name) for name in ("Arcueil", "Gentilly", "Villejuif")]


@pytest.fixture
def model(session, make_organisation):
    host = make_organisation("SIIM 94", kind=OrganisationKind.SYNDICATE, is_host=True)
    return template_activities.create_template(
        session, host, check(ActivityCreate, STATE_CIVIL), actor="dpo"
    )


def test_apply_to_three_members(session, model, cities):
    copies = template_activities.apply_template(session, model, cities, actor="dpo")
    assert model.is_model and model.reference == "MOD-001"
    assert all(c.reference.startswith("T-") for c in copies)
    assert [c.organisation_id for c in copies] == [c.id for c in cities]
    for copy in copies:
        assert copy.model_id == model.id and not copy.is_model
        assert copy.name == model.name and copy.status == ProcessingStatus.DRAFT
        assert copy.responsible_service == "Service de l'état civil"
        assert copy.purposes[0].legal_text == "Code civil, art. 34 à 101-2"
        assert template_activities.divergence(copy) == []
    # Applying again does not duplicate.
    assert template_activities.apply_template(session, model, cities, actor="dpo") == copies


def test_a_copy_takes_the_model_reference(session, make_organisation, cities):
    host = make_organisation("SIIM 94", kind=OrganisationKind.SYNDICATE, is_host=True)
    model = template_activities.create_template(
        session, host, check(ActivityCreate, {**STATE_CIVIL, "reference": "MOD-EC-01"}), actor="dpo"
    )
    copies = template_activities.apply_template(session, model, cities, actor="dpo")
    assert {c.reference for c in copies} == {"EC-01"}


def test_a_copy_is_not_a_model(session, model, cities):
    copy = template_activities.apply_template(session, model, cities[:1], actor="dpo")[0]
    with pytest.raises(template_activities.TemplateError):
        template_activities.apply_template(session, copy, cities, actor="dpo")


def test_diverged_field_is_kept_on_push(session, model, cities):
    arcueil, gentilly, villejuif = template_activities.apply_template(
        session, model, cities, actor="dpo"
    )
    services.update_processing(
        session,
        gentilly,
        check(ActivityUpdate, {"name": "État civil et livret de famille"}),
        actor="referent",
    )
    assert [s.name for s in template_activities.divergence(gentilly)] == ["name"]

    services.update_processing(
        session,
        model,
        check(
            ActivityUpdate,
            {
                "name": "Tenue des registres de l'état civil",
                "data_categories": [
                    {
                        "category": "identity",
                        "active_period": "75 ans",
                        "intermediate_period": "25 ans",
                        "final_fate": "keep",
                    }
                ],
            },
        ),
        actor="dpo",
    )
    pending = {s.name for s in template_activities.field_states(arcueil) if s.pending}
    assert pending == {"name", "data_categories"}

    results = template_activities.push_template(session, model, actor="dpo")
    by_copy = {r.copy.id: r for r in results}
    assert sorted(by_copy[arcueil.id].updated) == ["data_categories", "name"]
    assert by_copy[gentilly.id].updated == ["data_categories"]
    assert by_copy[gentilly.id].kept == ["name"]

    assert arcueil.name == villejuif.name == "Tenue des registres de l'état civil"
    assert gentilly.name == "État civil et livret de famille"
    assert gentilly.data_categories[0].final_fate.value == "keep"
    # Still diverged on its own field; nothing else pending.
    assert [s.name for s in template_activities.divergence(gentilly)] == ["name"]
    assert not [s for s in template_activities.field_states(arcueil) if s.pending or s.diverged]


def test_push_limited_to_some_fields(session, model, cities):
    (copy,) = template_activities.apply_template(session, model, cities[:1], actor="dpo")
    services.update_processing(
        session,
        model,
        check(ActivityUpdate, {"name": "Nouveau nom", "description": "Nouvelle description"}),
        actor="dpo",
    )
    (result,) = template_activities.push_template(
        session, model, actor="dpo", fields=["description"]
    )
    assert result.updated == ["description"]
    assert copy.name == "Tenue de l'état civil" and copy.description == "Nouvelle description"
    assert [s.name for s in template_activities.field_states(copy) if s.pending] == ["name"]
