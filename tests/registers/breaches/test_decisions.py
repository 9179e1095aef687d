"""Every controller an incident concerns is accounted for before the incident closes: a breach
opened, or a documented "no breach" decision (its ground, a real reason, who, when). The gate
holds in the incident service, so the page, the API and the command line obey it; the DPO's
dashboard lists the incidents still waiting."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from docx import Document

from compliance.audit import AuditEntry
from compliance.db import utcnow
from compliance.permissions import Role
from compliance.schemas import validate
from registers.breaches import decisions, export, services
from registers.breaches.fanout import controllers_for
from registers.breaches.models import NoBreachDecision
from registers.breaches.schemas import NoBreachDecisionCreate
from registers.incidents import incidents as incident_services
from registers.incidents.incidents import FieldErrors
from registers.incidents.models import IncidentStatus

REASON = "Le poste perdu ne contenait aucun export de ce membre (inventaire vérifié)."


def no_breach(organisations, reason=REASON, **data) -> NoBreachDecisionCreate:
    values = {
        "organisation_ids": [o.id for o in organisations],
        "ground": "not_affected",
        "reason": reason,
        **data,
    }
    return validate(NoBreachDecisionCreate, values)


def to_lessons_learnt(session, incident):
    for target, data in (
        (IncidentStatus.ASSESSED, {"classification": "incident"}),
        (IncidentStatus.RESPONDING, {}),
        (IncidentStatus.LESSONS_LEARNT, {"lessons_learnt": "Chiffrer les postes nomades."}),
    ):
        incident_services.transition_incident(session, incident, target, actor="test", **data)
    return incident


def close(session, incident):
    return incident_services.transition_incident(
        session, incident, IncidentStatus.CLOSED, actor="test"
    )


@pytest.fixture
def waiting(session, shared, make_incident):
    """An incident on the payroll software (Ivry, Gentilly, Villejuif use it), ready to close."""
    return to_lessons_learnt(session, make_incident([shared["payroll"]]))


def test_an_incident_closes_only_once_every_controller_has_decided(
    session, waiting, organisation, other_organisation, third_organisation
):
    with pytest.raises(FieldErrors) as refused:
        close(session, waiting)
    message = refused.value.errors["controllers"]
    assert "Gentilly, Ivry-sur-Seine, Villejuif" in message and "33.5" in message
    assert waiting.status == IncidentStatus.LESSONS_LEARNT
    # A breach for Ivry, a decision for Gentilly: Villejuif still to decide.
    ivry = controllers_for(waiting, session=session, everything=True).controllers[1]
    services.open_breaches_for_incident(
        session, waiting, [(ivry, utcnow(), utcnow())], actor="test"
    )
    decisions.record_no_breach(session, waiting, no_breach([other_organisation]), actor="test")
    with pytest.raises(FieldErrors) as refused:
        close(session, waiting)
    assert refused.value.errors["controllers"].endswith("Reste à décider : Villejuif.")
    decisions.record_no_breach(session, waiting, no_breach([third_organisation]), actor="test")
    assert close(session, waiting).status == IncidentStatus.CLOSED


def test_an_incident_without_personal_data_nor_shared_application_closes_freely(
    session, make_incident
):
    incident = to_lessons_learnt(session, make_incident([], personal_data=False))
    assert close(session, incident).status == IncidentStatus.CLOSED


def test_the_decision_is_recorded_with_who_and_when_and_audited(
    session, waiting, other_organisation, make_user
):
    dpo = make_user(Role.DPO, other_organisation, name="Daniel DPD")
    (decision,) = decisions.record_no_breach(
        session, waiting, no_breach([other_organisation]), actor=dpo
    )
    assert decision.decided_by_id == dpo.id and decision.decided_by_label == "Daniel DPD"
    assert decision.reason == REASON and decision.ground.value == "not_affected"
    assert abs(decision.decided_at - utcnow()) < timedelta(minutes=1)
    session.flush()
    entry = session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.object_type == "NoBreachDecision", AuditEntry.action == "create"
        )
    )
    assert entry is not None and waiting.reference in entry.summary
    gentilly = controllers_for(waiting, session=session, everything=True).controllers[0]
    assert gentilly.decision is decision and gentilly.decided


@pytest.mark.parametrize("reason", ["x", "RAS", "pas de violation"])
def test_a_reason_must_be_a_sentence(reason):
    with pytest.raises(FieldErrors) as refused:
        no_breach([], reason=reason, organisation_ids=[1])
    assert "phrase" in refused.value.errors["reason"]


def test_a_decision_is_refused_for_an_organisation_not_concerned_or_already_decided(
    session, waiting, organisation, other_organisation, make_organisation
):
    stranger = make_organisation("Arcueil")
    with pytest.raises(FieldErrors) as refused:
        decisions.record_no_breach(session, waiting, no_breach([stranger]), actor="test")
    assert "n'est pas concerné" in refused.value.errors["organisation_ids"]
    decisions.record_no_breach(session, waiting, no_breach([other_organisation]), actor="test")
    with pytest.raises(FieldErrors) as refused:
        decisions.record_no_breach(session, waiting, no_breach([other_organisation]), actor="test")
    assert "déjà enregistrée" in refused.value.errors["organisation_ids"]
    ivry = controllers_for(waiting, session=session, everything=True).controllers[1]
    services.open_breaches_for_incident(
        session, waiting, [(ivry, utcnow(), utcnow())], actor="test"
    )
    with pytest.raises(FieldErrors) as refused:
        decisions.record_no_breach(session, waiting, no_breach([organisation]), actor="test")
    assert "déjà ouverte" in refused.value.errors["organisation_ids"]
    assert session.scalar(sa.select(sa.func.count()).select_from(NoBreachDecision)) == 1


def test_a_future_decision_is_refused(session, waiting, other_organisation):
    values = no_breach([other_organisation], decided_at=utcnow() + timedelta(days=1))
    with pytest.raises(FieldErrors) as refused:
        decisions.record_no_breach(session, waiting, values, actor="test")
    assert "decided_at" in refused.value.errors


# --- the pages, the dashboard and the API ---------------------------------------------------


@pytest.fixture
def ready(session, waiting):
    session.commit()
    return waiting


def test_the_dpo_sees_the_incident_on_the_dashboard_and_records_no_breach(
    client, login_as, session, ready, organisation, other_organisation, third_organisation
):
    login_as(Role.DPO, organisation, other_organisation, third_organisation)
    dashboard = client.get("/").get_data(as_text=True)
    assert "Incidents à évaluer : données personnelles" in dashboard
    assert ready.reference in dashboard and "3 responsables à décider" in dashboard
    page = client.get(f"/incidents/{ready.id}").get_data(as_text=True)
    assert "À décider" in page and "Consigner « pas de violation »" in page
    # Villejuif has no activity on the software: it is listed, with a warning.
    assert "aucun traitement recensé sur ces applications" in page
    form = client.get(f"/breaches/from-incident/{ready.id}/no-breach")
    assert form.status_code == 200 and "Villejuif" in form.get_data(as_text=True)
    refused = client.post(
        f"/breaches/from-incident/{ready.id}/no-breach",
        data={"organisation_ids": [third_organisation.id], "ground": "not_affected", "reason": "x"},
    )
    assert refused.status_code == 400 and "phrase" in refused.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(NoBreachDecision)) == 0
    response = client.post(
        f"/breaches/from-incident/{ready.id}/no-breach",
        data={
            "organisation_ids": [other_organisation.id, third_organisation.id],
            "ground": "not_affected",
            "reason": REASON,
        },
    )
    assert response.status_code == 302
    page = client.get(f"/incidents/{ready.id}").get_data(as_text=True)
    assert REASON in page and "Pas de violation" in page
    assert "1 responsable de traitement à décider" in page


def test_closing_from_the_page_shows_who_is_still_to_decide(client, login_as, session, ready, host):
    login_as(Role.CISO, host)
    response = client.post(
        f"/incidents/{ready.id}/transition/closed",
        data={"to-closed-version": ready.version},
    )
    assert response.status_code == 400
    assert "Reste à décider : Gentilly, Ivry-sur-Seine, Villejuif" in response.get_data(
        as_text=True
    )
    session.expire_all()
    assert session.get(type(ready), ready.id).status == IncidentStatus.LESSONS_LEARNT


def test_closing_through_the_api_is_422(client, session, ready, host, make_user, token_for):
    ciso = make_user(Role.CISO, host)
    token = token_for(ciso)
    response = client.raw.post(
        f"/api/v1/incidents/{ready.id}/transition",
        json={"status": "closed", "version": ready.version},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert "Villejuif" in response.get_json()["errors"]["controllers"]


def test_a_referent_may_not_decide_and_a_stranger_sees_nothing(
    client, login_as, session, ready, organisation, make_organisation
):
    login_as(Role.REFERENT, organisation)
    assert client.get(f"/breaches/from-incident/{ready.id}/no-breach").status_code == 403
    assert "Incidents à évaluer" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login_as(Role.DPO, make_organisation("Arcueil"))
    assert client.get(f"/breaches/from-incident/{ready.id}/no-breach").status_code == 404


def test_the_controllers_register_documents_its_no_breach_decisions(
    session, waiting, organisation, other_organisation
):
    decisions.record_no_breach(session, waiting, no_breach([other_organisation]), actor="test")
    data, _record = export.export_register(session, other_organisation, actor="test")
    document = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "4. Incidents sans violation pour ce responsable" in text
    assert waiting.reference in text and REASON in text
    assert "ni perdues, ni altérées" in text
    ours, _record = export.export_register(session, organisation, actor="test")
    ours_text = "\n".join(p.text for p in Document(io.BytesIO(ours)).paragraphs)
    assert REASON not in ours_text
    assert "Aucune décision « pas de violation »" in ours_text


def test_the_api_records_no_breach_and_refuses_a_bare_reason(
    client, session, ready, other_organisation, third_organisation, make_user, token_for
):
    dpo = make_user(Role.DPO, other_organisation, third_organisation)
    headers = {"Authorization": f"Bearer {token_for(dpo)}"}
    path = f"/api/v1/incidents/{ready.id}/no-breach"
    body = {"organisation_ids": [third_organisation.id], "ground": "no_personal_data"}
    refused = client.raw.post(path, json={**body, "reason": "x"}, headers=headers)
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    response = client.raw.post(path, json={**body, "reason": REASON}, headers=headers)
    assert response.status_code == 201, response.get_json()
    (decision,) = response.get_json()["decisions"]
    assert decision["organisation_id"] == third_organisation.id
    assert decision["reason"] == REASON and decision["decided_at"].endswith(("+01:00", "+02:00"))
