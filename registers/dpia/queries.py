"""The reads the DPIA pages and the API share: the kernel's scope plus the list's filters."""

from __future__ import annotations

from sqlalchemy.orm import selectinload
from sqlmodel import select

from compliance.access import scope
from compliance.permissions import Action, Register
from registers.dpia.models import Dpia, DpiaMeasure
from registers.dpia.schemas import DpiaFilters

REGISTER = Register.DPIA
OPTIONS = (
    selectinload(Dpia.risks),
    selectinload(Dpia.measures).selectinload(DpiaMeasure.roadmap_action),
    selectinload(Dpia.processing),
    selectinload(Dpia.organisation),
    selectinload(Dpia.adoptions),
)


def visible_dpias(filters: DpiaFilters | None = None, action: Action = Action.READ):
    """The DPIAs the user sees, by reference then id (the API's keyset order)."""
    filters = filters or DpiaFilters()
    statement = scope(select(Dpia), action).options(*OPTIONS)
    if filters.status:
        statement = statement.where(Dpia.status == filters.status)
    if filters.organisation_id:
        statement = statement.where(Dpia.organisation_id == filters.organisation_id)
    if filters.processing_id:
        statement = statement.where(Dpia.processing_id == filters.processing_id)
    return statement.order_by(Dpia.reference, Dpia.id)


def activity_dpia(session, activity) -> Dpia | None:
    """The DPIA of `activity`, or the shared DPIA of the template it applies, as the user may
    see it."""
    ids = [activity.id] + ([activity.model_id] if activity.model_id else [])
    statement = (
        scope(select(Dpia), selected=False)
        .where(Dpia.processing_id.in_(ids))
        .order_by((Dpia.processing_id == activity.id).desc(), Dpia.id.desc())
        .limit(1)
    )
    return session.scalar(statement.options(*OPTIONS))
