"""The report's figures: a member's hold its own records only, of the year asked for (Paris
civil year), and the whole service's are the sum of its members'."""

from __future__ import annotations

from datetime import date

from registers.annual.figures import total
from registers.annual.report import member_report, service_report
from registers.processing.models import RegisterVersion
from tests.registers.annual.conftest import YEAR, paris


def _activity(make_activity, organisation, *, created, validated=None, name=None, **columns):
    activity = make_activity(organisation, **({"name": name} if name else {}))
    activity.created_at = created
    activity.validated_at = validated
    for key, value in columns.items():
        setattr(activity, key, value)
    return activity


def _world(
    session,
    organisation,
    other_organisation,
    host,
    make_activity,
    make_breach,
    notify,
    make_session,
    make_request,
):
    """Records of YEAR (and around it) in two members and the host."""
    _activity(
        make_activity,
        organisation,
        created=paris(YEAR, 2, 1),
        validated=paris(YEAR, 3, 1),
        dpia_required=True,
    )
    _activity(
        make_activity,
        organisation,
        created=paris(YEAR - 1, 5, 1),
        name="Paie",
        dpia_required=True,
        dpia_status="completed",
    )
    # Created on 1 January of the next year, 00:30 Paris (still 31 December in UTC): not YEAR's.
    _activity(make_activity, organisation, created=paris(YEAR + 1, 1, 1, 0, 30), name="État civil")
    _activity(make_activity, other_organisation, created=paris(YEAR, 6, 1))
    session.add(
        RegisterVersion(
            organisation_id=organisation.id,
            number=1,
            digest="0" * 64,
            published_at=paris(YEAR, 4, 1),
            content={},
            activity_count=2,
        )
    )
    on_time = make_breach(organisation, awareness_at=paris(YEAR, 3, 10), integrity=True)
    notify(on_time, 20)
    late = make_breach(
        organisation,
        awareness_at=paris(YEAR, 9, 1),
        availability=True,
        communicated_at=paris(YEAR, 9, 8),
    )
    notify(late, 100)
    make_breach(organisation, awareness_at=paris(YEAR, 11, 2))
    # Aware on 1 January 00:30 Paris, still 31 December in UTC: the next year's.
    make_breach(organisation, awareness_at=paris(YEAR + 1, 1, 1, 0, 30))
    make_breach(other_organisation, awareness_at=paris(YEAR, 5, 5))
    make_session(organisation, attendees=12)
    make_session(organisation, attendees=8, held_on=date(YEAR, 12, 31))
    make_session(organisation, attendees=50, held_on=date(YEAR + 1, 1, 1))
    make_session(other_organisation, attendees=30)
    make_session(host, attendees=40, audience="Tous les agents")
    make_request(
        organisation,
        date(YEAR, 2, 3),
        "access",
        outcome="answered",
        answered_on=date(YEAR, 2, 20),
        status="answered",
    )
    make_request(organisation, date(YEAR, 4, 3), "erasure")
    make_request(other_organisation, date(YEAR, 4, 3), "objection")
    make_request(organisation, date(YEAR + 1, 1, 2), "access")
    session.flush()


def test_a_member_report_counts_its_own_records_of_the_year(
    session,
    organisation,
    other_organisation,
    host,
    make_activity,
    make_breach,
    notify,
    make_session,
    make_request,
):
    _world(
        session,
        organisation,
        other_organisation,
        host,
        make_activity,
        make_breach,
        notify,
        make_session,
        make_request,
    )
    report = member_report(session, organisation, YEAR)
    assert report.activities["activities"] == 2
    assert report.activities["created"] == 1
    assert report.activities["validated"] == 1
    assert report.activities["published_versions"] == 1
    assert report.activities["dpia_required"] == 2
    assert (report.activities["dpia_done"], report.activities["dpia_pending"]) == (1, 1)
    assert report.breaches == {
        "breaches": 3,
        "confidentiality": 3,
        "integrity": 1,
        "availability": 1,
        "notified": 2,
        "notified_on_time": 1,
        "notified_late": 1,
        "not_notified": 1,
        "communicated": 1,
    }
    assert report.awareness == {"sessions": 2, "attendees": 20}
    assert [s.attendees for s in report.sessions] == [12, 8]
    assert report.rights["received"] == 2
    assert report.rights["by_right"]["access"] == 1
    assert report.rights["by_right"]["erasure"] == 1
    assert report.rights["by_right"]["objection"] == 0
    assert report.rights["answered_on_time"] == 1


def test_the_next_year_holds_what_crossed_midnight_in_paris(
    session,
    organisation,
    other_organisation,
    host,
    make_activity,
    make_breach,
    notify,
    make_session,
    make_request,
):
    _world(
        session,
        organisation,
        other_organisation,
        host,
        make_activity,
        make_breach,
        notify,
        make_session,
        make_request,
    )
    report = member_report(session, organisation, YEAR + 1)
    assert report.activities["created"] == 1 and report.activities["activities"] == 3
    assert report.breaches["breaches"] == 1
    assert report.awareness == {"sessions": 1, "attendees": 50}
    assert report.rights["received"] == 1


def test_the_service_report_is_the_sum_of_its_members(
    session,
    organisation,
    other_organisation,
    host,
    make_activity,
    make_breach,
    notify,
    make_session,
    make_request,
):
    _world(
        session,
        organisation,
        other_organisation,
        host,
        make_activity,
        make_breach,
        notify,
        make_session,
        make_request,
    )
    members = [host, organisation, other_organisation]
    service = service_report(session, host, members, YEAR)
    alone = [member_report(session, member, YEAR) for member in members]
    for section in ("activities", "breaches", "awareness", "rights"):
        assert getattr(service, section) == total(getattr(r, section) for r in alone), section
    assert service.breaches["breaches"] == 4
    assert service.awareness == {"sessions": 4, "attendees": 90}
    assert service.rights["by_right"]["objection"] == 1
    assert [line.organisation for line in service.members] == members
    assert len(service.sessions) == 4


def test_a_member_without_records_has_zeros(session, organisation):
    report = member_report(session, organisation, YEAR)
    assert set(report.activities.values()) == {0}
    assert set(report.breaches.values()) == {0}
    assert report.awareness == {"sessions": 0, "attendees": 0}
    assert report.rights["received"] == 0 and report.recommendation is None
    assert all(chart.is_empty for chart in report.charts)
