"""Writes to the DPIA register: start a DPIA from a processing activity (its context proposed
from the register and the map), write its parts and risks (the measures: measures.py), and
move it through its statuses (draft → to_review → validated → to_revise), keeping a version
at each validation and the activity's DPIA summary in step.

Each function flushes and audits, never commits. Referents of the organisation contribute to
the context and the measures (EDIT); the principles, the risks and the validation are the
DPO's (VALIDATE). A system actor (a string: the demo, the hook) is trusted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlmodel import select

from compliance import audit, numbering
from compliance.auth import can
from compliance.db import check_version, utcnow
from compliance.i18n import PARIS
from compliance.permissions import Action, Register
from compliance.schemas import FieldErrors
from compliance.services import PermissionDenied, ServiceError
from registers.applications.models import Interface
from registers.dpia import compute, gates, proposal
from registers.dpia.models import Dpia, DpiaAdoption, DpiaMeasure, DpiaRisk, DpiaVersion
from registers.dpia.schemas import (
    DpiaStatus,
    DpiaUpdate,
    MeasureState,
    Principle,
    PrincipleAnswer,
    RiskKind,
    RiskUpdate,
)
from registers.dpia.snapshot import digest, dpia_content
from registers.processing.models import ProcessingActivity
from registers.processing.reference import DpiaStatus as ActivityDpiaStatus
from registers.processing.services import refresh_summary

__all__ = ["FieldErrors", "PermissionDenied", "ServiceError", "WorkflowError"]

REGISTER = Register.DPIA
# Without a date from the DPO, a validated DPIA is reviewed three years later (the CNIL's
# recommendation, WP248 rev.01 III.C).
DEFAULT_REVIEW_PERIOD = timedelta(days=3 * 365)
# Part 1: what the referents of the organisation contribute, besides the measures.
CONTEXT_FIELDS = frozenset(
    {
        "title",
        "overview",
        "purposes",
        "controller",
        "processors",
        "applications",
        "data_lifecycle",
        "supporting_assets",
        "standards",
    }
)
EDITABLE = (DpiaStatus.DRAFT, DpiaStatus.TO_REVIEW, DpiaStatus.TO_REVISE)


class WorkflowError(ServiceError):
    """The operation does not apply to the DPIA in its current status."""


def paris_today() -> date:
    """Today in Paris, the day a person acts on."""
    return datetime.now(PARIS).date()


def _is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False) is True


def require(session: Session, actor, action: Action, organisation_id: int) -> None:
    if _is_user(actor) and not can(REGISTER, action, organisation_id, user=actor, session=session):
        raise PermissionDenied(
            _("Action « %(action)s » non autorisée ici sur les AIPD.", action=action.value)
        )


def summary_of(dpia: Dpia) -> str:
    return f"DPIA {dpia.reference} {dpia.title}"


def expect_status(dpia: Dpia, *allowed: DpiaStatus) -> None:
    if dpia.status not in allowed:
        raise WorkflowError(
            _("impossible pour une AIPD au statut « %(status)s »", status=dpia.status.label)
        )


def touch(dpia: Dpia) -> None:
    """Child rows live in their own tables: touch the row so that its version moves too."""
    dpia.updated_at = utcnow()


# --- starting -----------------------------------------------------------------------------------


def next_reference(session: Session, organisation_id: int) -> str:
    """The first free reference AIPD-001, AIPD-002, … of the organisation."""
    numbering.lock_series(session, "dpia", key=organisation_id)
    taken = set(
        session.scalars(select(Dpia.reference).where(Dpia.organisation_id == organisation_id))
    )
    number = len(taken) + 1
    while f"AIPD-{number:03d}" in taken:
        number += 1
    return f"AIPD-{number:03d}"


def map_interfaces(session: Session, activity: ProcessingActivity) -> list[Interface]:
    ids = [application.id for application in activity.applications]
    if not ids:
        return []
    return list(
        session.scalars(
            select(Interface)
            .where(
                Interface.archived_at.is_(None),
                sa.or_(
                    Interface.source_application_id.in_(ids),
                    Interface.target_application_id.in_(ids),
                ),
            )
            .order_by(Interface.id)
        )
    )


def open_dpia(session: Session, activity: ProcessingActivity) -> Dpia | None:
    """The activity's DPIA (the latest one), if any."""
    return session.scalar(
        select(Dpia).where(Dpia.processing_id == activity.id).order_by(Dpia.id.desc()).limit(1)
    )


def start_dpia(session: Session, activity: ProcessingActivity, *, actor) -> Dpia:
    """A new draft DPIA of `activity`: its context and principles proposed from the register
    and the map, its three risks to estimate and its existing measures from the register."""
    require(session, actor, Action.CREATE, activity.organisation_id)
    if activity.is_archived:
        raise WorkflowError(_("une fiche archivée ne reçoit pas de nouvelle AIPD"))
    if open_dpia(session, activity) is not None:
        raise WorkflowError(_("ce traitement a déjà une AIPD : révisez-la"))
    values = proposal.context(activity, map_interfaces(session, activity))
    dpia = Dpia(
        organisation_id=activity.organisation_id,
        processing_id=activity.id,
        reference=next_reference(session, activity.organisation_id),
        principles=proposal.principles(activity),
        **values,
    )
    dpia.processing = activity
    dpia.risks = [DpiaRisk(kind=kind) for kind in RiskKind]
    dpia.measures = [
        DpiaMeasure(
            title=str(measure.family.label)[:200],
            description=measure.details,
            state=MeasureState.EXISTING,
        )
        for measure in activity.security_measures
    ]
    session.add(dpia)
    audit.record(session, action="create", actor=actor, target=dpia, summary=summary_of(dpia))
    _sync_activity(session, activity, dpia)
    return dpia


# --- writing the parts -----------------------------------------------------------------------


def update_dpia(
    session: Session, dpia: Dpia, changes: DpiaUpdate, *, actor, version: int | None = None
) -> Dpia:
    """Partial update of parts 1 and 4; the context is open to the organisation's referents,
    the rest to the DPO."""
    cleaned = changes.model_dump(exclude_unset=True)
    needs = Action.EDIT if set(cleaned) <= CONTEXT_FIELDS else Action.VALIDATE
    require(session, actor, needs, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, *EDITABLE)
    after = {name: cleaned.get(name, getattr(dpia, name)) for name in gates.DATE_ORDER_FIELDS}
    errors = gates.date_errors(after)
    if errors:
        raise FieldErrors(errors)
    for name, value in cleaned.items():
        setattr(dpia, name, value)
    if session.is_modified(dpia, include_collections=False):
        audit.record(session, action="update", actor=actor, target=dpia, summary=summary_of(dpia))
    return dpia


def update_principles(
    session: Session,
    dpia: Dpia,
    answers: dict[str, PrincipleAnswer],
    *,
    actor,
    version: int | None = None,
) -> Dpia:
    """Part 2: each point's justification and judgement (`answers` by Principle code)."""
    require(session, actor, Action.VALIDATE, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, *EDITABLE)
    stored = dict(dpia.principles or {})
    for code, answer in answers.items():
        principle = Principle(code)
        value = answer.model_dump()
        value["judgement"] = value["judgement"].value if value["judgement"] else None
        stored[principle.value] = value
    if stored != (dpia.principles or {}):
        dpia.principles = stored
        audit.record(session, action="update", actor=actor, target=dpia, summary=summary_of(dpia))
    return dpia


def update_risk(
    session: Session,
    dpia: Dpia,
    kind: RiskKind,
    changes: RiskUpdate,
    *,
    actor,
    version: int | None = None,
) -> DpiaRisk:
    """Part 3: one risk's sources, threats, impacts and levels before and after measures."""
    require(session, actor, Action.VALIDATE, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, *EDITABLE)
    risk = dpia.risk(RiskKind(kind))
    if risk is None:
        risk = DpiaRisk(kind=RiskKind(kind))
        dpia.risks.append(risk)
    for name, value in changes.model_dump(exclude_unset=True).items():
        setattr(risk, name, value)
    if session.is_modified(risk) or risk.id is None:
        touch(dpia)
        audit.record(
            session,
            action="update",
            actor=actor,
            target=dpia,
            summary=summary_of(dpia),
            changes={f"risk_{risk.kind.value}": {"before": None, "after": _risk_dict(risk)}},
        )
    return risk


def _risk_dict(risk: DpiaRisk) -> dict:
    return {
        name: getattr(getattr(risk, name), "value", getattr(risk, name))
        for name in ("severity", "likelihood", "residual_severity", "residual_likelihood")
    }


# --- statuses -----------------------------------------------------------------------------------


def _transition(session, dpia: Dpia, status: DpiaStatus, *, actor, action: str, **extra) -> Dpia:
    dpia.status = status
    for key, value in extra.items():
        setattr(dpia, key, value)
    audit.record(session, action=action, actor=actor, target=dpia, summary=summary_of(dpia))
    return dpia


def submit_dpia(session: Session, dpia: Dpia, *, actor, version: int | None = None) -> Dpia:
    """Hand the DPIA to the DPO for review."""
    require(session, actor, Action.EDIT, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, DpiaStatus.DRAFT, DpiaStatus.TO_REVISE)
    return _transition(
        session, dpia, DpiaStatus.TO_REVIEW, actor=actor, action="submit", submitted_at=utcnow()
    )


def send_back_dpia(session: Session, dpia: Dpia, *, actor, version: int | None = None) -> Dpia:
    require(session, actor, Action.VALIDATE, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, DpiaStatus.TO_REVIEW)
    return _transition(session, dpia, DpiaStatus.DRAFT, actor=actor, action="send_back")


def _sync_activity(session: Session, activity: ProcessingActivity, dpia: Dpia | None) -> None:
    """The activity's DPIA summary (status, date, conclusion, opinion, review) as the DPIA
    stands, and its stored warnings with it."""
    if dpia is not None and dpia.is_validated:
        activity.dpia_status = ActivityDpiaStatus.COMPLETED
        activity.dpia_done_on = dpia.validated_at.date() if dpia.validated_at else paris_today()
        activity.dpia_conclusion = dpia.controller_decision
        activity.dpia_dpo_opinion = dpia.dpo_opinion
        activity.dpia_next_review_on = dpia.next_review_on
    else:
        activity.dpia_status = ActivityDpiaStatus.IN_PROGRESS
    refresh_summary(activity, activity.organisation)


def _applying(session: Session, dpia: Dpia) -> list[ProcessingActivity]:
    """The activity the DPIA assesses and, for a shared DPIA, the member copies that adopted
    it (each keeps its own validation)."""
    adopted = [adoption.processing for adoption in dpia.adoptions]
    return [dpia.processing, *adopted]


def validate_dpia(
    session: Session,
    dpia: Dpia,
    *,
    actor,
    version: int | None = None,
    today: date | None = None,
) -> Dpia:
    """The DPO validates the DPIA: every part given (gates.validation_errors), the prior
    consultation of the CNIL recorded when a high residual risk remains (Art. 36). A version is
    kept, and the activity's DPIA summary follows."""
    require(session, actor, Action.VALIDATE, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, *EDITABLE)
    today = today or paris_today()
    errors = gates.validation_errors(dpia, today=today)
    if errors:
        raise FieldErrors(errors)
    _transition(
        session,
        dpia,
        DpiaStatus.VALIDATED,
        actor=actor,
        action="validate",
        validated_at=utcnow(),
        validated_by_id=getattr(actor, "id", None) if _is_user(actor) else None,
        next_review_on=dpia.next_review_on or today + DEFAULT_REVIEW_PERIOD,
        revision_reason=None,
    )
    _keep_version(session, dpia, actor=actor)
    _sync_activity(session, dpia.processing, dpia)
    return dpia


def _keep_version(session: Session, dpia: Dpia, *, actor) -> DpiaVersion:
    number = 1 + (
        session.scalar(
            select(sa.func.max(DpiaVersion.number)).where(DpiaVersion.dpia_id == dpia.id)
        )
        or 0
    )
    content = dpia_content(dpia)
    kept = DpiaVersion(
        dpia_id=dpia.id,
        number=number,
        validated_at=dpia.validated_at,
        validated_by_id=dpia.validated_by_id,
        validated_by_label=getattr(actor, "email", None) if _is_user(actor) else str(actor),
        digest=digest(content),
        content=content,
    )
    session.add(kept)
    return kept


def revise_dpia(
    session: Session, dpia: Dpia, *, actor, reason: str, version: int | None = None
) -> Dpia:
    """A validated DPIA is to be revised (asked by a person, or by the hook and the review
    date with a system actor); the activity's DPIA is in progress again."""
    if _is_user(actor):
        require(session, actor, Action.EDIT, dpia.organisation_id)
    check_version(dpia, version)
    expect_status(dpia, DpiaStatus.VALIDATED)
    _transition(
        session, dpia, DpiaStatus.TO_REVISE, actor=actor, action="revise", revision_reason=reason
    )
    for activity in _applying(session, dpia):
        _sync_activity(session, activity, dpia)
    return dpia


def adopt_dpia(
    session: Session,
    dpia: Dpia,
    activity: ProcessingActivity,
    *,
    actor,
    decision: str | None = None,
) -> DpiaAdoption:
    """A member validates, for its own activity applying the template, the validated shared
    DPIA of that template (its own validation: the controller is the member)."""
    require(session, actor, Action.VALIDATE, activity.organisation_id)
    if not dpia.is_validated or activity.model_id != dpia.processing_id:
        raise WorkflowError(
            _(
                "seule une AIPD validée d'un traitement type s'adopte, par un traitement qui "
                "l'applique"
            )
        )
    adoption = session.scalar(
        select(DpiaAdoption).where(
            DpiaAdoption.dpia_id == dpia.id, DpiaAdoption.processing_id == activity.id
        )
    )
    number = dpia.versions[0].number if dpia.versions else 1
    if adoption is None:
        adoption = DpiaAdoption(processing_id=activity.id, organisation_id=activity.organisation_id)
        adoption.processing = activity
        dpia.adoptions.append(adoption)
    adoption.version_number = number
    adoption.validated_at = utcnow()
    adoption.validated_by_id = getattr(actor, "id", None) if _is_user(actor) else None
    adoption.decision = decision
    session.flush()
    audit.record(
        session,
        action="adopt",
        actor=actor,
        target=dpia,
        organisation_id=activity.organisation_id,
        summary=f"{summary_of(dpia)} adopted for {activity.reference}",
    )
    _sync_activity(session, activity, dpia)
    return adoption


# --- what happens elsewhere ---------------------------------------------------------------------

SYSTEM = "system: DPIA review"


def activity_changed(session: Session, activity, *, changed: list[str]) -> None:
    """The processing register's hook: a validated DPIA of an activity whose purposes, data
    or applications changed is to be revised; a member's copy that changed after it adopted a
    shared DPIA no longer holds that validation."""
    reason = "Le traitement a changé après la validation : " + ", ".join(changed)
    dpias = session.scalars(
        select(Dpia).where(Dpia.processing_id == activity.id, Dpia.status == DpiaStatus.VALIDATED)
    )
    for dpia in dpias:
        revise_dpia(session, dpia, actor=SYSTEM, reason=reason)
    adoptions = session.scalars(
        select(DpiaAdoption).where(DpiaAdoption.processing_id == activity.id)
    )
    for adoption in adoptions:
        dpia = adoption.dpia
        dpia.adoptions.remove(adoption)
        audit.record(
            session,
            action="unadopt",
            actor=SYSTEM,
            target=dpia,
            organisation_id=activity.organisation_id,
            summary=f"{summary_of(dpia)} no longer adopted for {activity.reference}: {reason}",
        )
        _sync_activity(session, activity, None)


def revise_overdue(session: Session, *, today: date | None = None) -> list[Dpia]:
    """Every validated DPIA whose review date has passed is to be revised."""
    today = today or paris_today()
    overdue = list(
        session.scalars(
            select(Dpia).where(Dpia.status == DpiaStatus.VALIDATED, Dpia.next_review_on < today)
        )
    )
    for dpia in overdue:
        revise_dpia(
            session,
            dpia,
            actor=SYSTEM,
            reason=f"Date de révision dépassée ({dpia.next_review_on:%d/%m/%Y}).",
        )
    return overdue


def residualsummary_of(dpia: Dpia) -> dict:
    return {
        "zone": compute.residual_zone(dpia),
        "prior_consultation_required": compute.prior_consultation_required(dpia),
    }
