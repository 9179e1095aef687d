"""The watch's writes: matching an advisory to the map, the CISO's decision, the treatments of
each deployment and their due dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from compliance.calendar import today_in_paris
from compliance.db import ConflictError
from compliance.services import FieldErrors
from registers.watch import services
from registers.watch.matching import cpe_key, purl_key
from registers.watch.models import AdvisoryMatch, Treatment, late_condition
from registers.watch.schemas import MatchState, TreatmentState


def test_cpe_and_purl_keys():
    assert cpe_key("cpe:2.3:a:libriciel:i-parapheur:5.1.3:*:*:*:*:*:*:*") == "libriciel:i-parapheur"
    assert cpe_key("cpe:/a:microsoft:sharepoint_server:2019") == "microsoft:sharepoint_server"
    assert cpe_key("cpe:2.3:a:*:*") is None
    assert cpe_key("libriciel") is None
    assert purl_key("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?x=1") == (
        "pkg:maven/org.apache.logging.log4j/log4j-core"
    )
    assert purl_key("log4j") is None


def test_advisory_matched_by_folded_names(libriciel, make_advisory):
    advisory = make_advisory(products=[{"vendor": "Libriciel SCOP", "product": "I-PARAPHEUR"}])
    assert advisory.matches == []  # the vendor differs once folded
    advisory = make_advisory(products=[{"vendor": "LIBRICIEL", "product": "i-Parapheur"}])
    assert [(m.application_id, m.state, m.matched_by) for m in advisory.matches] == [
        (libriciel["parapheur"].id, MatchState.PROPOSED, "name")
    ]
    # Without a vendor, the product's name alone.
    advisory = make_advisory(products=[{"product": "s2LOW"}])
    assert [m.application_id for m in advisory.matches] == [libriciel["s2low"].id]


def test_identifiers_match_and_rematch(session, libriciel, make_advisory):
    advisory = make_advisory(
        products=[
            {
                "vendor": "Microsoft",
                "product": "SharePoint Server",
                "cpe": "cpe:2.3:a:microsoft:sharepoint_server:2019:*:*:*:*:*:*:*",
            }
        ]
    )
    assert advisory.matches == []
    identifier = services.add_identifier(
        session,
        {"application_id": libriciel["s2low"].id, "cpe": "cpe:2.3:a:microsoft:sharepoint_server"},
        actor="test",
    )
    session.refresh(advisory)
    assert [(m.application_id, m.matched_by) for m in advisory.matches] == [
        (libriciel["s2low"].id, "cpe")
    ]
    services.remove_identifier(session, identifier, actor="test")
    session.refresh(advisory)
    assert advisory.matches == []


def test_identifier_needs_a_name(session, libriciel):
    with pytest.raises(FieldErrors) as error:
        services.add_identifier(
            session, {"application_id": libriciel["s2low"].id, "vendor": "Libriciel"}, actor="t"
        )
    assert "product" in error.value.errors


def test_confirm_creates_one_treatment_per_live_deployment(session, libriciel, make_advisory):
    advisory = make_advisory(severity="critical", published_on=date(2026, 11, 2))
    match = advisory.matches[0]
    treatments = services.confirm_match(session, match, actor="test", today=advisory.published_on)
    assert match.state == MatchState.CONFIRMED and match.decided_at is not None
    assert sorted(t.organisation_id for t in treatments) == sorted(
        [libriciel["ivry"].id, libriciel["vitry"].id]
    )
    # Critical: seven days from publication (the default setting).
    assert {t.due_on for t in treatments} == {date(2026, 11, 9)}
    assert {t.state for t in treatments} == {TreatmentState.PENDING}
    # Confirming again creates nothing more.
    assert services.confirm_match(session, match, actor="test") == []


def test_due_days_follow_the_setting(app, session, libriciel, make_advisory):
    app.config["WATCH_DUE_DAYS"] = {"critical": 2, "high": 10, "medium": 90, "low": 180}
    advisory = make_advisory(severity="high", published_on=date(2026, 11, 2))
    treatments = services.confirm_match(
        session, advisory.matches[0], actor="test", today=advisory.published_on
    )
    assert {t.due_on for t in treatments} == {date(2026, 11, 12)}
    # A change of severity moves the pending treatments' due date.
    services.update_advisory(session, advisory, {"severity": "critical"}, actor="test")
    assert {t.due_on for t in treatments} == {date(2026, 11, 4)}


def test_dismiss_removes_pending_treatments_only(session, libriciel, make_advisory):
    advisory = make_advisory()
    match = advisory.matches[0]
    first, _second = services.confirm_match(session, match, actor="test")
    services.update_treatment(
        session,
        first,
        {"state": "patched", "patched_on": date(2026, 11, 5)},
        actor="test",
        today=date(2026, 11, 6),
    )
    services.dismiss_match(session, match, actor="test")
    left = session.scalars(sa.select(Treatment).where(Treatment.match_id == match.id)).all()
    assert [t.id for t in left] == [first.id]
    assert match.state == MatchState.DISMISSED


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"state": "patched"}, "patched_on"),
        ({"state": "not_affected"}, "version_in_use"),
        ({"state": "mitigated"}, "mitigation"),
        ({"state": "accepted", "accepted_by": "M. le Maire"}, "accepted_until"),
        ({"state": "patched", "patched_on": date(2026, 12, 1)}, "patched_on"),
    ],
)
def test_treatment_needs_what_its_state_says(session, libriciel, make_advisory, values, field):
    advisory = make_advisory()
    treatment = services.confirm_match(
        session, advisory.matches[0], actor="test", today=advisory.published_on
    )[0]
    with pytest.raises(FieldErrors) as error:
        services.update_treatment(session, treatment, values, actor="test", today=date(2026, 11, 6))
    assert field in error.value.errors
    assert treatment.state == TreatmentState.PENDING


def test_treatment_closed_and_reopened(session, libriciel, make_advisory):
    advisory = make_advisory()
    treatment = services.confirm_match(
        session, advisory.matches[0], actor="test", today=advisory.published_on
    )[0]
    services.update_treatment(
        session,
        treatment,
        {"state": "mitigated", "mitigation": "Accès filtré"},
        actor="test",
        today=date(2026, 11, 6),
    )
    assert treatment.closed_on == date(2026, 11, 6)
    services.update_treatment(session, treatment, {"state": "pending"}, actor="test")
    assert treatment.closed_on is None


def test_treatment_version_conflict(session, libriciel, make_advisory):
    advisory = make_advisory()
    treatment = services.confirm_match(
        session, advisory.matches[0], actor="test", today=advisory.published_on
    )[0]
    session.commit()
    with pytest.raises(ConflictError):
        services.update_treatment(
            session,
            treatment,
            {"state": "mitigated", "mitigation": "x"},
            actor="test",
            version=treatment.version - 1,
        )


def test_late_condition_in_sql(session, libriciel, make_advisory):
    published = date.today() - timedelta(days=40)
    advisory = make_advisory(severity="high", published_on=published)
    first, second = services.confirm_match(
        session, advisory.matches[0], actor="test", today=advisory.published_on
    )
    services.update_treatment(
        session, second, {"state": "not_affected", "version_in_use": "5.2.0"}, actor="test"
    )
    late = session.scalars(sa.select(Treatment.id).where(late_condition())).all()
    assert late == [first.id]
    assert first.late and not second.late


def test_proposals_follow_the_products(session, libriciel, make_advisory):
    advisory = make_advisory()
    services.update_advisory(
        session,
        advisory,
        {"products": [{"vendor": "Libriciel", "product": "S2low"}]},
        actor="test",
    )
    assert [m.application_id for m in advisory.matches] == [libriciel["s2low"].id]
    assert session.scalar(sa.select(sa.func.count()).select_from(AdvisoryMatch)) == 1


def test_reference_is_unique(make_advisory):
    make_advisory(reference="CERTFR-2026-AVI-0001")
    with pytest.raises(FieldErrors) as error:
        make_advisory(reference="CERTFR-2026-AVI-0001")
    assert "reference" in error.value.errors


def test_confirming_again_treats_a_new_deployment(
    session, libriciel, make_advisory, make_deployment
):
    advisory = make_advisory()
    match = advisory.matches[0]
    services.confirm_match(session, match, actor="test")
    # Treated as soon as deployed (the map's hook); confirming again adds nothing more.
    make_deployment(libriciel["villejuif"], libriciel["parapheur"])
    treated = session.scalars(sa.select(Treatment.organisation_id)).all()
    assert libriciel["villejuif"].id in treated
    assert services.confirm_match(session, match, actor="test") == []


def test_the_map_changes_rematch_and_treat(session, libriciel, make_advisory, make_deployment):
    """A member starting to use the application gets its treatment; a renamed application is
    matched again (the hooks the map runs)."""
    from registers.applications import services as map_services
    from registers.applications.schemas import ApplicationUpdate

    advisory = make_advisory()
    services.confirm_match(session, advisory.matches[0], actor="test", today=advisory.published_on)
    deployment = make_deployment(libriciel["villejuif"], libriciel["parapheur"])
    treatments = session.scalars(
        sa.select(Treatment).where(Treatment.deployment_id == deployment.id)
    ).all()
    assert [t.advisory_id for t in treatments] == [advisory.id]
    other = make_advisory(products=[{"vendor": "Libriciel", "product": "Pastell"}])
    assert other.matches == []
    map_services.update_application(
        session, libriciel["s2low"], ApplicationUpdate(name="Pastell"), actor="test"
    )
    session.refresh(other)
    assert [m.application_id for m in other.matches] == [libriciel["s2low"].id]


def test_treating_new_deployments_keeps_the_decision(session, libriciel, make_advisory):
    from datetime import UTC, datetime

    advisory = make_advisory()
    match = advisory.matches[0]
    with pytest.raises(FieldErrors):
        services.treat_deployments(session, match, actor="test")
    services.confirm_match(session, match, actor="test")
    decided = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    match.decided_at = decided
    session.flush()
    vitry = session.scalar(
        sa.select(Treatment).where(Treatment.organisation_id == libriciel["vitry"].id)
    )
    session.delete(vitry)
    session.flush()
    created = services.treat_deployments(session, match, actor="other", version=match.version)
    assert [t.organisation_id for t in created] == [libriciel["vitry"].id]
    assert services.confirm_match(session, match, actor="other") == []
    session.flush()
    session.refresh(match)
    assert match.decided_at.replace(tzinfo=UTC) == decided


def test_treatments_follow_deployments_archived_and_restored(session, libriciel, make_advisory):
    from registers.applications import services as map_services
    from registers.applications.models import Deployment
    from registers.watch import links

    advisory = make_advisory()
    services.confirm_match(session, advisory.matches[0], actor="test", today=advisory.published_on)
    by_member = {t.organisation_id: t for t in session.scalars(sa.select(Treatment)).all()}
    links.open_corrective_action(session, by_member[libriciel["ivry"].id], actor="test")
    session.flush()

    def deployment_of(organisation):
        return session.scalar(
            sa.select(Deployment).where(
                Deployment.organisation_id == organisation.id,
                Deployment.application_id == libriciel["parapheur"].id,
            )
        )

    def treated():
        return sorted(session.scalars(sa.select(Treatment.organisation_id)).all())

    for name in ("ivry", "vitry"):
        map_services.archive_deployment(session, deployment_of(libriciel[name]), actor="test")
    assert treated() == [libriciel["ivry"].id]
    map_services.restore_deployment(session, deployment_of(libriciel["vitry"]), actor="test")
    map_services.restore_deployment(session, deployment_of(libriciel["ivry"]), actor="test")
    assert treated() == sorted([libriciel["ivry"].id, libriciel["vitry"].id])


def test_dismiss_keeps_treatments_that_opened_an_action_or_an_incident(
    session, libriciel, make_advisory
):
    from registers.watch import links

    advisory = make_advisory()
    match = advisory.matches[0]
    treatments = {
        t.organisation_id: t for t in services.confirm_match(session, match, actor="test")
    }
    links.open_incident(session, treatments[libriciel["ivry"].id], actor="test")
    session.flush()
    services.dismiss_match(session, match, actor="test")
    kept = session.scalars(sa.select(Treatment)).all()
    assert [(t.organisation_id, t.state) for t in kept] == [
        (libriciel["ivry"].id, TreatmentState.PENDING)
    ]
    assert kept[0].incident_id is not None


def test_due_date_runs_from_a_late_confirmation_or_deployment(
    session, libriciel, make_advisory, make_deployment
):
    advisory = make_advisory(severity="high", published_on=date(2026, 9, 1))
    match = advisory.matches[0]
    late_day = date(2026, 11, 20)
    treatments = services.confirm_match(session, match, actor="test", today=late_day)
    assert {t.due_on for t in treatments} == {late_day + timedelta(days=30)}
    # A severity change keeps the start: the day the treatment was opened.
    services.update_advisory(session, advisory, {"severity": "critical"}, actor="test")
    assert {t.due_on for t in treatments} == {late_day + timedelta(days=7)}
    # A member deploying the application afterwards has its delay from today.
    deployment = make_deployment(libriciel["villejuif"], libriciel["parapheur"])
    new = session.scalar(sa.select(Treatment).where(Treatment.deployment_id == deployment.id))
    assert new.due_on == today_in_paris() + timedelta(days=7)


def test_closed_on_follows_each_change_into_a_closed_state(session, libriciel, make_advisory):
    advisory = make_advisory()
    treatment = services.confirm_match(
        session, advisory.matches[0], actor="test", today=advisory.published_on
    )[0]
    services.update_treatment(
        session,
        treatment,
        {"state": "mitigated", "mitigation": "Filtrage"},
        actor="test",
        today=date(2026, 11, 10),
    )
    assert treatment.closed_on == date(2026, 11, 10)
    services.update_treatment(
        session,
        treatment,
        {"state": "patched", "patched_on": date(2026, 11, 20)},
        actor="test",
        today=date(2026, 11, 21),
    )
    assert treatment.closed_on == date(2026, 11, 20)
    services.update_treatment(
        session,
        treatment,
        {"state": "accepted", "accepted_by": "DGS", "accepted_until": date(2027, 6, 30)},
        actor="test",
        today=date(2026, 11, 25),
    )
    assert treatment.closed_on == date(2026, 11, 25)


def test_mitigated_reads_attenue(app):
    with app.test_request_context():
        assert str(TreatmentState.MITIGATED.label) == "Atténué"
