"""The risk register's input to the management review: its figures are those of the register's
list for the same period and scope; and the reminders of late reviews and expired acceptances."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from compliance.registry import ReviewPeriod
from registers.risks import notices
from registers.risks.queries import RiskFilters, visible_risks
from registers.risks.review import review_figures, risks_section
from registers.risks.schemas import RiskLevel

END = date(2026, 6, 30)
PERIOD_START = date(2026, 1, 1)
ACCEPTED = {"accepted_by": "DGS", "accepted_on": date(2026, 2, 1)}


def _listed(session, user, **filters) -> int:
    statement = visible_risks(user, RiskFilters(**filters), selected=False, today=date(2026, 7, 1))
    return session.scalar(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    )


def test_the_figures_are_the_lists(session, make_user, make_risk, organisation, other_organisation):
    from compliance.permissions import Role

    make_risk(organisation, review_on=date(2026, 5, 1))  # critical, review late at the end
    make_risk(
        organisation,
        likelihood=3,
        impact=3,
        residual_likelihood=2,
        residual_impact=3,
        status="in_treatment",
    )
    make_risk(
        organisation,
        likelihood=1,
        impact=2,
        treatment="accept",
        accepted_until=date(2026, 8, 1),
        **ACCEPTED,
    )
    make_risk(organisation, identified_on=date(2026, 9, 1))  # after the period
    make_risk(other_organisation)  # another scope
    session.flush()
    period = ReviewPeriod(PERIOD_START, END, (organisation.id,))
    figures = review_figures(session, period)
    user = make_user(Role.AUDITOR, organisation)
    scope = {"organisation_id": organisation.id}
    # The risk identified after the period is the list's one extra.
    assert figures["total"] == _listed(session, user, **scope) - 1 == 3
    for level in RiskLevel:
        assert figures[f"before_{level.value}"] == _listed(session, user, level=level, **scope) - (
            level == RiskLevel.CRITICAL
        )
        assert figures[f"after_{level.value}"] == _listed(
            session, user, residual_level=level, **scope
        )
    assert figures["in_treatment"] == _listed(session, user, status="in_treatment", **scope) == 1
    assert figures["reviews_late"] == _listed(session, user, review_late=True, **scope) == 1
    assert figures["acceptances_expiring"] == 1
    section = risks_section(session, period)
    assert section.clause == "f)" and section.figure("total").value == 3


def test_the_review_input_is_mounted(app):
    keys = [entry.key for entry in app.extensions["registry"].review_inputs]
    assert "risks" in keys


def test_reminders_of_late_reviews_and_expired_acceptances(session, make_risk, organisation):
    make_risk(organisation, review_on=date(2020, 1, 1), title="Revue oubliée")
    make_risk(
        organisation,
        personal_data=True,
        treatment="accept",
        accepted_until=date(2020, 6, 1),
        review_on=date(2099, 1, 1),
        accepted_by="DGS",
        accepted_on=date(2020, 1, 1),
    )
    make_risk(organisation, review_on=date(2099, 1, 1))
    session.flush()
    now = datetime(2026, 7, 1, 8, tzinfo=UTC)
    ciso = list(notices.overdue(session, now))
    dpo = list(notices.overdue_personal(session, now))
    assert len(ciso) == 2 and {n.kind for n in ciso} == {notices.OVERDUE}
    assert len(dpo) == 1 and "acceptance" in dpo[0].event_key


def test_figures_read_from_today_state_say_so(session):
    """Status, levels, acceptances and review dates have no history: the figures built on them
    are labelled as the current state, not as the state at the period's end."""
    section = risks_section(session, ReviewPeriod(PERIOD_START, END))
    current = [f for f in section.figures if f.key != "total"]
    assert current
    for figure in current:
        assert str(figure.label).endswith("(état actuel)"), figure.label


def test_expiring_acceptances_are_those_of_the_period_and_the_90_days_after(
    session, make_risk, organisation
):
    for until in (date(2026, 3, 1), date(2026, 9, 1), date(2026, 12, 1)):
        make_risk(
            organisation,
            likelihood=1,
            impact=2,
            treatment="accept",
            accepted_until=until,
            **ACCEPTED,
        )
    session.flush()
    period = ReviewPeriod(PERIOD_START, END)
    assert review_figures(session, period)["acceptances_expiring"] == 2
    label = str(risks_section(session, period).figure("acceptances_expiring").label)
    assert label.startswith(
        "Acceptations arrivant à échéance pendant la période ou dans les 90 jours suivants"
    )
