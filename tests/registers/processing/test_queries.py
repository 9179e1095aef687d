"""Scoping and filters of the register's SELECTs, and the counts of the summary cards."""

from __future__ import annotations

from datetime import date

from compliance.db import get_session
from compliance.permissions import Role
from registers.applications.models import Hosting
from registers.processing import panels, queries, services
from registers.processing.schemas import ActivityFilters


def _names(statement) -> list[str]:
    return [a.name for a in get_session().scalars(statement)]


def test_a_referent_sees_only_their_organisation(
    session, organisation, other_organisation, make_user, make_activity
):
    make_activity(organisation, name="Ivry")
    make_activity(other_organisation, name="Gentilly")
    referent = make_user(Role.REFERENT, organisation)
    dpo = make_user(Role.DPO, organisation, other_organisation)
    assert _names(queries.visible_activities(referent)) == ["Ivry"]
    assert sorted(_names(queries.visible_activities(dpo))) == ["Gentilly", "Ivry"]
    edit = queries.visible_activities(make_user(Role.AUDITOR, organisation), action="edit")
    assert _names(edit) == []


def test_filters(session, organisation, make_user, make_activity, make_application):
    adagio = make_application("Adagio")
    elections = make_activity(organisation, name="Élections", application_ids=[adagio.id])
    make_activity(organisation, name="Logement", dpia_cnil_types=["social_housing"])
    archived = make_activity(organisation, name="Ancien")
    services.archive_processing(session, archived, actor="test")
    services.submit_processing(session, elections, actor="test")
    user = make_user(Role.DPO, organisation)

    def names(**args):
        return sorted(_names(queries.visible_activities(user, ActivityFilters.from_args(args))))

    assert names() == ["Logement", "Élections"]
    assert names(application=str(adagio.id)) == ["Élections"]
    assert names(dpia_required="true") == ["Logement"]
    assert names(dpia_required="false") == ["Élections"]
    assert names(status="submitted") == ["Élections"]
    assert names(status="archived") == ["Ancien"]
    assert names(q="loge") == ["Logement"]
    assert names(sort="-name") == ["Logement", "Élections"]


def test_activities_for_an_application_by_organisation(
    session, organisation, other_organisation, make_user, make_activity, make_application
):
    adagio = make_application("Adagio")
    make_activity(organisation, name="Ivry", application_ids=[adagio.id])
    make_activity(other_organisation, name="Gentilly", application_ids=[adagio.id])
    make_activity(organisation, name="Sans Adagio")
    make_activity(organisation, name="Ivry 2", application_ids=[adagio.id])
    dpo = make_user(Role.DPO, organisation)
    activities = session.scalars(queries.activities_for_application(adagio.id, dpo))
    assert [a.name for a in activities] == ["Ivry", "Ivry 2"]
    counts = session.execute(queries.application_counts_by_organisation(adagio.id, dpo)).all()
    assert [(org.name, count) for org, count in counts] == [("Ivry-sur-Seine", 2)]
    both = make_user(Role.DPO, organisation, other_organisation)
    counts = session.execute(queries.application_counts_by_organisation(adagio.id, both)).all()
    assert [(org.name, count) for org, count in counts] == [
        ("Gentilly", 1),
        ("Ivry-sur-Seine", 2),
    ]


def test_hosting_override_of_the_member(
    session, organisation, make_activity, make_application, make_deployment
):
    app = make_application("Elisa")
    make_deployment(organisation, app, hosting=Hosting.VENDOR_SAAS.value)
    activity = make_activity(organisation, application_ids=[app.id])
    assert queries.hosted_applications(activity) == [(app, Hosting.VENDOR_SAAS)]


def test_summary_counts(session, organisation, other_organisation, make_user, make_activity):
    make_activity(organisation, dpia_cnil_types=["health_care"], next_review_on="2020-01-01")
    make_activity(organisation)
    make_activity(other_organisation)
    user = make_user(Role.REFERENT, organisation)
    counts = panels.summary_counts(
        [organisation.id, other_organisation.id], user=user, today=date(2024, 1, 1)
    )
    assert counts == {
        "counts": {"draft": 2},
        "total": 2,
        "dpia_pending": 1,
        "review_overdue": 1,
    }


def test_a_page_loads_in_a_fixed_number_of_queries(
    session, organisation, make_user, make_activity, make_application
):
    import sqlalchemy as sa

    from compliance.pagination import paginate
    from registers.processing import compute

    app = make_application("Adagio")
    user = make_user(Role.DPO, organisation)

    def queries_for_a_page() -> int:
        session.expire_all()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(session.get_bind(), "before_cursor_execute", listener)
        try:
            page = paginate(session, queries.visible_activities(user), per_page=50)
            for activity in page.items:
                compute.completeness(activity)
                compute.warnings(activity)
        finally:
            sa.event.remove(session.get_bind(), "before_cursor_execute", listener)
        return len(statements)

    make_activity(organisation, application_ids=[app.id])
    few = queries_for_a_page()
    for _ in range(5):
        make_activity(organisation, application_ids=[app.id])
    assert queries_for_a_page() == few
