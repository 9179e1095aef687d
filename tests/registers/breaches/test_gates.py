"""The law's gates on a breach: H0 is never implied (Art. 33(1)); the processor's delay is
measured and flagged (Art. 33(2)); notifying needs the Art. 33(3) content; closing needs the
decision's content (Art. 33(5), 34(3)(c)); reasons say something; notifications come in phases
(Art. 33(4)) and an announced complementary notification is followed up."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from compliance.config import load_settings
from compliance.db import utcnow
from compliance.permissions import Role
from compliance.schemas import validate
from registers.breaches import services
from registers.breaches.export import breach_summary, export_register
from registers.breaches.fanout import controllers_for
from registers.breaches.models import BreachNotification, BreachStatus, PersonalDataBreach
from registers.breaches.schemas import (
    BreachCreate,
    BreachRead,
    BreachUpdate,
    NotificationCreate,
    NotNotifiable,
)
from registers.incidents.common import FieldErrors
from tests.registers.breaches.test_exports import all_text
from tests.registers.breaches.test_views import paris_input

EMPTY_ART33 = {
    "confidentiality": False,
    "description": None,
    "subject_categories": [],
    "people_count": None,
    "data_categories": [],
    "records_count": None,
    "contact": None,
    "consequences": None,
    "measures_taken": None,
}
REASONING = "Liste nominative envoyée à un destinataire connu et de confiance."


def input_value(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else None


def notify(session, breach, **values):
    data = {"kind": "complete", "sent_at": utcnow() - timedelta(minutes=5), **values}
    return services.record_notification(
        session, breach, validate(NotificationCreate, data), actor="test"
    )


# --- H0 is explicit (Art. 33(1)) --------------------------------------------------------------


def test_a_breach_opened_from_an_incident_needs_its_confirmed_h0(
    session, shared, make_incident, organisation
):
    incident = make_incident([shared["payroll"]])
    _gentilly, ivry, *_ = controllers_for(incident, session=session, everything=True).controllers
    told = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    with pytest.raises(FieldErrors) as caught:
        services.open_breaches_for_incident(session, incident, [(ivry, told, None)], actor="t")
    assert f"{organisation.id}:awareness_at" in caught.value.errors
    assert session.scalar(sa.select(sa.func.count()).select_from(PersonalDataBreach)) == 0


def test_the_form_proposes_h0_from_the_processors_information_and_asks_to_confirm(
    client, login_as, session, organisation
):
    login_as(Role.DPO, organisation)
    page = client.get(f"/breaches/new?organisation_id={organisation.id}").get_data(as_text=True)
    assert input_value(page, "awareness_at") == ""  # no silent "now"
    told = paris_input(utcnow() - timedelta(hours=3))
    form = {
        "title": "Fichier des familles publié par erreur",
        "organisation_id": str(organisation.id),
        "discovered_at": paris_input(utcnow() - timedelta(hours=9)),
        "controller_informed_at": told,
        "confidentiality": "y",
    }
    response = client.post("/breaches/new", data=form)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Proposée d'après l'heure à laquelle le sous-traitant" in text
    assert input_value(text, "awareness_at") == told
    assert session.scalar(sa.select(sa.func.count()).select_from(PersonalDataBreach)) == 0
    response = client.post("/breaches/new", data={**form, "awareness_at": told})
    assert response.status_code == 302
    session.expire_all()
    breach = session.scalar(sa.select(PersonalDataBreach))
    assert paris_input(breach.awareness_at) == told


def test_the_api_refuses_a_breach_without_h0(client, make_user, token_for, organisation):
    token = token_for(make_user(Role.DPO, organisation))
    response = client.raw.open(
        "/api/v1/breaches",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "title": "Courriel mal adressé",
            "organisation_id": organisation.id,
            "controller_informed_at": utcnow().isoformat(),
        },
    )
    assert response.status_code == 422
    assert response.json["errors"]["awareness_at"] == "est obligatoire"


# --- the processor's delay (Art. 33(2)) ----------------------------------------------------------


def test_the_processors_delay_is_measured_and_flagged_beyond_the_setting(
    app, client, login_as, session, organisation, make_breach
):
    informed = utcnow().replace(microsecond=0) - timedelta(hours=4)
    breach = make_breach(
        organisation,
        discovered_at=informed - timedelta(hours=52),
        controller_informed_at=informed,
        awareness_at=informed,
    )
    session.commit()
    assert breach.processor_delay == timedelta(hours=52)
    assert breach.processor_delay_exceeded
    read = BreachRead.model_validate(breach).model_dump(mode="json")
    assert read["processor_delay_hours"] == 52.0 and read["processor_delay_exceeded"] is True
    assert "au-delà des 24 heures" in breach_summary(breach)["processor_delay"]
    login_as(Role.DPO, organisation)
    page = client.get(f"/breaches/{breach.id}").get_data(as_text=True)
    assert "Délai du sous-traitant (article 33.2)" in page
    assert "Au-delà de 24 h" in page
    app.config["PROCESSOR_DELAY_HOURS"] = 72
    try:
        assert not breach.processor_delay_exceeded
        page = client.get(f"/breaches/{breach.id}").get_data(as_text=True)
        assert "Délai du sous-traitant (article 33.2)" in page and "Au-delà de" not in page
    finally:
        app.config["PROCESSOR_DELAY_HOURS"] = 24


def test_the_exported_register_flags_the_processors_delay(app, session, organisation, make_breach):
    informed = utcnow().replace(microsecond=0) - timedelta(hours=4)
    make_breach(
        organisation,
        discovered_at=informed - timedelta(hours=30),
        controller_informed_at=informed,
        awareness_at=informed,
    )
    with app.test_request_context():
        data, _record = export_register(session, organisation, actor="test")
    text = all_text(data)
    assert "délai du sous-traitant : " in text
    assert "(au-delà des 24 heures admises)" in text


def test_the_processor_delay_setting():
    assert load_settings({})["PROCESSOR_DELAY_HOURS"] == 24
    assert load_settings({"COMPLIANCE_PROCESSOR_DELAY_HOURS": "12"})["PROCESSOR_DELAY_HOURS"] == 12


# --- notifying needs the Art. 33(3) content ----------------------------------------------------


def test_notifying_needs_the_art33_content(session, organisation, make_breach):
    breach = make_breach(organisation, **EMPTY_ART33)
    with pytest.raises(FieldErrors) as caught:
        notify(session, breach)
    assert set(caught.value.errors) == {
        "confidentiality",
        "description",
        "subject_categories",
        "people_count",
        "data_categories",
        "records_count",
        "contact",
        "consequences",
        "measures_taken",
    }
    assert "article 33.3.a" in caught.value.errors["people_count"]
    assert breach.status == BreachStatus.BEING_ASSESSED and breach.notifications == []
    assert session.scalar(sa.select(sa.func.count()).select_from(BreachNotification)) == 0


def test_the_breach_page_lists_what_notifying_and_closing_will_ask_for(
    client, login_as, session, organisation, make_breach
):
    breach = make_breach(organisation, people_count=None)
    session.commit()
    login_as(Role.DPO, organisation)
    page = client.get(f"/breaches/{breach.id}").get_data(as_text=True)
    assert "À compléter avant de notifier la CNIL (article 33.3)" in page
    assert "Le nombre approximatif de personnes concernées est à indiquer" in page
    services.update_breach(
        session, breach, validate(BreachUpdate, {"people_count": 40}), actor="test"
    )
    notify(session, breach)
    session.commit()
    page = client.get(f"/breaches/{breach.id}").get_data(as_text=True)
    assert "À compléter avant de notifier" not in page
    assert "À compléter avant de clore la violation" in page
    assert "Le niveau de risque pour les personnes est à indiquer" in page


def test_the_api_answers_422_with_the_missing_art33_items(
    client, make_user, token_for, session, organisation, make_breach
):
    breach = make_breach(organisation, consequences=None, records_count=None)
    session.commit()
    token = token_for(make_user(Role.DPO, organisation))
    response = client.raw.open(
        f"/api/v1/breaches/{breach.id}/notifications",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
        json={"kind": "complete", "sent_at": utcnow().isoformat(), "version": breach.version},
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"consequences", "records_count"}


# --- closing needs the decision's content ----------------------------------------------------


def test_closing_a_notified_breach_needs_its_risk_level_and_reasoning(
    session, organisation, make_breach
):
    breach = make_breach(organisation)
    notify(session, breach)
    with pytest.raises(FieldErrors) as caught:
        services.close_breach(session, breach, actor="test")
    assert set(caught.value.errors) == {"risk_level", "risk_reasoning"}
    assert breach.status == BreachStatus.NOTIFIED
    # Emptying an Art. 33(3) item after notifying is caught at closing too.
    changes = {"risk_level": "risk", "risk_reasoning": REASONING, "contact": None}
    services.update_breach(session, breach, validate(BreachUpdate, changes), actor="test")
    with pytest.raises(FieldErrors) as caught:
        services.close_breach(session, breach, actor="test")
    assert set(caught.value.errors) == {"contact"}
    services.update_breach(
        session, breach, validate(BreachUpdate, {"contact": "DPD du syndicat"}), actor="test"
    )
    services.close_breach(session, breach, actor="test")
    assert breach.status == BreachStatus.CLOSED


def test_the_public_communication_ground_needs_its_date_means_and_content(
    session, organisation, make_breach
):
    breach = make_breach(
        organisation,
        risk_level="high",
        risk_reasoning=REASONING,
        communication_ground="public_communication",
    )
    notify(session, breach)
    with pytest.raises(FieldErrors) as caught:
        services.close_breach(session, breach, actor="test")
    assert set(caught.value.errors) == {
        "communicated_at",
        "communication_means",
        "communication_details",
    }
    assert "article 34.3.c" in caught.value.errors["communication_means"]
    assert breach.status == BreachStatus.NOTIFIED
    changes = {
        "communicated_at": utcnow() - timedelta(minutes=1),
        "communication_means": "Communiqué sur le site internet et dans le journal municipal",
        "communication_details": "Le communiqué décrit la violation et les précautions à prendre.",
    }
    services.update_breach(session, breach, validate(BreachUpdate, changes), actor="test")
    services.close_breach(session, breach, actor="test")
    assert breach.status == BreachStatus.CLOSED


# --- reasons say something -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "data", "field"),
    [
        (NotificationCreate, {"kind": "complete", "sent_at": "2026-03-01T10:00"}, "delay_reasons"),
        (NotNotifiable, {"risk_reasoning": REASONING}, "not_notified_reason"),
        (NotNotifiable, {"not_notified_reason": REASONING}, "risk_reasoning"),
        (BreachCreate, {}, "delay_reasons"),
        (BreachCreate, {}, "risk_reasoning"),
    ],
)
def test_a_one_character_reason_is_refused(app, schema, data, field):
    with app.test_request_context(), pytest.raises(FieldErrors) as caught:
        validate(schema, {**data, field: "x"})
    assert "une phrase au moins" in caught.value.errors[field]


def test_a_late_notification_with_x_for_reasons_changes_nothing(session, organisation, make_breach):
    breach = make_breach(organisation, awareness_at=utcnow() - timedelta(hours=80))
    with pytest.raises(FieldErrors):
        notify(session, breach, kind="initial", delay_reasons="x")
    assert breach.status == BreachStatus.BEING_ASSESSED and breach.delay_reasons is None


# --- notifications in phases (Art. 33(4)) -----------------------------------------------------


def test_a_complete_notification_decides_and_announces_nothing(session, organisation, make_breach):
    breach = make_breach(organisation)
    with pytest.raises(FieldErrors) as caught:
        notify(session, breach, follow_up_by=utcnow().date() + timedelta(days=3))
    assert "follow_up_by" in caught.value.errors
    notify(session, breach)
    assert breach.status == BreachStatus.NOTIFIED and breach.initial_notification is not None
    assert breach.follow_up_due is None
    with pytest.raises(FieldErrors) as caught:
        notify(session, breach)
    assert "kind" in caught.value.errors


def test_an_initial_notification_announces_its_complementary_one(
    session, organisation, make_breach
):
    breach = make_breach(organisation)
    with pytest.raises(FieldErrors) as caught:
        notify(session, breach, kind="initial")
    assert "article 33.4" in caught.value.errors["follow_up_by"]
    due = utcnow().date() + timedelta(days=5)
    notify(session, breach, kind="initial", follow_up_by=due)
    assert breach.follow_up_due == due
    notify(session, breach, kind="complementary", sent_at=utcnow(), follow_up_by=due)
    assert breach.follow_up_due == due  # a complementary notification may announce another
    notify(session, breach, kind="complete", sent_at=utcnow())
    assert breach.follow_up_due is None
    assert [n.kind.value for n in breach.notifications] == [
        "initial",
        "complementary",
        "complete",
    ]


def test_the_announced_complementary_notification_is_reminded_until_recorded(
    client, login_as, session, organisation, make_breach
):
    breach = make_breach(organisation, title="Courriel mal adressé aux familles")
    session.commit()
    due = utcnow().date() + timedelta(days=5)
    login_as(Role.DPO, organisation)
    initial = {
        "kind": "initial",
        "sent_at": paris_input(utcnow() - timedelta(minutes=5)),
        "version": breach.version,
    }
    response = client.post(f"/breaches/{breach.id}/notifications", data=initial)
    assert response.status_code == 400
    assert "indiquez pour quand" in response.get_data(as_text=True)
    response = client.post(
        f"/breaches/{breach.id}/notifications",
        data={**initial, "follow_up_by": due.isoformat()},
    )
    assert response.status_code == 302
    session.expire_all()
    breach = session.get(PersonalDataBreach, breach.id)
    expected = f"Notification complémentaire attendue au plus tard le {due:%d/%m/%Y}"
    assert expected in client.get(f"/breaches/{breach.id}").get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)
    assert expected in dashboard and breach.reference in dashboard
    response = client.post(
        f"/breaches/{breach.id}/notifications",
        data={
            "kind": "complementary",
            "sent_at": paris_input(utcnow()),
            "notes": "Périmètre définitif",
            "version": breach.version,
        },
    )
    assert response.status_code == 302
    assert expected not in client.get(f"/breaches/{breach.id}").get_data(as_text=True)
    assert expected not in client.get("/").get_data(as_text=True)


def test_a_stored_short_reason_still_reads(session, organisation, make_breach):
    """Only input schemas check for a sentence: a stored value reads back as it is."""
    breach = make_breach(organisation)
    breach.risk_reasoning = "RAS"
    session.flush()
    assert BreachRead.model_validate(breach).risk_reasoning == "RAS"
