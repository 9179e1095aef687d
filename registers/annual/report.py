"""One annual report, for a member or for the whole service: the figures of every section for
the year, the sessions held, the DPO's recommendations and the charts. The preview page and
the Word document both show what `build_report` returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.tenancy import Organisation
from registers.annual import charts, figures
from registers.annual.models import AwarenessSession, DpoRecommendation
from registers.annual.rights import right_labels, rights_figures
from registers.annual.services import find_recommendation


@dataclass
class MemberLine:
    """One member's figures, for the service report's table."""

    organisation: Organisation
    activities: dict
    breaches: dict
    awareness: dict


@dataclass
class AnnualReport:
    year: int
    # The member reported on, or, for the whole service, the host organisation.
    organisation: Organisation
    service: bool
    activities: dict
    breaches: dict
    awareness: dict
    rights: dict
    sessions: list[AwarenessSession]
    recommendation: DpoRecommendation | None
    members: list[MemberLine] = field(default_factory=list)

    @property
    def charts(self) -> list[charts.Chart]:
        return [
            charts.activity_chart(self.activities),
            charts.breach_chart(self.breaches),
            charts.rights_chart(self.rights, right_labels()),
        ]


def host_organisation(session: Session) -> Organisation | None:
    """The organisation that hosts the shared service (the syndicate)."""
    return session.scalar(
        sa.select(Organisation).where(Organisation.is_host.is_(True)).order_by(Organisation.id)
    )


def _sessions(session: Session, organisation_ids: list[int], year: int) -> list[AwarenessSession]:
    start, end = figures.year_bounds(year)
    return list(
        session.scalars(
            sa.select(AwarenessSession)
            .where(
                AwarenessSession.organisation_id.in_(organisation_ids),
                AwarenessSession.archived_at.is_(None),
                AwarenessSession.held_on >= start.date(),
                AwarenessSession.held_on < end.date(),
            )
            .order_by(AwarenessSession.held_on, AwarenessSession.id)
        )
    )


def member_report(session: Session, organisation: Organisation, year: int) -> AnnualReport:
    ids = [organisation.id]
    return AnnualReport(
        year=year,
        organisation=organisation,
        service=False,
        activities=figures.activity_figures(session, ids, year).get(
            organisation.id, figures.empty(figures.ACTIVITY_KEYS)
        ),
        breaches=figures.breach_figures(session, ids, year).get(
            organisation.id, figures.empty(figures.BREACH_KEYS)
        ),
        awareness=figures.session_figures(session, ids, year).get(
            organisation.id, figures.empty(figures.SESSION_KEYS)
        ),
        rights=rights_figures(session, ids, year),
        sessions=_sessions(session, ids, year),
        recommendation=find_recommendation(session, organisation.id, year),
    )


def service_report(
    session: Session, host: Organisation, organisations: list[Organisation], year: int
) -> AnnualReport:
    """The whole service: every figure the sum of its members' (`organisations`, the host
    among them: the syndicate is a controller too), with one line per member."""
    ids = [organisation.id for organisation in organisations]
    activities = figures.activity_figures(session, ids, year)
    breaches = figures.breach_figures(session, ids, year)
    awareness = figures.session_figures(session, ids, year)
    members = [
        MemberLine(
            organisation,
            activities.get(organisation.id, figures.empty(figures.ACTIVITY_KEYS)),
            breaches.get(organisation.id, figures.empty(figures.BREACH_KEYS)),
            awareness.get(organisation.id, figures.empty(figures.SESSION_KEYS)),
        )
        for organisation in organisations
    ]
    return AnnualReport(
        year=year,
        organisation=host,
        service=True,
        activities=_sum([m.activities for m in members], figures.ACTIVITY_KEYS),
        breaches=_sum([m.breaches for m in members], figures.BREACH_KEYS),
        awareness=_sum([m.awareness for m in members], figures.SESSION_KEYS),
        rights=rights_figures(session, ids, year),
        sessions=_sessions(session, ids, year),
        recommendation=find_recommendation(session, host.id, year, service_wide=True),
        members=members,
    )


def _sum(rows: list[dict], keys: tuple[str, ...]) -> dict:
    return {**figures.empty(keys), **figures.total(rows)}
