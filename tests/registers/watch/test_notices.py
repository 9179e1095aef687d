"""The watch's reminders: a treatment late or due within 7 days, to the CISO and the
referents of its member; an event once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from registers.watch import notices, services
from registers.watch.models import Treatment


def test_late_and_soon_treatments(session, libriciel, make_advisory):
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    late = make_advisory(severity="critical", published_on=date(2026, 11, 2))  # due 9 Nov
    soon = make_advisory(
        severity="critical", published_on=date(2026, 11, 18), products=[{"product": "S2low"}]
    )  # due 25 Nov
    later = make_advisory(severity="low", published_on=date(2026, 11, 18))
    for advisory in (late, soon, later):
        services.confirm_match(session, advisory.matches[0], actor="t", today=advisory.published_on)
    session.flush()
    found = list(notices.NOTICES[0].source(session, now))
    assert sorted((n.record_ref, n.event_key.split(":")[-1]) for n in found) == sorted(
        [(late.reference, "late"), (late.reference, "late"), (soon.reference, "soon")]
    )
    assert {n.organisation_id for n in found if n.record_ref == soon.reference} == {
        libriciel["ivry"].id
    }
    # Once treated, no more reminder.
    for treatment in session.scalars(sa.select(Treatment).where(Treatment.advisory_id == soon.id)):
        services.update_treatment(
            session,
            treatment,
            {"state": "patched", "patched_on": date(2026, 11, 19)},
            actor="t",
            today=date(2026, 11, 20),
        )
    found = list(notices.NOTICES[1].source(session, now + timedelta(hours=1)))
    assert {n.record_ref for n in found} == {late.reference}
