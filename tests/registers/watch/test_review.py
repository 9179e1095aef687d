"""The watch's input to the management review: its figures are those the register's list and
the bulletin show for the same period."""

from __future__ import annotations

from datetime import date

from compliance.calendar import today_in_paris
from compliance.permissions import Role
from compliance.registry import ReviewPeriod, get_registry
from registers.watch import services


def test_review_figures_equal_the_list(client, login_as, session, libriciel, make_advisory):
    november = ReviewPeriod(date(2026, 11, 1), date(2026, 11, 30))
    inside = make_advisory(severity="critical", published_on=date(2026, 11, 2))
    make_advisory(severity="high", published_on=date(2026, 11, 20))
    make_advisory(severity="high", published_on=date(2026, 10, 31))  # before the period
    first, second = services.confirm_match(
        session, inside.matches[0], actor="t", today=inside.published_on
    )
    # Critical on 2 November: due on the 9th. One patched on time, one still pending: late.
    services.update_treatment(
        session,
        first,
        {"state": "patched", "patched_on": date(2026, 11, 5)},
        actor="t",
        today=date(2026, 11, 6),
    )
    session.commit()
    sections = get_registry().review_sections(session, november)
    section = next(s for s in sections if s.key == "watch")
    login_as(Role.AUDITOR, libriciel["host"])
    page = client.get("/watch/?published_from=2026-11-01&published_to=2026-11-30")
    text = page.get_data(as_text=True)
    assert f"{section.figure('received').value} résultats" in text
    assert section.figure("received").value == 2
    assert section.figure("received_critical").value == 1
    assert section.figure("received_high").value == 1
    critical = client.get(
        "/watch/?published_from=2026-11-01&published_to=2026-11-30&severity=critical"
    ).get_data(as_text=True)
    assert "1 résultat" in critical
    assert section.figure("due").value == 2
    assert section.figure("closed").value == 1
    assert section.figure("late").value == 1
    assert second.late
    # The list's late count for the advisory is the review's.
    assert "1 traitement en retard" in text
    assert section.endpoint == "watch.index"
    # The match was confirmed today: counted in a period holding today, not in November.
    assert section.figure("confirmed").value == 0
    today = today_in_paris()
    around = get_registry().review_sections(session, ReviewPeriod(today, today))
    assert next(s for s in around if s.key == "watch").figure("confirmed").value == 1
