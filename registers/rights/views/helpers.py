"""What the rights request pages share: the controller's activities and applications to choose
from, the suggested applications, and the template helpers of the blueprint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import format_date
from sqlalchemy.orm import selectinload

from compliance.access import allowed_on, scope
from compliance.calendar import today_in_paris
from compliance.db import get_session
from registers.applications.models import Application, Deployment
from registers.processing.models import ProcessingActivity
from registers.processing.reference import ProcessingStatus
from registers.rights.schemas import RefusalGround, RightKind, RightsStatus


def activities_of(organisation_id: int) -> list[ProcessingActivity]:
    """The controller's own activities (not the templates, not archived), with their
    supporting applications."""
    statement = (
        sa.select(ProcessingActivity)
        .options(selectinload(ProcessingActivity.applications))
        .where(
            ProcessingActivity.organisation_id == organisation_id,
            ProcessingActivity.is_model.is_(False),
            ProcessingActivity.status != ProcessingStatus.ARCHIVED,
        )
        .order_by(ProcessingActivity.reference)
    )
    return list(get_session().scalars(statement))


def applications_of(organisation_id: int, activities) -> list[Application]:
    """The applications the controller uses (deployed there) or its activities rely on, of
    those the user sees in the map."""
    supporting = {a.id for activity in activities for a in activity.applications}
    deployed = sa.select(Deployment.application_id).where(
        Deployment.organisation_id == organisation_id, Deployment.archived_at.is_(None)
    )
    statement = (
        sa.select(Application)
        .where(sa.or_(Application.id.in_(deployed), Application.id.in_(supporting)))
        .order_by(Application.name)
    )
    return list(get_session().scalars(scope(statement, selected=False)))


def suggested_applications(request) -> list[Application]:
    """The applications that support the request's activities and are not linked yet: where
    the data is likely to be found."""
    linked = {a.id for a in request.applications}
    seen, suggested = set(), []
    for activity in request.activities:
        for application in activity.applications:
            if application.id not in linked and application.id not in seen:
                seen.add(application.id)
                suggested.append(application)
    return sorted(suggested, key=lambda a: a.name)


def fill_choices(form, organisation_id: int) -> dict[int, list[Application]]:
    """The form's activity and application choices for the controller; returns, for each
    activity, its supporting applications (the page proposes them)."""
    activities = activities_of(organisation_id)
    form.processing_ids.choices = [(a.id, f"{a.reference} · {a.name}") for a in activities]
    form.application_ids.choices = [
        (a.id, a.name) for a in applications_of(organisation_id, activities)
    ]
    return {a.id: list(a.applications) for a in activities}


def url_if_mounted(endpoint: str, **values) -> str | None:
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def template_helpers():
    return {
        "allowed_on": allowed_on,
        "format_date": format_date,
        "url_if_mounted": url_if_mounted,
        "RightKind": RightKind,
        "RightsStatus": RightsStatus,
        "RefusalGround": RefusalGround,
        "today": today_in_paris(),
    }
