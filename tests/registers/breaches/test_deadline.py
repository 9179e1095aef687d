"""The 72-hour clock: computed in absolute time across daylight-saving changes, and "late" once
passed without a notification decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from compliance.i18n import PARIS
from compliance.schemas import validate
from registers.breaches import services
from registers.breaches.clock import clock
from registers.breaches.models import BreachStatus, PersonalDataBreach, deadline_for
from registers.breaches.queries import BreachFilters, late_condition, visible_breaches
from registers.breaches.schemas import BreachUpdate, NotificationCreate, NotNotifiable


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_autumn_change_gives_one_hour_earlier_on_the_wall_clock():
    # 24 October 2026 10:00 CEST (UTC+2); clocks go back on the 25th; 72 h later is 09:00 CET.
    deadline = deadline_for(paris(2026, 10, 24, 10, 0))
    assert deadline == datetime(2026, 10, 27, 8, 0, tzinfo=UTC)
    local = deadline.astimezone(PARIS)
    assert (local.day, local.hour, local.minute) == (27, 9, 0)
    assert local.utcoffset() == timedelta(hours=1)


def test_spring_change_gives_one_hour_later_on_the_wall_clock():
    # 27 March 2026 10:00 CET (UTC+1); clocks go forward on the 29th; 72 h later is 11:00 CEST.
    deadline = deadline_for(paris(2026, 3, 27, 10, 0))
    assert deadline == datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    local = deadline.astimezone(PARIS)
    assert (local.day, local.hour) == (30, 11)
    assert local.utcoffset() == timedelta(hours=2)


def test_a_naive_awareness_time_is_refused():
    with pytest.raises(ValueError):
        deadline_for(datetime(2026, 10, 24, 10, 0))


def test_the_service_stores_the_deadline_in_utc_and_recomputes_it(
    session, organisation, make_breach
):
    breach = make_breach(organisation, awareness_at=paris(2026, 10, 24, 10, 0))
    session.expire_all()
    stored = session.get(PersonalDataBreach, breach.id)
    assert stored.notification_deadline == datetime(2026, 10, 27, 8, 0, tzinfo=UTC)
    assert stored.notification_deadline.astimezone(PARIS).hour == 9
    services.update_breach(
        session,
        stored,
        validate(BreachUpdate, {"awareness_at": paris(2026, 3, 27, 10, 0)}),
        actor="test",
    )
    assert stored.notification_deadline.astimezone(PARIS) == paris(2026, 3, 30, 11, 0)
    assert stored.reference.startswith("VDP-2026-")


def test_clock_runs_then_turns_late_without_a_decision(organisation, make_breach):
    breach = make_breach(organisation, awareness_at=paris(2026, 10, 24, 10, 0))
    before = clock(breach, now=paris(2026, 10, 26, 17, 30))
    assert before.state == "running"
    assert before.remaining == timedelta(hours=15, minutes=30)
    assert before.tone == "warning"
    assert "15 h 30 min" in before.label
    after = clock(breach, now=paris(2026, 10, 27, 9, 5))
    assert after.state == "late"
    assert after.is_late
    assert "5 min" in after.label
    assert breach.is_late(now=paris(2026, 10, 27, 9, 0))
    assert not breach.is_late(now=paris(2026, 10, 27, 8, 59))


def test_late_in_sql_too(session, organisation, make_breach, make_user):
    from compliance.permissions import Role

    user = make_user(Role.DPO, organisation)
    late = make_breach(organisation, title="En retard", awareness_at=paris(2026, 1, 5, 9, 0))
    fresh = make_breach(organisation, title="Récente")
    decided = make_breach(organisation, title="Décidée", awareness_at=paris(2026, 1, 5, 9, 0))
    services.decide_not_notifiable(
        session,
        decided,
        validate(
            NotNotifiable,
            {
                "risk_reasoning": "Données chiffrées, clé non compromise",
                "not_notified_reason": "Aucun risque pour les personnes concernées",
            },
        ),
        actor="test",
    )
    statement = visible_breaches(user, BreachFilters(late=True), selected=False)
    assert [b.title for b in session.scalars(statement)] == ["En retard"]
    count = session.scalar(
        visible_breaches(user, selected=False)
        .where(late_condition())
        .with_only_columns(PersonalDataBreach.id)
    )
    assert count == late.id
    assert clock(fresh).state == "running"
    assert clock(decided).state == "not_notifiable"
    assert decided.status == BreachStatus.NOT_NOTIFIABLE


def test_a_decision_stops_the_clock(session, organisation, make_breach):
    breach = make_breach(organisation, awareness_at=paris(2026, 1, 5, 9, 0))
    services.record_notification(
        session,
        breach,
        validate(
            NotificationCreate,
            {
                "kind": "complete",
                "sent_at": paris(2026, 1, 8, 10, 0),
                "reference": "CNIL-123",
                "delay_reasons": "Périmètre établi le 8 janvier seulement",
            },
        ),
        actor="test",
    )
    state = clock(breach, now=paris(2026, 2, 1, 0, 0))
    assert state.state == "notified_late"
    assert "1 h 0 min" in state.label
    assert not breach.is_late(now=paris(2026, 2, 1, 0, 0))


def test_the_clock_speaks_the_kernels_single_wording(session, organisation, make_breach):
    breach = make_breach(organisation, awareness_at=paris(2026, 1, 5, 9, 0))
    assert clock(breach, now=paris(2026, 1, 5, 9, 50)).label == "2 j 23 h 10 min restantes"
    assert clock(breach, now=paris(2026, 1, 7, 9, 0)).label == "1 j 0 h 0 min restantes"
    assert clock(breach, now=paris(2026, 1, 8, 8, 1)).label == "59 min restantes"
    assert clock(breach, now=paris(2026, 1, 9, 9, 30)).label == "En retard de 1 j 0 h 30 min"
