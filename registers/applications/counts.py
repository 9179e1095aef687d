"""Counts shown next to the rows of a list page, each in one grouped query for the whole page."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_login import current_user

from compliance.db import get_session
from compliance.tenancy import scope
from registers.applications.models import Application, Deployment
from registers.applications.queries import REGISTER, visible_application_ids


def deployment_counts(application_ids: Iterable[int], user=None) -> dict[int, int]:
    """Current deployments per application, among the organisations the user may read."""
    ids = list(application_ids)
    if not ids:
        return {}
    statement = (
        sa.select(Deployment.application_id, sa.func.count())
        .where(Deployment.application_id.in_(ids), Deployment.archived_at.is_(None))
        .group_by(Deployment.application_id)
    )
    statement = scope(statement, Deployment.organisation_id, REGISTER, user=user or current_user)
    return dict(get_session().execute(statement).all())


def application_counts(vendor_ids: Iterable[int], user=None) -> dict[int, int]:
    """Visible, not archived applications per vendor."""
    ids = list(vendor_ids)
    if not ids:
        return {}
    statement = (
        sa.select(Application.vendor_id, sa.func.count())
        .where(Application.vendor_id.in_(ids), Application.archived_at.is_(None))
        .group_by(Application.vendor_id)
    )
    visible = visible_application_ids(user or current_user)
    if visible is not None:
        statement = statement.where(Application.id.in_(visible))
    return dict(get_session().execute(statement).all())
