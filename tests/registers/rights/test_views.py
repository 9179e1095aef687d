"""Pages of the rights requests register: each renders, a valid post redirects, a wrong role gets
403, another organisation's request 404, bad input 400 and a stale version 409, nothing written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from compliance.calendar import today_in_paris
from compliance.permissions import Role
from registers.rights.models import RightsRequest
from registers.rights.schemas import RightsStatus
from tests.statements import statements_of

REASON = "La signature du courrier ne correspond pas à celle connue de nos services."


def count(session) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(RightsRequest))


def request_form(organisation, **changes) -> dict:
    data = {
        "organisation_id": str(organisation.id),
        "person_name": "M. Paul Durand",
        "person_contact": "paul.durand@example.invalid",
        "right": "erasure",
        "channel": "post",
        "received_on": "2026-01-31",
        "details": "Effacement de son compte du portail famille.",
    }
    data.update(changes)
    return data


@pytest.fixture
def two_requests(session, organisation, other_organisation, make_request):
    ours = make_request(organisation)
    theirs = make_request(other_organisation)
    session.commit()
    return ours, theirs


@pytest.mark.parametrize("role", [Role.DPO, Role.REFERENT])
def test_dpo_and_referent_record_requests(
    client, login_as, session, organisation, make_activity, make_application, make_deployment, role
):
    application = make_application("Concerto")
    make_deployment(organisation, application)
    activity = make_activity(organisation, reference="EN-01", application_ids=[application.id])
    session.commit()
    login_as(role, organisation)
    page = client.get(f"/rights/new?organisation_id={organisation.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # The activity proposes its supporting application.
    assert f'data-supports="{application.id}"' in text
    assert "Applications : Concerto" in text
    response = client.post(
        f"/rights/new?organisation_id={organisation.id}",
        data=request_form(
            organisation, processing_ids=[str(activity.id)], application_ids=[str(application.id)]
        ),
    )
    assert response.status_code == 302, response.data[:3000]
    record = session.scalar(sa.select(RightsRequest))
    assert record.due_on == date(2026, 3, 2)
    assert record.processing_ids == [activity.id]
    page = client.get(f"/rights/{record.id}").get_data(as_text=True)
    assert "2 mars 2026" in page and "M. Paul Durand" in page
    assert 'id="courriers"' in page


def test_bad_input_is_refused_with_its_message(client, login_as, session, organisation):
    login_as(Role.DPO, organisation)
    response = client.post(
        f"/rights/new?organisation_id={organisation.id}",
        data=request_form(organisation, received_on="2099-01-01", person_name=""),
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "ne peut pas être dans le futur" in text or "est obligatoire" in text
    assert count(session) == 0


def test_auditors_read_but_do_not_write(client, login_as, two_requests, organisation):
    ours, _theirs = two_requests
    login_as(Role.AUDITOR, organisation)
    assert client.get("/rights/").status_code == 200
    assert client.get(f"/rights/{ours.id}").status_code == 200
    assert client.get(f"/rights/new?organisation_id={organisation.id}").status_code == 403
    assert client.get(f"/rights/{ours.id}/edit").status_code == 403
    response = client.post(f"/rights/{ours.id}/start", data={"version": ours.version})
    assert response.status_code == 403


def test_the_ciso_does_not_read_the_requests(client, login_as, two_requests, organisation):
    ours, _theirs = two_requests
    login_as(Role.CISO, organisation)
    assert client.get("/rights/").status_code == 403
    assert client.get(f"/rights/{ours.id}").status_code == 403


def test_a_refusal_after_the_first_month_is_recorded_and_flagged_late(
    client, login_as, session, organisation, make_request
):
    record = make_request(organisation, received_on=date(2026, 1, 31))  # due 2 March
    session.commit()
    login_as(Role.REFERENT, organisation)
    extension = {
        "version": str(record.version),
        "extension_reasons": REASON,
        "extension_notified_on": "2026-03-02",
    }
    assert client.post(f"/rights/{record.id}/extend", data=extension).status_code == 302
    session.expire_all()
    response = client.post(
        f"/rights/{record.id}/refuse",
        data={
            "version": str(record.version),
            "answered_on": "2026-03-20",
            "refusal_ground": "manifestly_unfounded",
            "refusal_reasoning": "La personne n'a jamais été usagère des services de la ville.",
            "remedies_mentioned": "y",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Refus notifié après l&#39;échéance du premier mois" in page or (
        "Refus notifié après l'échéance du premier mois" in page
    )
    assert "refus après le premier mois" in page
    session.expire_all()
    assert record.status == RightsStatus.REFUSED and record.refusal_late


def test_another_organisations_request_is_not_found(client, login_as, two_requests, organisation):
    ours, theirs = two_requests
    login_as(Role.REFERENT, organisation)
    listing = client.get("/rights/").get_data(as_text=True)
    assert ours.reference in listing and theirs.reference not in listing
    assert client.get(f"/rights/{theirs.id}").status_code == 404
    assert client.get(f"/rights/{theirs.id}/edit").status_code == 404
    assert client.post(f"/rights/{theirs.id}/start", data={"version": 1}).status_code == 404


def test_the_list_filters_and_flags_late_requests(
    client, login_as, session, organisation, make_request
):
    late = make_request(organisation, received_on=date(2025, 1, 31), right="erasure")
    make_request(organisation, received_on=date(2026, 3, 16), right="access")
    session.commit()
    login_as(Role.DPO, organisation)
    text = client.get("/rights/?late=1").get_data(as_text=True)
    assert late.reference in text and "En retard" in text
    text = client.get("/rights/?right=access&year=2026").get_data(as_text=True)
    assert late.reference not in text
    assert client.get("/rights/?status=nope").status_code == 400


def test_edit_and_a_stale_version(client, login_as, session, organisation, make_request):
    record = make_request(organisation)
    session.commit()
    login_as(Role.DPO, organisation)
    assert client.get(f"/rights/{record.id}/edit").status_code == 200
    form = request_form(organisation, version=str(record.version))
    form.pop("organisation_id")
    response = client.post(f"/rights/{record.id}/edit", data=form)
    assert response.status_code == 302, response.data[:3000]
    session.expire_all()
    assert record.right.value == "erasure"
    stale = dict(form, version="1", person_name="Quelqu'un d'autre")
    response = client.post(f"/rights/{record.id}/edit", data=stale)
    assert response.status_code == 409
    session.expire_all()
    assert record.person_name == "M. Paul Durand"


def test_transitions_through_the_pages(client, login_as, session, organisation, make_request):
    record = make_request(organisation, received_on=date(2026, 1, 31))
    session.commit()
    login_as(Role.REFERENT, organisation)
    response = client.post(f"/rights/{record.id}/start", data={"version": str(record.version)})
    assert response.status_code == 302
    session.expire_all()
    assert record.status == RightsStatus.IN_PROGRESS
    late_notice = {
        "version": str(record.version),
        "extension_reasons": REASON,
        "extension_notified_on": "2026-03-03",
    }
    response = client.post(f"/rights/{record.id}/extend", data=late_notice)
    assert response.status_code == 400
    assert "prolongation refusée" in response.get_data(as_text=True)
    session.expire_all()
    assert record.extended_due_on is None
    response = client.post(
        f"/rights/{record.id}/extend", data=dict(late_notice, extension_notified_on="2026-03-02")
    )
    assert response.status_code == 302
    session.expire_all()
    assert record.extended_due_on == date(2026, 4, 30)
    response = client.post(
        f"/rights/{record.id}/refuse",
        data={
            "version": str(record.version),
            "answered_on": "2026-03-10",
            "refusal_ground": "manifestly_unfounded",
            "refusal_reasoning": "La personne n'a jamais été usagère des services de la ville.",
        },
    )
    assert response.status_code == 400
    assert "CNIL" in response.get_data(as_text=True)
    response = client.post(
        f"/rights/{record.id}/refuse",
        data={
            "version": str(record.version),
            "answered_on": "2026-03-10",
            "refusal_ground": "manifestly_unfounded",
            "refusal_reasoning": "La personne n'a jamais été usagère des services de la ville.",
            "remedies_mentioned": "y",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    stale = {"version": str(record.version - 1)}
    assert client.post(f"/rights/{record.id}/close", data=stale).status_code == 409
    response = client.post(f"/rights/{record.id}/close", data={"version": str(record.version)})
    assert response.status_code == 302
    session.expire_all()
    assert record.status == RightsStatus.CLOSED
    assert client.get(f"/rights/{record.id}").status_code == 200


def test_the_dashboard_card_counts_late_and_due_this_week(
    client, login_as, session, organisation, make_request
):
    today = today_in_paris()
    late = make_request(organisation, received_on=today - timedelta(days=70))
    make_request(organisation, received_on=today - timedelta(days=2))
    session.commit()
    login_as(Role.REFERENT, organisation)
    page = client.get("/").get_data(as_text=True)
    assert "Demandes de droits : échéances" in page
    assert late.reference in page and "En retard" in page
    page = client.get(f"/organisations/{organisation.slug}").get_data(as_text=True)
    assert late.reference in page


def test_an_applications_page_lists_the_open_requests_searching_it(
    client, login_as, session, organisation, make_application, make_deployment, make_request
):
    application = make_application("Concerto")
    make_deployment(organisation, application)
    record = make_request(organisation, application_ids=[application.id])
    make_request(organisation)
    session.commit()
    login_as(Role.DPO, organisation)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Demandes de droits en cours" in page and record.reference in page
    listed = client.get(f"/rights/?application_id={application.id}").get_data(as_text=True)
    assert listed.count("DDP-") == 1


def test_the_pages_cost_the_same_for_few_and_many_requests(
    app, client, login_as, session, organisation, make_request, make_activity
):
    activity = make_activity(organisation, reference="EN-01")
    login_as(Role.DPO, organisation)
    today = today_in_paris()

    def statements(how_many: int) -> tuple[int, int]:
        for days in range(how_many):
            make_request(
                organisation,
                received_on=today - timedelta(days=30 + days * 3),
                processing_ids=[activity.id],
            )
        session.commit()
        return statements_of(app, client, "/rights/"), statements_of(app, client, "/")

    assert statements(2) == statements(14)
