"""What an activity keeps of its completeness and warnings (compute.stored_summary) follows every
write that changes them, and the registers' summaries summed in SQL give the figures the Python
computation gives, in a number of statements that does not grow with the data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from compliance.admin import services as admin_services
from compliance.demo import load_organisations, load_users
from compliance.schemas import validate
from compliance.tenancy import Organisation, OrganisationKind
from registers.applications import demo as map_demo
from registers.applications import services as map_services
from registers.applications.schemas import VendorUpdate
from registers.processing import compute, demo, services, template_activities
from registers.processing.models import ProcessingActivity
from registers.processing.queries import (
    organisation_activities,
    organisation_summaries,
    summary_samples,
)
from registers.processing.reference import DpiaStatus
from registers.processing.schemas import ActivityUpdate, check
from tests.registers.processing.conftest import COMPLETE


def _update(session, activity, **changes):
    services.update_processing(session, activity, check(ActivityUpdate, changes), actor="test")


def _python_figures(session, organisation, today=None) -> dict:
    """What the pages computed in Python before: from every activity and its rows."""
    activities = organisation_activities(organisation.id, session=session)
    completeness = compute.register_completeness(activities, organisation)
    counts: dict[str, int] = {}
    for activity in activities:
        counts[activity.status.value] = counts.get(activity.status.value, 0) + 1
    return {
        "total": len(activities),
        "counts": counts,
        "score": completeness.score,
        "complete": completeness.complete,
        "warnings": sum(
            len(compute.warnings(a, organisation=organisation, today=today)) for a in activities
        ),
        "dpia_pending": sum(
            1 for a in activities if a.dpia_required and a.dpia_status != DpiaStatus.COMPLETED
        ),
    }


def _sql_figures(session, organisation, today=None) -> dict:
    summary = organisation_summaries([organisation.id], session=session, today=today)[
        organisation.id
    ]
    return {
        "total": summary.total,
        "counts": summary.counts,
        "score": summary.completeness(organisation).score,
        "complete": summary.complete,
        "warnings": summary.warnings,
        "dpia_pending": summary.dpia_pending,
    }


def _assert_in_step(session, organisation):
    session.flush()
    session.expire_all()
    organisation = session.get(Organisation, organisation.id)
    activities = session.scalars(
        sa.select(ProcessingActivity).where(ProcessingActivity.organisation_id == organisation.id)
    ).all()
    assert activities
    for activity in activities:
        stored = {name: getattr(activity, name) for name in compute.SUMMARY_FIELDS}
        assert stored == compute.stored_summary(activity, organisation), activity.reference
    assert _sql_figures(session, organisation) == _python_figures(session, organisation)


# Each write: (session, organisation, activity, vendor) -> None.
WRITES = {
    "create complete": lambda s, o, a, v: None,
    "create incomplete": lambda s, o, a, v: services.create_processing(
        s, o, check(services.ActivityCreate, {"name": "Sans rien"}), actor="test"
    ),
    "scalar blanked": lambda s, o, a, v: _update(s, a, responsible_service=""),
    "joint controllership": lambda s, o, a, v: _update(s, a, role="joint_controller"),
    "legitimate interest": lambda s, o, a, v: _update(
        s,
        a,
        purposes=[
            {"description": "Promouvoir", "legal_basis": "legitimate_interests", "is_main": True}
        ],
    ),
    "special category without condition": lambda s, o, a, v: _update(
        s, a, special_categories=[{"category": "health"}]
    ),
    "transfer without safeguard": lambda s, o, a, v: _update(
        s, a, transfers=[{"recipient": "Hébergeur", "country": "US"}]
    ),
    "category without retention": lambda s, o, a, v: _update(
        s, a, data_categories=[{"category": "identity", "description": "Nom"}]
    ),
    "criminal data without basis": lambda s, o, a, v: _update(s, a, criminal_data=True),
    "DPIA required not done": lambda s, o, a, v: _update(
        s, a, dpia_art35_cases=["automated_evaluation"], dpia_status="in_progress"
    ),
    "rows removed": lambda s, o, a, v: _update(s, a, security_measures=[], recipients=[]),
    "archived": lambda s, o, a, v: services.archive_processing(s, a, actor="test"),
    "review overdue": lambda s, o, a, v: setattr(
        a, "next_review_on", date.today() - timedelta(days=1)
    ),
    "organisation kind": lambda s, o, a, v: admin_services.update_organisation(
        s, o, {"kind": OrganisationKind.OTHER}, actor="test"
    ),
    "vendor agreement lapses": lambda s, o, a, v: map_services.update_vendor(
        s, v, validate(VendorUpdate, {"name": v.name, "dpa_status": "none"}), actor="test"
    ),
    "vendor agreement signed": lambda s, o, a, v: map_services.update_vendor(
        s, v, validate(VendorUpdate, {"name": v.name, "dpa_status": "signed"}), actor="test"
    ),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_stored_summary_follows_every_write(
    session, organisation, make_activity, make_vendor, write
):
    vendor = make_vendor(dpa_status="requested" if "signed" in write else "signed")
    processor = {"recipient_type": "processor", "name": "Éditeur", "vendor_id": vendor.id}
    public = {
        **COMPLETE["purposes"][0],
        "description": "Second",
        "legal_basis": "legitimate_interests",
    }
    activity = make_activity(
        organisation,
        recipients=[*COMPLETE["recipients"], processor],
        purposes=[{**COMPLETE["purposes"][0], "is_main": True}, public],
    )
    make_activity(organisation, name="Deuxième", data_categories=[{"category": "identity"}])
    session.flush()
    WRITES[write](session, organisation, activity, vendor)
    _assert_in_step(session, organisation)


def test_a_template_push_keeps_the_copies_in_step(session, host, organisation):
    model = template_activities.create_template(
        session, host, check(services.ActivityCreate, COMPLETE), actor="test"
    )
    session.flush()
    (copy,) = template_activities.apply_template(session, model, [organisation], actor="test")
    session.flush()
    _update(session, model, security_measures=[], special_categories=[{"category": "health"}])
    template_activities.push_template(session, model, actor="test")
    _assert_in_step(session, organisation)
    pushed = session.get(ProcessingActivity, copy.id)
    assert (pushed.missing_count, pushed.warning_count) == (1, 1)


def _named(pairs) -> list:
    return [(activity.reference, [str(item) for item in items]) for activity, items in pairs]


def test_the_demo_s_summaries_are_the_python_figures(session):
    organisations = load_organisations(session, "test")
    load_users(session, organisations, "test")
    map_demo.load(session, actor="test")
    demo.load(session, actor="test")
    session.flush()
    everyone = session.scalars(sa.select(Organisation)).all()
    summaries = organisation_summaries([o.id for o in everyone], session=session)
    for organisation in everyone:
        figures = _python_figures(session, organisation)
        summary = summaries[organisation.id]
        assert (summary.total, summary.warnings, summary.dpia_pending, summary.complete) == (
            figures["total"],
            figures["warnings"],
            figures["dpia_pending"],
            figures["complete"],
        ), organisation.slug
        assert summary.counts == figures["counts"]
        assert summary.completeness(organisation).score == figures["score"]
        # What the register's summary names: the first incomplete and warned activities.
        activities = organisation_activities(organisation.id, session=session)
        incomplete = compute.register_completeness(activities, organisation).incomplete
        warned = [(a, compute.warnings(a, organisation=organisation)) for a in activities]
        sample = summary_samples(organisation, limit=3, session=session)
        assert _named(sample[0]) == _named(incomplete[:3])
        assert _named(sample[1]) == _named([(a, found) for a, found in warned if found][:3])
    assert any(summaries[o.id].warnings for o in everyone)


# --- statements per page ------------------------------------------------------------------------


class Statements:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args):
        self.count += 1


def _statements(session, client, url) -> int:
    with Statements(session.get_bind()) as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


def _fill(session, organisation, make_activity, make_vendor, count):
    vendor = make_vendor(dpa_status="none")
    for number in range(count):
        rows = {}
        if number % 3 == 0:
            rows["recipients"] = [
                {"recipient_type": "processor", "name": "Éditeur", "vendor_id": vendor.id}
            ]
        if number % 4 == 0:
            rows["data_categories"] = [{"category": "identity"}]
        activity = make_activity(organisation, name=f"Traitement {number}", **rows)
        if number % 5 == 0:
            activity.next_review_on = date.today() - timedelta(days=3)
    session.commit()


def test_the_register_page_costs_the_same_for_5_and_50_activities(
    session, client, login_as, make_organisation, make_activity, make_vendor
):
    small, large = make_organisation("Petite commune"), make_organisation("Grande commune")
    _fill(session, small, make_activity, make_vendor, 5)
    _fill(session, large, make_activity, make_vendor, 50)
    login_as("dpo", small, large)
    counts = [
        _statements(session, client, f"/processing/registers/{o.slug}/") for o in (small, large)
    ]
    page = client.get(f"/processing/registers/{large.slug}/").get_data(as_text=True)
    assert counts[0] == counts[1]
    assert "… et" in page  # more incomplete activities than the summary names


def test_the_overview_costs_the_same_for_2_and_20_organisations(
    session, client, login_as, make_organisation, make_activity, make_vendor
):
    organisations = [make_organisation(f"Commune {n:02d}") for n in range(20)]
    for organisation in organisations:
        _fill(session, organisation, make_activity, make_vendor, 2)
    login_as("dpo", *organisations[:2])
    two = _statements(session, client, "/processing/")
    client.post("/logout")
    login_as("dpo", *organisations)
    twenty = _statements(session, client, "/processing/")
    assert two == twenty
