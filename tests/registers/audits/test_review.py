"""The management review: its sections show, for a period, the same figures as the registers'
own lists for that period; a held review keeps what it presented; the actions it decides
become roadmap or corrective actions, and the next review reports on them."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from compliance.i18n import PARIS
from compliance.permissions import Role
from compliance.registry import ReviewPeriod, get_registry
from compliance.services import FieldErrors
from registers.audits import review as review_module
from registers.audits import services
from registers.audits.models import Audit, DecidedKind, ReviewStatus
from registers.breaches.queries import visible_breaches
from registers.incidents.models import ActionSource, ActionStatus, Severity
from registers.incidents.queries import visible_actions, visible_incidents
from registers.incidents.schemas import ActionFilters, IncidentFilters
from registers.roadmap import queries as roadmap_queries
from registers.roadmap.schemas import ActionStatus as RoadmapStatus
from tests.registers.audits.conftest import NONCONFORMITY

START, END = date(2025, 1, 1), date(2025, 12, 31)
PERIOD = ReviewPeriod(START, END)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def sections(session, period=PERIOD):
    return {section.key: section for section in get_registry().review_sections(session, period)}


def value(section, key):
    return section.figure(key).value


@pytest.fixture
def records(
    session,
    host,
    make_organisation,
    make_incident,
    make_action,
    make_breach,
    make_audit,
    make_roadmap_action,
    make_programme,
):
    """Records inside 2025 and just outside it, in every register the review reads."""
    member = make_organisation("Valdevy")
    # Incidents: two detected in 2025, one the evening before, one just after.
    make_incident(detected_at=paris(2025, 1, 1, 0, 30), severity=Severity.HIGH)
    make_incident(member, detected_at=paris(2025, 12, 31, 23, 0), severity=Severity.LOW)
    make_incident(detected_at=paris(2024, 12, 31, 23, 30))
    make_incident(detected_at=paris(2026, 1, 1, 0, 10))
    # Corrective actions: one opened in 2025 and late at its end, one before, one after.
    make_action(opened_on=date(2025, 5, 1), due_on=date(2025, 6, 30))
    make_action(opened_on=date(2024, 6, 1), due_on=date(2026, 6, 30))
    make_action(opened_on=date(2026, 2, 1), due_on=date(2026, 12, 31))
    # Breaches: one in 2025, one in 2026.
    make_breach(host, awareness_at=paris(2025, 4, 1, 10))
    make_breach(member, awareness_at=paris(2026, 3, 1, 10))
    # Audits: one ended in 2025 with a nonconformity and an observation; one ended in 2026.
    done = make_audit(
        programme=make_programme(year=2025),
        planned_start=date(2025, 10, 1),
        planned_end=date(2025, 10, 3),
        actual_start=date(2025, 10, 1),
        actual_end=date(2025, 10, 3),
    )
    services.add_finding(session, done, NONCONFORMITY, actor="test")
    services.add_finding(session, done, {"kind": "observation", "description": "x"}, actor="t")
    make_audit(actual_start=date(2026, 3, 2), actual_end=date(2026, 3, 6))
    # Roadmap: one action done in 2025, one done in 2026.
    make_roadmap_action(
        status=RoadmapStatus.DONE,
        progress=100,
        start_on=date(2025, 1, 10),
        target_on=date(2025, 9, 1),
        completed_on=date(2025, 9, 1),
    )
    make_roadmap_action(
        status=RoadmapStatus.DONE,
        progress=100,
        start_on=date(2026, 1, 10),
        target_on=date(2026, 9, 1),
        completed_on=date(2026, 2, 1),
    )
    session.flush()
    return member


def test_sections_in_order(session, records):
    keys = [section.key for section in get_registry().review_sections(session, PERIOD)]
    # ISO/IEC 27001:2022 9.3.2: a), d) 1) to 4), f).
    assert keys == [
        "previous_actions",
        "corrective_actions",
        "incidents",
        "breaches",
        "watch",
        "audits",
        "roadmap",
        "risks",
    ]
    clauses = [section.clause for section in get_registry().review_sections(session, PERIOD)]
    assert clauses == ["a)", "d) 1)", "d) 2)", "d) 2)", "d) 2)", "d) 3)", "d) 4)", "f)"]


def test_incident_figures_match_the_incident_list(session, records):
    incidents = sections(session)["incidents"]
    listed = list(
        session.scalars(
            visible_incidents(
                filters=IncidentFilters(date_from=START, date_to=END), everything=True
            )
        )
    )
    assert value(incidents, "opened") == len(listed) == 2
    for severity in Severity:
        expected = sum(1 for incident in listed if incident.severity == severity)
        assert value(incidents, f"severity_{severity.value}") == expected
    assert value(incidents, "open_at_end") == 3  # detected by the end, none closed
    assert sorted(row[0] for row in incidents.rows) == sorted(i.reference for i in listed)


def test_action_figures_match_the_action_list(session, records):
    actions = sections(session)["corrective_actions"]
    listed = [
        action
        for action in session.scalars(visible_actions(filters=ActionFilters(), everything=True))
        if START <= action.opened_on <= END
    ]
    # The audit's nonconformity opened one more action, today (2026): outside the period.
    assert value(actions, "opened") == len(listed) == 1
    late = [
        action
        for action in session.scalars(visible_actions(filters=ActionFilters(), everything=True))
        if action.opened_on <= END and action.due_on < END and action.implemented_on is None
    ]
    assert value(actions, "late_at_end") == len(late) == 1
    assert value(actions, "closed") == 0


def test_breach_figures_match_the_breach_list(session, records):
    breaches = sections(session)["breaches"]
    listed = [
        breach
        for breach in session.scalars(visible_breaches(everything=True))
        if START <= breach.awareness_at.astimezone(PARIS).date() <= END
    ]
    assert value(breaches, "breaches") == len(listed) == 1
    assert value(breaches, "notified") == 0


def test_audit_and_roadmap_figures(session, records, host, make_user):
    found = sections(session)
    assert value(found["audits"], "audits") == 1
    assert value(found["audits"], "findings_minor") == 1
    assert value(found["audits"], "findings_observation") == 1
    assert value(found["audits"], "findings_major") == 0
    assert value(found["audits"], "open_nonconformities") == 1
    done = [
        action
        for action in session.scalars(
            roadmap_queries.visible_actions(user=make_user(Role.CISO, host), selected=False)
        )
        if action.completed_on and START <= action.completed_on <= END
    ]
    assert value(found["roadmap"], "done") == len(done) == 1


def test_scope_of_one_member(session, records):
    member = records
    scoped = sections(session, ReviewPeriod(START, END, (member.id,)))
    assert value(scoped["incidents"], "opened") == 1
    assert value(scoped["breaches"], "breaches") == 0


def test_draft_is_live_and_held_is_frozen(session, records, make_review, make_incident):
    held = make_review()
    draft = make_review()
    with pytest.raises(FieldErrors) as error:
        services.mark_held(session, held, actor="test")
    assert {"held_on", "chair"} <= set(error.value.errors)
    services.update_review(
        session, held, {"held_on": date(2026, 1, 20), "chair": "Président"}, actor="test"
    )
    services.mark_held(session, held, actor="test")
    assert held.status == ReviewStatus.HELD
    make_incident(detected_at=paris(2025, 6, 1, 12))
    session.flush()

    def opened(review):
        found = review_module.sections_of(session, review)
        incidents = next(s for s in found if s["key"] == "incidents")
        return next(f for f in incidents["figures"] if f["key"] == "opened")

    assert opened(held)["value"] == 2
    assert opened(draft)["value"] == 3
    # The trend against 2024: one incident detected then.
    assert opened(draft)["previous"] == 1
    assert review_module.trend(opened(draft)) == 2
    with pytest.raises(FieldErrors):
        services.update_review(session, held, {"period_start": date(2025, 2, 1)}, actor="test")


def test_decided_actions_become_records_and_are_followed(session, host, make_review, roadmap):
    review = make_review()
    corrective = services.decide_action(
        session,
        review,
        {
            "kind": DecidedKind.CORRECTIVE,
            "title": "Formaliser la revue des accès",
            "description": "Procédure de revue trimestrielle des accès.",
            "owner": "RSSI",
            "due_on": date(2026, 3, 31),
        },
        actor="test",
    )
    assert corrective.corrective_action.source == ActionSource.MANAGEMENT_REVIEW
    assert corrective.corrective_action.source_reference == review.reference
    planned = services.decide_action(
        session,
        review,
        {
            "kind": DecidedKind.ROADMAP,
            "title": "Exercice de crise annuel",
            "description": "Un exercice de gestion de crise cyber par an.",
            "owner": "DGS",
            "due_on": date(2027, 6, 30),
        },
        actor="test",
    )
    assert planned.roadmap_action.roadmap_id == roadmap.id
    services.update_review(
        session, review, {"held_on": date(2026, 1, 20), "chair": "Président"}, actor="test"
    )
    services.mark_held(session, review, actor="test")
    following = sections(session, ReviewPeriod(date(2026, 1, 1), date(2026, 12, 31)))
    previous = following["previous_actions"]
    assert value(previous, "decided") == 2
    assert value(previous, "done") == 0
    assert value(previous, "late") == 1  # the corrective action was due in March 2026
    assert corrective.corrective_action.status == ActionStatus.OPEN


def test_decided_action_stays_on_the_review_organisation_roadmap(
    session, host, make_organisation, make_review, make_roadmap
):
    member = make_organisation("Valdevy")
    review = make_review(member)
    other = make_roadmap()  # the syndicate's
    own = make_roadmap(member)
    before = len(other.actions)
    values = {
        "kind": DecidedKind.ROADMAP,
        "title": "Exercice de crise annuel",
        "description": "Un exercice de gestion de crise cyber par an.",
        "owner": "DGS",
        "due_on": date(2027, 6, 30),
        "roadmap_id": other.id,
    }
    with pytest.raises(FieldErrors) as error:
        services.decide_action(session, review, values, actor="test")
    assert "organisation de la revue" in error.value.errors["roadmap_id"]
    session.expire_all()
    assert len(other.actions) == before
    assert review.actions == []
    decided = services.decide_action(
        session, review, {**values, "roadmap_id": own.id}, actor="test"
    )
    assert decided.roadmap_action.roadmap_id == own.id


def test_held_review_labels_are_french_whoever_marks_it(session, records, make_review):
    review = make_review(held_on=date(2026, 1, 20), chair="Président")
    with force_locale("en"):
        assert str(review_module.audits_section(session, PERIOD).title) != (
            "Résultats des audits internes"
        )
        services.mark_held(session, review, actor="test")
    audits = next(s for s in review.snapshot["sections"] if s["key"] == "audits")
    assert audits["title"] == "Résultats des audits internes"
    assert audits["figures"][0]["label"] == "Audits internes réalisés sur la période"
    assert audits["header"][0] == "Référence"


def test_figures_at_period_end_use_the_dates_of_settlement(session, records, make_review, roadmap):
    """A nonconformity settled after the period's end was open at its end; an action decided
    by an earlier review and done after the period's end was not done by then."""
    audits = session.scalars(sa.select(Audit))
    finding = next(f for a in audits for f in a.findings if f.kind.value == "minor")
    action = finding.corrective_action
    action.status, action.check_on = ActionStatus.CLOSED, date(2026, 2, 1)
    session.flush()
    next_year = ReviewPeriod(date(2026, 1, 1), date(2026, 12, 31))
    assert value(sections(session)["audits"], "open_nonconformities") == 1
    assert value(sections(session, next_year)["audits"], "open_nonconformities") == 0

    review = make_review(held_on=date(2026, 1, 20), chair="Président")
    decided = {
        "title": "Exercice de crise annuel",
        "description": "Un exercice de gestion de crise cyber par an.",
        "owner": "DGS",
        "due_on": date(2026, 12, 31),
    }
    corrective = services.decide_action(
        session, review, {**decided, "kind": DecidedKind.CORRECTIVE}, actor="test"
    )
    planned = services.decide_action(
        session, review, {**decided, "kind": DecidedKind.ROADMAP}, actor="test"
    )
    services.mark_held(session, review, actor="test")
    corrective.corrective_action.status = ActionStatus.VERIFIED_EFFECTIVE
    corrective.corrective_action.check_on = date(2026, 2, 1)
    planned.roadmap_action.status = RoadmapStatus.DONE
    planned.roadmap_action.completed_on = date(2026, 3, 1)
    session.flush()
    january = ReviewPeriod(date(2026, 1, 1), date(2026, 1, 31))
    assert value(sections(session, january)["previous_actions"], "done") == 0
    february = ReviewPeriod(date(2026, 1, 1), date(2026, 2, 28))
    assert value(sections(session, february)["previous_actions"], "done") == 1
    assert value(sections(session, next_year)["previous_actions"], "done") == 2
