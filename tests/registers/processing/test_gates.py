"""The gates of the record: validating an activity requires every Art. 30 item of its kind of
record and a DPIA screening, or the DPO's written reason (service, API, pages); a DPIA marked
completed gives its date, conclusion and the DPO's opinion; the Word register calls only the
validated activities "en vigueur", the others in an annex or left out."""

from __future__ import annotations

import pytest
from sqlmodel import select

from compliance.audit import AuditEntry
from compliance.cli import main
from compliance.permissions import Role
from registers.processing import gates, services
from registers.processing.export import export_activity, export_register
from registers.processing.models import ProcessingActivity
from registers.processing.reference import DpiaStatus, ProcessingStatus
from registers.processing.schemas import ActivityUpdate, check
from tests.registers.processing.test_export import all_text, body_text

REASON = "Fiche validée pour l'ouverture du service, compléments attendus sous un mois."
ANNEX = "Annexe : traitements en cours de rédaction ou en attente de validation"


def _incomplete(make_activity, organisation, **data):
    """The issue's case: no recipients, no security measure, no retention, no screening."""
    return make_activity(
        organisation,
        recipients=[],
        security_measures=[],
        data_categories=[{"category": "identity"}],
        dpia_screening_notes=None,
        **data,
    )


# --- validation: the service ---------------------------------------------------------------------


def test_validation_refused_with_each_missing_item(session, organisation, make_activity):
    activity = _incomplete(make_activity, organisation)
    with pytest.raises(services.FieldErrors) as refused:
        services.validate_processing(session, activity, actor="test")
    errors = refused.value.errors
    assert {"recipients", "security", "retention", "dpia_screening"} <= set(errors)
    assert "override_reason" in errors
    assert activity.status == ProcessingStatus.DRAFT and activity.validated_at is None


def test_screening_alone_is_required(session, organisation, make_activity):
    activity = make_activity(organisation, dpia_screening_notes=None)
    assert [gap.code for gap in gates.validation_gaps(activity)] == ["dpia_screening"]
    with pytest.raises(services.FieldErrors) as refused:
        services.validate_processing(session, activity, actor="test")
    assert "dpia_screening" in refused.value.errors
    # A ticked criterion is a screening too.
    services.update_processing(
        session, activity, check(ActivityUpdate, {"dpia_criteria": ["large_scale"]}), actor="t"
    )
    services.validate_processing(session, activity, actor="test")
    assert activity.status == ProcessingStatus.VALIDATED
    assert activity.validation_override_reason is None


@pytest.mark.parametrize("reason", ["x", "ok", "  vu  ", "à compléter plus tard"])
def test_override_reason_must_be_a_sentence(session, organisation, make_activity, reason):
    activity = _incomplete(make_activity, organisation)
    with pytest.raises(services.FieldErrors) as refused:
        services.validate_processing(session, activity, actor="test", override_reason=reason)
    assert set(refused.value.errors) == {"override_reason"}
    assert activity.status == ProcessingStatus.DRAFT


def test_override_is_kept_and_audited(session, organisation, make_activity):
    activity = _incomplete(make_activity, organisation)
    services.validate_processing(session, activity, actor="test", override_reason=REASON)
    session.flush()
    assert activity.status == ProcessingStatus.VALIDATED
    assert activity.validation_override_reason == REASON
    codes = [gap["code"] for gap in activity.validation_override_gaps]
    # A commune is a public body: its retention needs the archiving items too.
    assert codes == ["recipients", "retention", "archiving", "security", "dpia_screening"]
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "validate_override"))
    assert entry is not None
    assert entry.changes["validation_override_reason"]["after"] == REASON


def test_processor_record_needs_the_art_30_2_items(session, organisation, make_activity):
    """A processor's record (Art. 30(2)) names the controllers it acts for; it needs no
    purposes, categories of people or data, recipients or retention."""
    activity = make_activity(
        organisation,
        role="processor",
        purposes=[],
        subjects=[],
        data_categories=[],
        recipients=[],
    )
    assert [gap.code for gap in gates.validation_gaps(activity)] == ["controllers"]
    with pytest.raises(services.FieldErrors) as refused:
        services.validate_processing(session, activity, actor="test")
    assert "controllers" in refused.value.errors
    services.update_processing(
        session,
        activity,
        check(ActivityUpdate, {"other_controllers": "Communes membres du syndicat"}),
        actor="test",
    )
    services.validate_processing(session, activity, actor="test")
    assert activity.status == ProcessingStatus.VALIDATED


def test_edit_that_opens_a_gap_returns_the_activity_to_draft(session, organisation, make_activity):
    activity = make_activity(organisation)
    services.validate_processing(session, activity, actor="test")
    services.update_processing(
        session, activity, check(ActivityUpdate, {"name": "Liste"}), actor="t"
    )
    assert activity.status == ProcessingStatus.VALIDATED
    services.update_processing(
        session, activity, check(ActivityUpdate, {"security_measures": []}), actor="test"
    )
    assert activity.status == ProcessingStatus.DRAFT


# --- validation: the API and the page ------------------------------------------------------------


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def test_api_answers_422_with_each_gap_then_accepts_a_reason(
    api, session, organisation, make_user, make_activity, token_for
):
    activity = _incomplete(make_activity, organisation)
    session.commit()
    dpo = token_for(make_user(Role.DPO, organisation))
    path = f"/processing-activities/{activity.id}/validate"
    response = api("POST", path, dpo, json={"remarks": "Conforme"})
    assert response.status_code == 422
    assert {"recipients", "security", "dpia_screening", "override_reason"} <= set(
        response.json["errors"]
    )
    assert session.get(ProcessingActivity, activity.id).status == ProcessingStatus.DRAFT
    response = api("POST", path, dpo, json={"override_reason": "x"})
    assert response.status_code == 422 and set(response.json["errors"]) == {"override_reason"}
    response = api("POST", path, dpo, json={"override_reason": REASON})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "validated"
    assert response.json["validation_override_reason"] == REASON
    assert {gap["code"] for gap in response.json["validation_override_gaps"]} >= {"security"}


def test_page_lists_the_gaps_with_links_and_takes_a_reason(
    client, session, login_as, organisation, make_activity
):
    activity = _incomplete(make_activity, organisation)
    session.commit()
    login_as("dpo", organisation)
    page = client.get(f"/processing/activities/{activity.id}").get_data(as_text=True)
    assert "Valider par dérogation" in page
    assert f"/processing/activities/{activity.id}/edit#section-security_measures" in page
    assert f"/processing/activities/{activity.id}/dpia" in page
    url = f"/processing/activities/{activity.id}/validate"
    response = client.post(url, data={"version": str(activity.version), "remarks": "RAS"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Mesures de sécurité (art. 30.1.g)" in text and "Criblage AIPD" in text
    session.expire_all()
    assert session.get(ProcessingActivity, activity.id).status == ProcessingStatus.DRAFT
    response = client.post(url, data={"version": str(activity.version), "override_reason": REASON})
    assert response.status_code == 302
    page = client.get(f"/processing/activities/{activity.id}").get_data(as_text=True)
    assert "Validée par dérogation" in page and REASON.replace("'", "&#39;") in page


# --- the DPIA ----------------------------------------------------------------------------------


def test_completed_dpia_needs_date_conclusion_and_dpo_opinion(session, organisation, make_activity):
    activity = make_activity(organisation, dpia_cnil_types=["health_care"])
    with pytest.raises(services.FieldErrors) as refused:
        services.update_processing(
            session, activity, check(ActivityUpdate, {"dpia_status": "completed"}), actor="t"
        )
    assert set(refused.value.errors) == {"dpia_done_on", "dpia_conclusion", "dpia_dpo_opinion"}
    assert activity.dpia_status == DpiaStatus.NOT_STARTED
    complete = {
        "dpia_status": "completed",
        "dpia_done_on": "2026-10-01",
        "dpia_conclusion": "Risques résiduels acceptables.",
        "dpia_dpo_opinion": "Avis favorable.",
    }
    activity = make_activity(organisation, name="Santé", dpia_cnil_types=["health_care"])
    services.update_processing(session, activity, check(ActivityUpdate, complete), actor="t")
    assert activity.dpia_status == DpiaStatus.COMPLETED
    # Blanking the opinion of a completed DPIA is refused too.
    with pytest.raises(services.FieldErrors) as refused:
        services.update_processing(
            session, activity, check(ActivityUpdate, {"dpia_dpo_opinion": ""}), actor="t"
        )
    assert set(refused.value.errors) == {"dpia_dpo_opinion"}


def test_completed_dpia_refused_on_creation_and_by_the_form(
    client, session, login_as, organisation, make_activity
):
    with pytest.raises(services.FieldErrors):
        make_activity(organisation, dpia_status="completed", dpia_done_on="2026-10-01")
    activity = make_activity(organisation, dpia_cnil_types=["health_care"])
    session.commit()
    login_as("dpo", organisation)
    response = client.post(
        f"/processing/activities/{activity.id}/dpia",
        data={
            "version": str(activity.version),
            "dpia_cnil_types": ["health_care"],
            "dpia_status": "completed",
            "dpia_done_on": "2026-10-01",
        },
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "conclusion de l&#39;AIPD" in text and "avis du délégué" in text
    session.expire_all()
    assert session.get(ProcessingActivity, activity.id).dpia_status == DpiaStatus.NOT_STARTED


# --- the Word register -------------------------------------------------------------------------


@pytest.fixture
def mixed(session, organisation, make_activity):
    validated = make_activity(organisation, name="Liste électorale")
    services.validate_processing(session, validated, actor="test")
    overridden = _incomplete(make_activity, organisation, name="Cantine scolaire")
    services.validate_processing(session, overridden, actor="test", override_reason=REASON)
    draft = make_activity(organisation, name="Brouillon des sports")
    submitted = make_activity(organisation, name="Fiche soumise du théâtre")
    services.submit_processing(session, submitted, actor="test")
    session.flush()
    return {"validated": validated, "overridden": overridden, "draft": draft}


def test_register_says_in_force_only_of_validated_activities(session, organisation, mixed):
    text = body_text(export_register(session, organisation, actor="test")[0])
    intro = next(line for line in text.splitlines() if "en vigueur" in line)
    assert intro.startswith("2 activités de traitement en vigueur")
    assert "2 autres fiches, en cours de rédaction ou en attente de validation" in intro
    assert text.count(ANNEX) == 1
    in_force, annex = text.split(ANNEX)
    assert "Liste électorale" in in_force and "Cantine scolaire" in in_force
    assert "Brouillon des sports" not in in_force and "Fiche soumise du théâtre" not in in_force
    assert "Brouillon des sports" in annex and "Fiche soumise du théâtre" in annex
    # The override shows with its reason and what was missing.
    assert "Validée par dérogation" in in_force and REASON in in_force
    assert "Mesures de sécurité (art. 30.1.g)" in in_force


def test_register_can_leave_pending_activities_out(session, organisation, mixed):
    data, record = export_register(session, organisation, actor="test", include_pending=False)
    text = all_text(data)
    assert ANNEX not in text
    assert "Brouillon des sports" not in text and "Fiche soumise du théâtre" not in text
    assert "2 fiches en cours de rédaction ou en attente de validation ne figurent pas" in text
    assert record.parameters["pending"] == "left_out"


def test_activity_sheet_shows_the_override(session, organisation, mixed):
    text = all_text(export_activity(session, mixed["overridden"], actor="test")[0])
    assert "Validée par dérogation" in text and REASON in text
    plain = all_text(export_activity(session, mixed["validated"], actor="test")[0])
    assert "Validée par dérogation" not in plain


def test_cli_and_page_option_leave_pending_activities_out(
    app, client, session, login_as, organisation, mixed, tmp_path
):
    session.commit()
    output = tmp_path / "ivry.docx"
    args = ["export", "register", "--org", organisation.slug, "-o", str(output)]
    result = app.test_cli_runner().invoke(main, [*args, "--validated-only"], obj=app)
    assert result.exit_code == 0, result.output
    assert "Brouillon des sports" not in all_text(output.read_bytes())
    result = app.test_cli_runner().invoke(main, args, obj=app)
    assert ANNEX in all_text(output.read_bytes())

    login_as(Role.AUDITOR, organisation)
    page = client.get(f"/processing/registers/{organisation.slug}/").get_data(as_text=True)
    assert 'name="validated_only"' in page
    url = f"/processing/registers/{organisation.slug}/export"
    assert ANNEX in all_text(client.post(url).data)
    text = all_text(client.post(url, data={"validated_only": "1"}).data)
    assert ANNEX not in text and "Brouillon des sports" not in text


def test_register_without_validated_activity_says_none_is_in_force(
    session, organisation, make_activity
):
    make_activity(organisation, name="Brouillon des sports")
    session.flush()
    text = all_text(export_register(session, organisation, actor="test")[0])
    assert "Aucune activité de traitement en vigueur" in text
    assert "1 autre fiche, en cours de rédaction ou en attente de validation, figure" in text
    assert ANNEX in text and "Brouillon des sports" in text.split(ANNEX)[1]
