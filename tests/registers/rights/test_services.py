"""The register's writes: due dates, the identity check, the transitions and their gates."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from compliance.audit import AuditEntry
from compliance.db import ConflictError
from compliance.services import FieldErrors
from registers.rights import services
from registers.rights.schemas import Outcome, RightsStatus

REASON = "La signature du courrier ne correspond pas à celle connue de nos services."
SUMMARY = "Copie des données de l'état civil et de la facturation envoyée par courriel."


def test_a_request_is_due_one_month_after_receipt(make_request, organisation):
    request = make_request(organisation)
    assert request.reference.startswith("DDP-2026-")
    assert request.status == RightsStatus.RECEIVED
    assert request.due_on == date(2026, 4, 16)
    assert request.extended_due_on is None


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2025, 1, 31), date(2025, 2, 28)),
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2025, 3, 15), date(2025, 4, 15)),
        (date(2026, 1, 31), date(2026, 3, 2)),  # 28 February 2026 is a Saturday
    ],
)
def test_the_due_date_follows_regulation_1182_71(make_request, organisation, received, due):
    assert make_request(organisation, received_on=received).due_on == due


def test_the_person_is_encrypted_at_rest(session, make_request, organisation):
    request = make_request(organisation)
    session.flush()
    stored = session.execute(
        sa.text("SELECT person_name, person_contact FROM rights_request WHERE id = :id"),
        {"id": request.id},
    ).one()
    assert "Martin" not in stored[0] and "claire" not in stored[1]


def test_changing_the_day_of_receipt_moves_the_due_date(session, make_request, organisation):
    request = make_request(organisation)
    services.update_request(session, request, {"received_on": "31/01/2026"}, actor="test")
    assert request.due_on == date(2026, 3, 2)


def test_an_identity_check_without_doubt_does_not_stop_the_clock(make_request, organisation):
    request = make_request(
        organisation,
        identity_requested_on=date(2026, 3, 17),
        identity_received_on=date(2026, 3, 27),
    )
    assert request.due_on == date(2026, 4, 16)
    assert not request.clock_suspended


def test_a_reasonable_doubt_suspends_the_clock(session, make_request, organisation):
    request = make_request(
        organisation, identity_requested_on=date(2026, 3, 17), identity_doubt_reason=REASON
    )
    assert request.clock_suspended
    assert not request.is_late(date(2026, 6, 1))
    services.update_request(
        session, request, {"identity_received_on": date(2026, 3, 27)}, actor="test"
    )
    # Ten days waited: 16 April + 10 = Sunday 26 April, hence Monday 27 April.
    assert request.suspended_days == 10
    assert request.due_on == date(2026, 4, 27)
    assert not request.clock_suspended


def test_a_doubt_needs_its_reason_and_the_day_proof_was_asked(make_request, organisation):
    with pytest.raises(FieldErrors) as error:
        make_request(organisation, identity_doubt_reason="doute")
    assert "identity_doubt_reason" in error.value.errors
    with pytest.raises(FieldErrors) as error:
        make_request(organisation, identity_doubt_reason=REASON)
    assert "identity_requested_on" in error.value.errors
    with pytest.raises(FieldErrors) as error:
        make_request(
            organisation,
            identity_requested_on=date(2026, 3, 20),
            identity_received_on=date(2026, 3, 18),
        )
    assert "identity_received_on" in error.value.errors


def test_dates_in_the_future_or_before_receipt_are_refused(make_request, organisation):
    with pytest.raises(FieldErrors) as error:
        make_request(organisation, received_on=date(2099, 1, 1))
    assert "received_on" in error.value.errors
    with pytest.raises(FieldErrors) as error:
        make_request(organisation, identity_requested_on=date(2026, 3, 1))
    assert "identity_requested_on" in error.value.errors


def test_the_extension_gives_three_months(session, make_request, organisation):
    request = make_request(organisation, received_on=date(2026, 1, 31))
    services.start_request(session, request, actor="test")
    services.extend_request(
        session,
        request,
        {"extension_reasons": REASON, "extension_notified_on": date(2026, 3, 2)},
        actor="test",
    )
    assert request.status == RightsStatus.EXTENDED
    # 30 April 2026, a Thursday.
    assert request.extended_due_on == date(2026, 4, 30)
    assert request.applicable_due_on == date(2026, 4, 30)


def test_an_extension_told_after_the_first_month_is_refused(session, make_request, organisation):
    request = make_request(organisation, received_on=date(2026, 1, 31))
    with pytest.raises(FieldErrors) as error:
        services.extend_request(
            session,
            request,
            {"extension_reasons": REASON, "extension_notified_on": date(2026, 3, 3)},
            actor="test",
        )
    message = error.value.errors["extension_notified_on"]
    assert "prolongation refusée" in message and "2 mars 2026" in message
    assert request.status == RightsStatus.RECEIVED
    assert request.extended_due_on is None


def test_an_extension_needs_reasons(session, make_request, organisation):
    request = make_request(organisation)
    with pytest.raises(FieldErrors) as error:
        services.extend_request(
            session,
            request,
            {"extension_reasons": "x", "extension_notified_on": date(2026, 3, 20)},
            actor="test",
        )
    assert "extension_reasons" in error.value.errors


def test_late_is_after_the_applicable_due_date(make_request, organisation):
    request = make_request(organisation)
    assert not request.is_late(date(2026, 4, 16))
    assert request.is_late(date(2026, 4, 17))


def test_an_answer_ends_the_clock(session, make_request, organisation):
    request = make_request(organisation)
    values = {"answered_on": date(2026, 4, 20), "answer_summary": SUMMARY, "answer_means": "mail"}
    services.answer_request(session, request, values, actor="test")
    assert request.status == RightsStatus.ANSWERED
    assert request.outcome == Outcome.ANSWERED
    assert request.answered_late
    assert not request.is_late(date(2026, 6, 1))


def test_a_partial_answer_says_why_and_mentions_the_remedies(session, make_request, organisation):
    request = make_request(organisation)
    values = {
        "answered_on": date(2026, 4, 10),
        "answer_summary": SUMMARY,
        "answer_means": "courriel",
        "partial": "on",
    }
    with pytest.raises(FieldErrors) as error:
        services.answer_request(session, request, values, actor="test")
    assert {"refusal_ground", "refusal_reasoning", "remedies_mentioned"} <= set(error.value.errors)
    values |= {
        "refusal_ground": "rights_of_others",
        "refusal_details": "Données d'un tiers",
        "refusal_reasoning": "Les courriels contiennent les données de tiers identifiés.",
        "remedies_mentioned": "on",
    }
    services.answer_request(session, request, values, actor="test")
    assert request.status == RightsStatus.PARTIALLY_ANSWERED


def test_a_refusal_needs_the_mention_of_the_cnil(session, make_request, organisation):
    request = make_request(organisation)
    values = {
        "answered_on": date(2026, 4, 10),
        "refusal_ground": "excessive",
        "refusal_reasoning": "Quatrième demande identique en deux mois, déjà satisfaite.",
    }
    with pytest.raises(FieldErrors) as error:
        services.refuse_request(session, request, values, actor="test")
    assert "CNIL" in error.value.errors["remedies_mentioned"]
    services.refuse_request(session, request, values | {"remedies_mentioned": True}, actor="t")
    assert request.status == RightsStatus.REFUSED and request.remedies_mentioned


def test_an_erasure_closes_once_the_recipients_are_told(session, make_request, organisation):
    request = make_request(organisation, right="erasure")
    values = {"answered_on": date(2026, 4, 1), "answer_summary": SUMMARY, "answer_means": "mail"}
    services.answer_request(session, request, values, actor="test")
    with pytest.raises(FieldErrors) as error:
        services.close_request(session, request, actor="test")
    assert {"recipients_informed", "recipients_informed_on"} <= set(error.value.errors)
    services.close_request(
        session,
        request,
        {"recipients_informed": "Le Trésor public", "recipients_informed_on": date(2026, 4, 2)},
        actor="test",
    )
    assert request.status == RightsStatus.CLOSED
    services.reopen_request(session, request, actor="test")
    assert request.status == RightsStatus.ANSWERED


def test_a_withdrawn_request_closes_without_more(session, make_request, organisation):
    request = make_request(organisation, right="erasure")
    services.withdraw_request(session, request, {"withdrawn_on": date(2026, 3, 20)}, actor="t")
    services.close_request(session, request, actor="test")
    assert request.outcome == Outcome.WITHDRAWN and request.status == RightsStatus.CLOSED


def test_transitions_follow_the_statuses(session, make_request, organisation):
    request = make_request(organisation)
    with pytest.raises(FieldErrors):
        services.close_request(session, request, actor="test")
    services.withdraw_request(session, request, {"withdrawn_on": date(2026, 3, 20)}, actor="t")
    with pytest.raises(FieldErrors):
        services.start_request(session, request, actor="test")
    with pytest.raises(FieldErrors):
        services.withdraw_request(session, request, {"withdrawn_on": date(2026, 3, 21)}, actor="t")
    services.close_request(session, request, actor="test")
    with pytest.raises(FieldErrors):
        services.update_request(session, request, {"details": "Autre"}, actor="test")


def test_a_stale_version_is_a_conflict(session, make_request, organisation):
    request = make_request(organisation)
    session.flush()
    with pytest.raises(ConflictError):
        services.start_request(session, request, actor="test", version=request.version + 1)


def test_links_to_the_controllers_activities_and_the_map(
    session, make_request, organisation, other_organisation, make_activity, make_application
):
    application = make_application("Concerto")
    mine = make_activity(organisation, reference="EN-01", application_ids=[application.id])
    theirs = make_activity(other_organisation, reference="EN-02")
    request = make_request(organisation, processing_ids=[mine.id], application_ids=[application.id])
    assert request.processing_ids == [mine.id]
    assert request.application_ids == [application.id]
    with pytest.raises(FieldErrors) as error:
        services.update_request(session, request, {"processing_ids": [theirs.id]}, actor="t")
    assert "processing_ids" in error.value.errors


def test_every_change_is_audited(session, make_request, organisation):
    request = make_request(organisation)
    services.start_request(session, request, actor="test")
    session.flush()
    actions = session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "RightsRequest")
    ).all()
    assert {"create", "start"} <= set(actions)
