"""Writes of the annual report: awareness sessions (create, edit, archive, restore) and the
DPO's recommendations. Each function flushes and audits, never commits, and trusts its caller
to have checked the permission."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance import audit, numbering
from compliance.db import ConflictError, check_version, utcnow
from compliance.permissions import Action, Register
from compliance.tenancy import Organisation, visible_reference
from registers.annual.models import AwarenessSession, DpoRecommendation
from registers.annual.schemas import (
    AwarenessSessionCreate,
    AwarenessSessionUpdate,
    RecommendationWrite,
)


def _session_summary(record: AwarenessSession) -> str:
    return f"Awareness session {record.held_on.isoformat()} {record.topic}"


def create_session(session: Session, values: AwarenessSessionCreate, *, actor) -> AwarenessSession:
    visible_reference(
        session,
        Organisation,
        values.organisation_id,
        Register.ANNUAL,
        Action.CREATE,
        user=actor,
        field="organisation_id",
    )
    record = AwarenessSession(**values.model_dump(exclude_none=True))
    session.add(record)
    audit.record(
        session, action="create", actor=actor, target=record, summary=_session_summary(record)
    )
    return record


def update_session(
    session: Session,
    record: AwarenessSession,
    changes: AwarenessSessionUpdate,
    *,
    actor,
    version=None,
) -> AwarenessSession:
    """Partial update: only the fields set in `changes` change (never the organisation)."""
    check_version(record, version)
    cleaned = changes.model_dump(exclude_unset=True)
    for key, value in cleaned.items():
        setattr(record, key, value)
    audit.describe(session, record, actor=actor, summary=_session_summary(record))
    return record


def set_session_archived(
    session: Session, record: AwarenessSession, archived: bool, *, actor, version=None
) -> AwarenessSession:
    """Archive (the page's "delete": nothing is lost) or restore a session."""
    check_version(record, version)
    if record.is_archived == archived:
        return record
    record.archived_at = utcnow() if archived else None
    audit.record(
        session,
        action="archive" if archived else "restore",
        actor=actor,
        target=record,
        summary=_session_summary(record),
    )
    return record


# --- recommendations ---------------------------------------------------------------------------

# The version a page shows for a recommendation not written yet: saving it once another one
# was written meanwhile is a conflict, not an overwrite.
NEW = 0


def find_recommendation(
    session: Session, organisation_id: int, year: int, *, service_wide: bool = False
) -> DpoRecommendation | None:
    return session.scalar(
        sa.select(DpoRecommendation).where(
            DpoRecommendation.organisation_id == organisation_id,
            DpoRecommendation.year == year,
            DpoRecommendation.service_wide.is_(service_wide),
        )
    )


def save_recommendation(
    session: Session,
    organisation: Organisation,
    year: int,
    values: RecommendationWrite,
    *,
    service_wide: bool = False,
    actor,
    version: int | None = None,
) -> DpoRecommendation:
    """Write the recommendations of `organisation` (or, `service_wide`, of the whole service,
    kept in the host organisation) for `year`: created the first time, then updated under the
    version lock. `version` NEW says the writer saw none: one written meanwhile is a
    ConflictError."""
    # Two first writes of the same year queue here; the second then finds the first.
    numbering.lock_series(
        session, "dpo_recommendation", key=organisation.id, year=year * 2 + int(service_wide)
    )
    record = find_recommendation(session, organisation.id, year, service_wide=service_wide)
    if record is None:
        record = DpoRecommendation(
            organisation_id=organisation.id,
            year=year,
            service_wide=service_wide,
            text=values.text,
        )
        session.add(record)
        audit.record(
            session,
            action="create",
            actor=actor,
            target=record,
            summary=_recommendation_summary(organisation, year, service_wide),
        )
        return record
    if version == NEW:
        raise ConflictError(record)
    check_version(record, version)
    record.text = values.text
    audit.describe(
        session,
        record,
        actor=actor,
        summary=_recommendation_summary(organisation, year, service_wide),
    )
    return record


def _recommendation_summary(organisation: Organisation, year: int, service_wide: bool) -> str:
    whom = "the whole service" if service_wide else organisation.slug
    return f"DPO recommendations {year} for {whom}"
