"""The reads the audits register's pages and API share: the kernel's scope() plus the filters."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from compliance.access import scope
from compliance.permissions import Action, Register
from registers.audits.models import (
    Audit,
    AuditProgramme,
    DecidedAction,
    Finding,
    ManagementReview,
)
from registers.audits.schemas import AuditFilters, ReviewFilters

REGISTER = Register.AUDITS

AUDIT_OPTIONS = (
    selectinload(Audit.organisation),
    selectinload(Audit.audited_organisations),
    selectinload(Audit.findings).selectinload(Finding.corrective_action),
)
REVIEW_OPTIONS = (
    selectinload(ManagementReview.organisation),
    selectinload(ManagementReview.actions).selectinload(DecidedAction.roadmap_action),
    selectinload(ManagementReview.actions).selectinload(DecidedAction.corrective_action),
)


def _user(user):
    return current_user if user is None else user


def visible_programmes(user=None, *, action=Action.READ, selected=True) -> sa.Select:
    statement = sa.select(AuditProgramme).options(selectinload(AuditProgramme.organisation))
    statement = scope(statement, action, user=_user(user), selected=selected)
    return statement.order_by(AuditProgramme.year.desc(), AuditProgramme.id)


def visible_audits(
    user=None, filters: AuditFilters | None = None, *, action=Action.READ, selected=True
) -> sa.Select:
    filters = filters or AuditFilters()
    statement = sa.select(Audit).options(*AUDIT_OPTIONS)
    statement = scope(statement, action, user=_user(user), selected=selected)
    if filters.year is not None:
        statement = statement.where(Audit.reference_year == filters.year)
    for name in ("status", "organisation_id"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(Audit, name) == value)
    return statement.order_by(Audit.planned_start, Audit.id)


def visible_reviews(
    user=None, filters: ReviewFilters | None = None, *, action=Action.READ, selected=True
) -> sa.Select:
    filters = filters or ReviewFilters()
    statement = sa.select(ManagementReview).options(*REVIEW_OPTIONS)
    statement = scope(statement, action, user=_user(user), selected=selected)
    for name in ("status", "organisation_id"):
        value = getattr(filters, name)
        if value is not None:
            statement = statement.where(getattr(ManagementReview, name) == value)
    return statement.order_by(ManagementReview.period_end.desc(), ManagementReview.id.desc())
