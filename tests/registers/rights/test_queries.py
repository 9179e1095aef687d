"""The reads other registers build on: what is due or late, and a year's figures."""

from __future__ import annotations

from datetime import date

from registers.rights import services
from registers.rights.queries import annual_figures, due_or_late

REASON = "La signature du courrier ne correspond pas à celle connue de nos services."
SUMMARY = "Copie des données de l'état civil et de la facturation envoyée par courriel."


def _answer(session, request, day):
    values = {"answered_on": day, "answer_summary": SUMMARY, "answer_means": "courriel"}
    services.answer_request(session, request, values, actor="test")


def test_due_or_late(session, make_request, organisation, other_organisation):
    late = make_request(organisation, received_on=date(2026, 2, 2))  # due 2 March
    soon = make_request(organisation, received_on=date(2026, 2, 10))  # due 10 March
    make_request(organisation, received_on=date(2026, 3, 2))  # due 2 April: later
    answered = make_request(organisation, received_on=date(2026, 2, 2))
    _answer(session, answered, date(2026, 2, 20))
    make_request(  # suspended: its clock stands still
        organisation,
        received_on=date(2026, 2, 2),
        identity_requested_on=date(2026, 2, 3),
        identity_doubt_reason=REASON,
    )
    theirs = make_request(other_organisation, received_on=date(2026, 2, 2))
    session.flush()
    found = due_or_late(session, [organisation.id], date(2026, 3, 5), within_days=7)
    assert found == [late, soon]
    assert theirs in due_or_late(session, None, date(2026, 3, 5))
    assert due_or_late(session, [organisation.id], date(2026, 3, 5), within_days=0) == [late]


def test_annual_figures(session, make_request, organisation, other_organisation):
    on_time = make_request(organisation, received_on=date(2025, 3, 3))
    _answer(session, on_time, date(2025, 3, 20))
    late = make_request(organisation, right="erasure", received_on=date(2025, 3, 3))
    _answer(session, late, date(2025, 5, 20))
    extended = make_request(organisation, right="erasure", received_on=date(2025, 6, 2))
    services.extend_request(
        session,
        extended,
        {"extension_reasons": REASON, "extension_notified_on": date(2025, 6, 20)},
        actor="test",
    )
    _answer(session, extended, date(2025, 8, 20))  # within the three months
    refused = make_request(organisation, right="objection", received_on=date(2025, 9, 1))
    services.refuse_request(
        session,
        refused,
        {
            "answered_on": date(2025, 9, 10),
            "refusal_ground": "compelling_grounds",
            "refusal_reasoning": "Le traitement répond à une obligation légale de la commune.",
            "remedies_mentioned": True,
            "not_direct_marketing": True,
        },
        actor="test",
    )
    withdrawn = make_request(organisation, received_on=date(2025, 10, 1))
    services.withdraw_request(session, withdrawn, {"withdrawn_on": date(2025, 10, 2)}, actor="t")
    services.close_request(session, withdrawn, actor="test")
    make_request(organisation, right="portability", received_on=date(2025, 12, 30))
    make_request(organisation, received_on=date(2026, 1, 5))  # another year
    make_request(other_organisation, received_on=date(2025, 5, 5))  # another member
    session.flush()
    figures = annual_figures(session, [organisation.id], 2025)
    assert figures["received"] == 6
    assert figures["by_right"]["access"] == 2
    assert figures["by_right"]["erasure"] == 2
    assert figures["by_right"]["rectification"] == 0
    assert figures["answered_on_time"] == 2
    assert figures["answered_late"] == 1
    assert figures["extended"] == 1
    assert figures["refused"] == 1
    assert figures["withdrawn"] == 1
    assert figures["open"] == 1
    assert annual_figures(session, None, 2025)["received"] == 7


def test_refusals_are_judged_against_the_first_month(session, make_request, organisation):
    """Art. 12(4): the reasons for not acting within one month, even when extended; the refused
    parts of partial answers are counted apart."""
    notice = {"extension_reasons": REASON, "extension_notified_on": date(2025, 3, 20)}
    refusal = {
        "refusal_ground": "manifestly_unfounded",
        "refusal_reasoning": "Le traitement répond à une obligation légale de la commune.",
        "remedies_mentioned": True,
    }
    late = make_request(organisation, received_on=date(2025, 3, 3))  # due 3 April
    services.extend_request(session, late, notice, actor="test")
    services.refuse_request(session, late, refusal | {"answered_on": date(2025, 4, 22)}, actor="t")
    partly = make_request(organisation, received_on=date(2025, 3, 3))
    services.extend_request(session, partly, notice, actor="test")
    partial = refusal | {
        "answered_on": date(2025, 5, 5),
        "answer_summary": SUMMARY,
        "answer_means": "courriel",
        "partial": True,
    }
    services.answer_request(session, partly, partial, actor="test")
    on_time = make_request(organisation, received_on=date(2025, 3, 3))
    services.refuse_request(
        session, on_time, refusal | {"answered_on": date(2025, 3, 20)}, actor="t"
    )
    session.flush()
    figures = annual_figures(session, [organisation.id], 2025)
    assert figures["refused"] == 2
    assert figures["partially_refused"] == 1
    assert figures["refused_on_time"] == 1
    assert figures["refused_late"] == 2
    # The answered part of the partial answer is within the extended time.
    assert figures["answered_on_time"] == 1 and figures["answered_late"] == 0
