"""The Word "bulletin de veille": the advisories received in a period, the exposure of the
members and the state of their treatments, for the whole syndicate or for one member. Rendered
from its editable template, recorded and audited; the template check runs the context builder
over the demo."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from compliance.access import host_ids
from compliance.calendar import today_in_paris
from compliance.documents import DocumentType, ExportRecord, export_document
from compliance.tenancy import Organisation, slugify
from registers.watch.models import Advisory, Treatment
from registers.watch.queries import REGISTER, period_figures
from registers.watch.schemas import AdvisorySeverity

BULLETIN = "watch-bulletin"
TITLE = "Bulletin de veille"


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "–"


def bulletin_advisories(session: Session, start: date, end: date, organisation_id=None):
    """The advisories published in the period (those a member is exposed to, for one member),
    the most severe first, then the newest."""
    statement = sa.select(Advisory).where(Advisory.published_on.between(start, end))
    if organisation_id is not None:
        statement = statement.where(
            Advisory.id.in_(
                sa.select(Treatment.advisory_id).where(Treatment.organisation_id == organisation_id)
            )
        )
    rank = sa.case(
        *((Advisory.severity == s, index) for index, s in enumerate(AdvisorySeverity)), else_=9
    )
    return list(
        session.scalars(statement.order_by(rank, Advisory.published_on.desc(), Advisory.id))
    )


def bulletin_treatments(session: Session, advisory_ids, organisation_id=None):
    statement = (
        sa.select(Treatment)
        .options(
            selectinload(Treatment.organisation),
            selectinload(Treatment.application),
            selectinload(Treatment.advisory),
        )
        .where(Treatment.advisory_id.in_(advisory_ids))
    )
    if organisation_id is not None:
        statement = statement.where(Treatment.organisation_id == organisation_id)
    return list(session.scalars(statement.order_by(Treatment.advisory_id, Treatment.id)))


def bulletin_context(
    session: Session,
    start: date,
    end: date,
    organisation: Organisation | None = None,
    *,
    today: date | None = None,
) -> dict:
    today = today or today_in_paris()
    organisation_id = organisation.id if organisation is not None else None
    with force_locale("fr"):
        advisories = bulletin_advisories(session, start, end, organisation_id)
        treatments = bulletin_treatments(session, [a.id for a in advisories], organisation_id)
        by_advisory: dict[int, list[Treatment]] = {}
        for treatment in treatments:
            by_advisory.setdefault(treatment.advisory_id, []).append(treatment)
        figures = period_figures(
            session,
            start,
            end,
            organisation_ids=[organisation_id] if organisation_id else None,
            today=today,
        )
        period = f"du {_day(start)} au {_day(end)}"
        scope_name = organisation.name if organisation is not None else "tous les membres"
        return {
            "title": TITLE,
            "scope": {"label": f"{scope_name} · {period}"},
            "organisation": {"name": scope_name},
            "period": period,
            "today": today,
            "figures": {
                **figures,
                "received_by_severity": [
                    {"label": s.label, "count": figures["received"][s.value]}
                    for s in AdvisorySeverity
                ],
            },
            "advisories": [
                {
                    "reference": a.reference,
                    "title": a.title,
                    "source": a.source.label,
                    "severity": a.severity.label,
                    "cvss": f"{a.cvss_score:.1f}" if a.cvss_score is not None else "–",
                    "published_on": _day(a.published_on),
                    "cves": ", ".join(a.cve_ids or []) or "–",
                    "products": "; ".join(
                        " ".join(filter(None, (p.get("vendor"), p.get("product"))))
                        for p in (a.products or [])
                    ),
                    "workaround": a.workaround or "",
                    "link": a.link or "",
                    "members": len({t.organisation_id for t in by_advisory.get(a.id, [])}),
                    "deployments": len(by_advisory.get(a.id, [])),
                }
                for a in advisories
            ],
            "treatments": [
                {
                    "advisory": t.advisory.reference,
                    "organisation": t.organisation.name,
                    "application": t.application.name,
                    "state": t.state.label,
                    "due_on": _day(t.due_on),
                    "closed_on": _day(t.closed_on),
                    "late": "en retard" if t.is_late(today) else "",
                }
                for t in treatments
            ],
        }


def export_bulletin(
    session: Session,
    start: date,
    end: date,
    organisation: Organisation | None = None,
    *,
    actor,
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the bulletin (flushes only)."""
    context = bulletin_context(session, start, end, organisation)
    suffix = f"-{slugify(organisation.name)}" if organisation is not None else ""
    return export_document(
        session,
        document=BULLETIN,
        template=BULLETIN,
        context=context,
        title=f"{TITLE} — {context['scope']['label']}",
        filename=f"bulletin-de-veille{suffix}-{start.isoformat()}-{end.isoformat()}.docx",
        actor=actor,
        organisation=organisation,
        parameters={
            "from": start.isoformat(),
            "to": end.isoformat(),
            "organisation": organisation.slug if organisation is not None else None,
            "advisories": len(context["advisories"]),
        },
    )


def live_bulletin(session: Session, organisation: Organisation, _user) -> dict | None:
    """The last twelve months: the syndicate's whole bulletin for the host, a member's own."""
    end = today_in_paris()
    start = end - timedelta(days=365)
    member = None if organisation.id in host_ids(session) else organisation
    context = bulletin_context(session, start, end, member)
    return context if context["advisories"] else None


DOCUMENT_TYPES = (DocumentType(BULLETIN, _l("Bulletin de veille"), REGISTER.value, live_bulletin),)
