"""What the record of processing activities shows on other pages, through the kernel's registry:
on an application's page, the activities of each member that rely on it; on the dashboard and
on an organisation's page, a summary card.

Each provider returns the data its template needs, or None (nothing to show, or its template
not written yet):
- "application": template processing/_application_panel.html, `counts`: a page of
  (organisation, number of activities), and for a user who sees one organisation `activities`,
  a page of its activities;
- "dashboard": template processing/_dashboard_widget.html, `counts` (by status value),
  `dpia_pending`, `review_overdue`, `total`;
- "organisation": template processing/_organisation_widget.html, the same plus `organisation`,
  `completeness` (compute.RegisterCompleteness) and `warning_count`;
- "incident_impact": template processing/_incident_panel.html, `rows`: the activities relying on
  the incident's affected applications, sensitive ones first.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import TemplateNotFound
from sqlalchemy.orm import selectinload

from compliance.auth import can
from compliance.db import get_session
from compliance.pagination import Page, page_number, paginate_param
from compliance.permissions import Action, Register
from compliance.registry import Panel
from compliance.tenancy import Organisation, visible_organisations_query
from registers.processing.models import (
    ProcessingActivity,
    ProcessingApplication,
    ProcessingTally,
)
from registers.processing.queries import (
    activities_for_application,
    application_counts_by_organisation,
    organisation_summaries,
    visible_activities,
)
from registers.processing.reference import ProcessingStatus

REGISTER = Register.PROCESSING
APPLICATION_TEMPLATE = "processing/_application_panel.html"
INCIDENT_TEMPLATE = "processing/_incident_panel.html"
DASHBOARD_TEMPLATE = "processing/_dashboard_widget.html"
ORGANISATION_TEMPLATE = "processing/_organisation_widget.html"
# The application's page: its own page parameter, apart from the deployments' list.
APPLICATION_PAGE_PARAM = "activities_page"
APPLICATION_PAGE_SIZE = 25


def _has_template(name: str) -> bool:
    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        return False
    return True


def application_panel(application) -> dict | None:
    """The organisations relying on the application, a page of them with their number of
    activities (a GROUP BY); for a user who sees only one, that one's activities, a page of
    them. Each page has its own parameter, apart from the deployments'."""
    if not can(REGISTER, Action.READ) or not _has_template(APPLICATION_TEMPLATE):
        return None
    session = get_session()
    counts = _organisation_counts(session, application.id)
    if not counts.total:
        return None
    activities = None
    if counts.total == 1:
        activities = paginate_param(
            session,
            activities_for_application(
                application.id, options=(selectinload(ProcessingActivity.organisation),)
            ),
            APPLICATION_PAGE_PARAM,
            per_page=APPLICATION_PAGE_SIZE,
        )
    return {
        "title": _l("Traitements de données personnelles"),
        "template": APPLICATION_TEMPLATE,
        "anchor": "processing-panel",
        "counts": counts,
        "organisation": counts.items[0][0] if counts.total == 1 else None,
        "activities": activities,
        "application": application,
    }


def _organisation_counts(session, application_id: int) -> Page:
    """The page of (organisation, number of activities) of `application_panel`. The GROUP BY,
    whose cost grows with the activities linked to the application (thousands for one deployed
    everywhere), is read once, whole (one small row per organisation), and paged here: a count
    and a page would run it twice. Then the page's organisations, by id."""
    statement = application_counts_by_organisation(application_id)
    grouped = session.execute(
        statement.with_only_columns(Organisation.id, statement.selected_columns.count)
    ).all()
    page = page_number(param=APPLICATION_PAGE_PARAM)
    start = (page - 1) * APPLICATION_PAGE_SIZE
    chunk = grouped[start : start + APPLICATION_PAGE_SIZE]
    loaded = session.scalars(
        sa.select(Organisation).where(Organisation.id.in_([row[0] for row in chunk]))
    )
    organisations = {organisation.id: organisation for organisation in loaded}
    return Page(
        items=[(organisations[row[0]], row[1]) for row in chunk],
        total=len(grouped),
        page=page,
        per_page=APPLICATION_PAGE_SIZE,
        param=APPLICATION_PAGE_PARAM,
    )


def summary_counts(organisation_ids, *, user=None, session=None, today: date | None = None):
    """Counts over the registers of the given organisations that the user may read, in two
    statements that do not read every activity: the activities by status and the pending DPIAs
    summed from the stored tally (a few rows an organisation, `tally.py`), and the overdue
    reviews counted on the review index (only the dates before today are read)."""
    session = session or get_session()
    today = today or date.today()
    readable = visible_organisations_query(user or current_user, REGISTER)
    chosen = organisation_ids if isinstance(organisation_ids, sa.Select) else list(organisation_ids)

    def within(owner):
        return [owner.in_(chosen), owner.in_(readable)]

    counted = (
        sa.select(
            ProcessingTally.status,
            sa.func.sum(ProcessingTally.activities),
            sa.func.sum(ProcessingTally.dpia_pending),
        )
        .where(*within(ProcessingTally.organisation_id))
        .group_by(ProcessingTally.status)
    )
    counts, dpia_pending = {}, 0
    for status, count, pending_count in session.execute(counted):
        if not count:
            continue
        counts[status.value] = count
        if status != ProcessingStatus.ARCHIVED:
            dpia_pending += pending_count or 0
    overdue = sa.select(sa.func.count()).where(
        *within(ProcessingActivity.organisation_id),
        ProcessingActivity.next_review_on < today,
        ProcessingActivity.is_model.is_(False),
        ProcessingActivity.status != ProcessingStatus.ARCHIVED,
    )
    total = sum(v for k, v in counts.items() if k != ProcessingStatus.ARCHIVED.value)
    return {
        "counts": counts,
        "total": total,
        "dpia_pending": dpia_pending,
        "review_overdue": session.scalar(overdue),
    }


def dashboard_widget(context) -> dict | None:
    """`organisation_ids`: the picked organisation's, or a SELECT of every one the user sees
    (never loaded: the counts are scoped to the readable registers anyway)."""
    ids = context.get("organisation_ids")
    if ids is None:
        ids = [org.id for org in context.get("organisations", [])]
    if isinstance(ids, sa.Select):
        readable = can(REGISTER, Action.READ)
    else:
        ids = [i for i in ids if can(REGISTER, Action.READ, i)]
        readable = bool(ids)
    if not readable or not _has_template(DASHBOARD_TEMPLATE):
        return None
    return {
        "title": _l("Registre des traitements"),
        "template": DASHBOARD_TEMPLATE,
        **summary_counts(ids),
    }


def organisation_widget(organisation) -> dict | None:
    if not can(REGISTER, Action.READ, organisation.id) or not _has_template(ORGANISATION_TEMPLATE):
        return None
    summary = organisation_summaries([organisation.id])[organisation.id]
    return {
        "title": _l("Registre des traitements"),
        "template": ORGANISATION_TEMPLATE,
        "organisation": organisation,
        "completeness": summary.completeness(organisation),
        "warning_count": summary.warnings,
        **summary_counts([organisation.id]),
    }


def is_sensitive(activity: ProcessingActivity) -> bool:
    return bool(activity.special_categories or activity.nir_used or activity.criminal_data)


def incident_panel(incident) -> dict | None:
    """The processing activities concerned by an incident: those relying on an affected
    application, in every organisation the user may read, sensitive ones first."""
    application_ids = [application.id for application in incident.applications]
    if not application_ids or not can(REGISTER, Action.READ):
        return None
    statement = visible_activities(selected=False).where(
        ProcessingActivity.id.in_(
            sa.select(ProcessingApplication.processing_id).where(
                ProcessingApplication.application_id.in_(application_ids)
            )
        )
    )
    activities = list(get_session().scalars(statement))
    affected = set(application_ids)
    rows = [
        {
            "activity": activity,
            "sensitive": is_sensitive(activity),
            "people": sum(s.estimated_number or 0 for s in activity.subjects),
            "applications": [a for a in activity.applications if a.id in affected],
        }
        for activity in activities
    ]
    rows.sort(key=lambda row: (not row["sensitive"], row["activity"].organisation.name))
    return {
        "title": _l("Traitements de données personnelles concernés"),
        "template": INCIDENT_TEMPLATE,
        "rows": rows,
    }


# What this register shows on other pages (mounted through its SPEC).
PANELS = (
    Panel("application", application_panel, order=20),
    Panel("dashboard", dashboard_widget, order=20),
    Panel("organisation", organisation_widget, order=20),
    Panel("incident_impact", incident_panel, order=5),
)
