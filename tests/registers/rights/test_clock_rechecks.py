"""The extension gate counts an ongoing suspension, and new dates of receipt or of the identity
check are checked against the extension and the outcome already recorded."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.services import FieldErrors
from registers.rights import services

REASON = "La signature du courrier ne correspond pas à celle connue de nos services."
SUMMARY = "Copie des données de l'état civil et de la facturation envoyée par courriel."


def test_an_ongoing_suspension_lengthens_the_first_month(session, make_request, organisation):
    # Received 16 March 2026 (due 16 April); proof asked for on 17 March, still awaited.
    request = make_request(
        organisation, identity_requested_on=date(2026, 3, 17), identity_doubt_reason=REASON
    )
    services.extend_request(
        session,
        request,
        {"extension_reasons": REASON, "extension_notified_on": date(2026, 5, 4)},
        actor="test",
    )
    assert request.extension_notified_on == date(2026, 5, 4)


def test_a_new_day_of_receipt_keeps_the_extension_within_the_first_month(
    session, make_request, organisation
):
    request = make_request(organisation, received_on=date(2026, 3, 16))
    services.extend_request(
        session,
        request,
        {"extension_reasons": REASON, "extension_notified_on": date(2026, 4, 14)},
        actor="test",
    )
    with pytest.raises(FieldErrors) as error:
        services.update_request(session, request, {"received_on": date(2026, 3, 2)}, actor="t")
    assert "12.3" in error.value.errors["received_on"]
    assert request.received_on == date(2026, 3, 16)


def test_a_new_day_of_receipt_does_not_pass_the_answer(session, make_request, organisation):
    request = make_request(organisation, received_on=date(2026, 3, 16))
    values = {"answered_on": date(2026, 3, 20), "answer_summary": SUMMARY, "answer_means": "mail"}
    services.answer_request(session, request, values, actor="test")
    with pytest.raises(FieldErrors) as error:
        services.update_request(session, request, {"received_on": date(2026, 3, 25)}, actor="t")
    assert "précède" in error.value.errors["received_on"]
    assert request.received_on == date(2026, 3, 16)
