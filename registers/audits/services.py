"""Writes to the audits register: programmes, audits and their findings (a nonconformity opens
a corrective action of the incidents register's log, in the same transaction), management
reviews (marking one held freezes the figures it presented) and the actions they decide (each a
roadmap or a corrective action). Each function flushes and audits, never commits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance import audit, numbering
from compliance.db import check_version, utcnow
from compliance.permissions import Action, Register
from compliance.services import FieldErrors
from compliance.tenancy import (
    Organisation,
    organisation_for,
    refuse_organisation_change,
    visible_reference,
    visible_references,
)
from registers.audits import review as review_inputs
from registers.audits.models import (
    Audit,
    AuditProgramme,
    AuditStatus,
    DecidedAction,
    DecidedKind,
    Finding,
    FindingKind,
    ManagementReview,
    ReviewStatus,
)
from registers.audits.schemas import (
    AuditCreate,
    AuditUpdate,
    CorrectiveActionPlan,
    DecidedActionCreate,
    FindingCreate,
    FindingUpdate,
    ProgrammeCreate,
    ProgrammeUpdate,
    ReviewCreate,
    ReviewUpdate,
)
from registers.incidents import corrective_actions
from registers.incidents.common import checked, today
from registers.incidents.models import ActionSource, Grade
from registers.roadmap import services as roadmap_services
from registers.roadmap.models import Roadmap
from registers.roadmap.schemas import RoadmapActionFields, Theme

GRADES = {FindingKind.MAJOR: Grade.MAJOR, FindingKind.MINOR: Grade.MINOR}

# The moves of an audit's lifecycle.
TRANSITIONS: dict[AuditStatus, tuple[AuditStatus, ...]] = {
    AuditStatus.PLANNED: (AuditStatus.IN_PROGRESS,),
    AuditStatus.IN_PROGRESS: (AuditStatus.REPORTED,),
    AuditStatus.REPORTED: (AuditStatus.CLOSED, AuditStatus.IN_PROGRESS),
    AuditStatus.CLOSED: (),
}


def _create(session: Session, record, summary: str, *, actor, extra=None) -> None:
    session.add(record)
    audit.record(
        session, action="create", actor=actor, target=record, summary=summary, changes=extra
    )


def _update(session: Session, record, summary: str, *, actor, action="update") -> None:
    audit.describe(session, record, action=action, actor=actor, summary=summary)


def _next_reference(session: Session, model, prefix: str, year: int) -> tuple[str, int]:
    number = numbering.draw(
        session,
        prefix,
        year=year,
        floor=lambda: session.scalar(
            sa.select(sa.func.max(model.reference_number)).where(model.reference_year == year)
        ),
    )
    return f"{prefix}-{year}-{number:03d}", number


# --- programmes -------------------------------------------------------------------------------


def _check_programme_year(session, organisation_id: int, year: int, exclude_id=None) -> None:
    statement = sa.select(AuditProgramme.id).where(
        AuditProgramme.organisation_id == organisation_id, AuditProgramme.year == year
    )
    if exclude_id is not None:
        statement = statement.where(AuditProgramme.id != exclude_id)
    if session.scalar(statement) is not None:
        raise FieldErrors({"year": _("un programme d'audit existe déjà pour cette année")})


def create_programme(
    session: Session, values: ProgrammeCreate | Mapping[str, Any], *, actor
) -> AuditProgramme:
    cleaned = checked(ProgrammeCreate, values).model_dump(exclude_unset=True)
    organisation_for(
        session, cleaned["organisation_id"], Register.AUDITS, Action.CREATE, user=actor
    )
    _check_programme_year(session, cleaned["organisation_id"], cleaned["year"])
    programme = AuditProgramme(**cleaned)
    _create(session, programme, f"Audit programme {programme.year}", actor=actor)
    session.flush()
    return programme


def update_programme(
    session: Session, programme: AuditProgramme, changes, *, actor, version=None
) -> AuditProgramme:
    check_version(programme, version)
    cleaned = checked(ProgrammeUpdate, changes).model_dump(exclude_unset=True)
    refuse_organisation_change(programme, cleaned)
    if "year" in cleaned:
        _check_programme_year(
            session, programme.organisation_id, cleaned["year"], exclude_id=programme.id
        )
    for key, value in cleaned.items():
        setattr(programme, key, value)
    _update(session, programme, f"Audit programme {programme.year}", actor=actor)
    session.flush()
    return programme


# --- audits -----------------------------------------------------------------------------------


def _check_dates(audit_record) -> None:
    errors = {}
    if audit_record.planned_end < audit_record.planned_start:
        errors["planned_end"] = _("ne peut pas précéder la date de début")
    if (
        audit_record.actual_start is not None
        and audit_record.actual_end is not None
        and audit_record.actual_end < audit_record.actual_start
    ):
        errors["actual_end"] = _("ne peut pas précéder la date de début")
    if audit_record.actual_end is not None and audit_record.actual_start is None:
        errors["actual_start"] = _("obligatoire quand l'audit a une date de fin réelle")
    for name in ("actual_start", "actual_end"):
        value = getattr(audit_record, name)
        if value is not None and value > today():
            errors[name] = _("ne peut pas être dans le futur")
    if errors:
        raise FieldErrors(errors)


def _audited(session, ids, *, actor, keep=()) -> list[Organisation]:
    return visible_references(
        session,
        Organisation,
        ids,
        Register.AUDITS,
        user=actor,
        field="organisation_ids",
        keep=keep,
    )


def create_audit(session: Session, values: AuditCreate | Mapping[str, Any], *, actor) -> Audit:
    cleaned = checked(AuditCreate, values).model_dump(exclude_unset=True)
    programme = visible_reference(
        session,
        AuditProgramme,
        cleaned.pop("programme_id"),
        Register.AUDITS,
        Action.CREATE,
        user=actor,
        field="programme_id",
    )
    audited = _audited(session, cleaned.pop("organisation_ids", []), actor=actor)
    year = programme.year
    reference, number = _next_reference(session, Audit, "AUD", year)
    record = Audit(
        reference=reference,
        reference_year=year,
        reference_number=number,
        programme=programme,
        organisation_id=programme.organisation_id,
        **cleaned,
    )
    record.audited_organisations = audited
    _check_dates(record)
    _create(
        session,
        record,
        f"Internal audit {reference}: {record.title}",
        actor=actor,
        extra={"organisation_ids": [o.id for o in audited]},
    )
    session.flush()
    return record


def update_audit(session: Session, record: Audit, changes, *, actor, version=None) -> Audit:
    check_version(record, version)
    cleaned = checked(AuditUpdate, changes).model_dump(exclude_unset=True)
    if "programme_id" in cleaned and cleaned.pop("programme_id") != record.programme_id:
        raise FieldErrors({"programme_id": _("un audit ne change pas de programme")})
    if "organisation_ids" in cleaned:
        record.audited_organisations = _audited(
            session, cleaned.pop("organisation_ids"), actor=actor, keep=record.audited_organisations
        )
    for key, value in cleaned.items():
        setattr(record, key, value)
    _check_dates(record)
    _update(session, record, f"Internal audit {record.reference}: {record.title}", actor=actor)
    session.flush()
    return record


def transition_audit(
    session: Session, record: Audit, target: AuditStatus | str, *, actor, version=None
) -> Audit:
    """Move the audit on: started (actual start set to today if empty), reported (its actual
    end and conclusion are needed), closed (every nonconformity has its corrective action)."""
    check_version(record, version)
    try:
        target = AuditStatus(target)
    except ValueError:
        raise FieldErrors({"status": _("valeur inconnue")}) from None
    if target not in TRANSITIONS[record.status]:
        raise FieldErrors(
            {
                "status": _(
                    "Passage impossible de « %(current)s » à « %(target)s ».",
                    current=record.status.label,
                    target=target.label,
                )
            }
        )
    if target == AuditStatus.IN_PROGRESS and record.actual_start is None:
        record.actual_start = today()
    if target == AuditStatus.REPORTED:
        errors = {}
        if record.actual_end is None:
            errors["actual_end"] = _("obligatoire pour remettre le rapport")
        if not (record.conclusion or "").strip():
            errors["conclusion"] = _("obligatoire pour remettre le rapport")
        if errors:
            raise FieldErrors(errors)
    if target == AuditStatus.CLOSED:
        missing = record.open_nonconformities
        if missing:
            raise FieldErrors(
                {
                    "status": _(
                        "L'audit ne peut être clos : non-conformité sans action corrective "
                        "(%(findings)s).",
                        findings=", ".join(finding.reference for finding in missing),
                    )
                }
            )
        record.closed_at = utcnow()
    else:
        record.closed_at = None
    record.status = target
    _update(session, record, f"Internal audit {record.reference}", actor=actor, action="transition")
    session.flush()
    return record


# --- findings ---------------------------------------------------------------------------------


def _check_plan(plan: dict) -> None:
    errors = {
        name: _("obligatoire pour une non-conformité (action corrective)")
        for name in ("action", "owner", "due_on")
        if not plan.get(name)
    }
    if errors:
        raise FieldErrors(errors)


def _open_action(session, finding: Finding, plan: dict, *, actor):
    """The corrective action of a nonconformity, opened in the audit's organisation."""
    _check_plan(plan)
    record = finding.audit
    action = corrective_actions.create_action(
        session,
        {
            "source": ActionSource.INTERNAL_AUDIT,
            "source_reference": finding.reference,
            "organisation_id": record.organisation_id,
            "title": f"{finding.reference} {finding.kind.label}"[:200],
            "nonconformity": finding.description,
            "requirement": finding.clause,
            "grade": GRADES[finding.kind],
            "action": plan["action"],
            "owner": plan["owner"],
            "due_on": plan["due_on"],
        },
        actor=actor,
    )
    session.flush()
    finding.corrective_action_id = action.id
    finding.corrective_action = action
    return action


def add_finding(
    session: Session, record: Audit, values: FindingCreate | Mapping[str, Any], *, actor
) -> Finding:
    """A finding of the audit; a nonconformity opens its corrective action at once."""
    if record.status == AuditStatus.CLOSED:
        raise FieldErrors({"kind": _("l'audit est clos")})
    cleaned = checked(FindingCreate, values).model_dump(exclude_unset=True)
    plan = {name: cleaned.pop(name, None) for name in CorrectiveActionPlan.model_fields}
    if cleaned["kind"].is_nonconformity:
        _check_plan(plan)
    number = (
        session.scalar(sa.select(sa.func.max(Finding.number)).where(Finding.audit_id == record.id))
        or 0
    ) + 1
    finding = Finding(audit=record, audit_id=record.id, number=number, **cleaned)
    _create(session, finding, f"Audit finding {finding.reference}", actor=actor)
    session.flush()
    if finding.kind.is_nonconformity:
        _open_action(session, finding, plan, actor=actor)
    session.flush()
    return finding


def _regrade_action(session, finding: Finding, kind: FindingKind, *, actor) -> None:
    """A nonconformity whose corrective action is opened stays a nonconformity; from major to
    minor (or back), its action's grade (and the title it was given) follows."""
    action = finding.corrective_action
    if not kind.is_nonconformity:
        raise FieldErrors(
            {
                "kind": _(
                    "cette non-conformité a son action corrective (%(reference)s) : elle reste "
                    "une non-conformité",
                    reference=action.reference,
                )
            }
        )
    changes: dict[str, Any] = {"grade": GRADES[kind]}
    if action.title == f"{finding.reference} {finding.kind.label}"[:200]:
        changes["title"] = f"{finding.reference} {kind.label}"[:200]
    corrective_actions.update_action(session, action, changes, actor=actor)


def update_finding(session: Session, finding: Finding, changes, *, actor, version=None) -> Finding:
    check_version(finding, version)
    if finding.audit.status == AuditStatus.CLOSED:
        raise FieldErrors({"kind": _("l'audit est clos")})
    cleaned = checked(FindingUpdate, changes).model_dump(exclude_unset=True)
    kind = cleaned.get("kind", finding.kind)
    if kind != finding.kind and finding.corrective_action is not None:
        _regrade_action(session, finding, kind, actor=actor)
    for key, value in cleaned.items():
        setattr(finding, key, value)
    _update(session, finding, f"Audit finding {finding.reference}", actor=actor)
    session.flush()
    return finding


def open_corrective_action(
    session: Session, finding: Finding, plan: CorrectiveActionPlan | Mapping[str, Any], *, actor
):
    """The corrective action of a nonconformity that has none yet."""
    if not finding.kind.is_nonconformity:
        raise FieldErrors({"kind": _("seule une non-conformité ouvre une action corrective")})
    if finding.corrective_action_id is not None:
        raise FieldErrors({"action": _("cette non-conformité a déjà son action corrective")})
    values = checked(CorrectiveActionPlan, plan).model_dump()
    action = _open_action(session, finding, values, actor=actor)
    _update(session, finding, f"Audit finding {finding.reference}", actor=actor)
    session.flush()
    return action


# --- management reviews -----------------------------------------------------------------------


def _check_period(review: ManagementReview) -> None:
    if review.period_end < review.period_start:
        raise FieldErrors({"period_end": _("ne peut pas précéder la date de début")})


def create_review(
    session: Session, values: ReviewCreate | Mapping[str, Any], *, actor
) -> ManagementReview:
    cleaned = checked(ReviewCreate, values).model_dump(exclude_unset=True)
    organisation_for(
        session, cleaned["organisation_id"], Register.AUDITS, Action.CREATE, user=actor
    )
    year = cleaned["period_end"].year
    reference, number = _next_reference(session, ManagementReview, "RD", year)
    review = ManagementReview(
        reference=reference, reference_year=year, reference_number=number, **cleaned
    )
    _check_period(review)
    _create(session, review, f"Management review {reference}", actor=actor)
    session.flush()
    return review


def update_review(
    session: Session, review: ManagementReview, changes, *, actor, version=None
) -> ManagementReview:
    """The review's fields; the period of a review held is the one its figures were computed
    for, and stays."""
    check_version(review, version)
    cleaned = checked(ReviewUpdate, changes).model_dump(exclude_unset=True)
    refuse_organisation_change(review, cleaned)
    if review.is_held:
        for name in ("period_start", "period_end"):
            if name in cleaned and cleaned[name] != getattr(review, name):
                raise FieldErrors({name: _("la revue est tenue : sa période ne change plus")})
    for key, value in cleaned.items():
        setattr(review, key, value)
    _check_period(review)
    _update(session, review, f"Management review {review.reference}", actor=actor)
    session.flush()
    return review


def mark_held(
    session: Session, review: ManagementReview, *, actor, version=None
) -> ManagementReview:
    """The review was held: its date and chair are needed, and the figures it presented are
    frozen (computed now over its period, with those of the previous period)."""
    check_version(review, version)
    if review.is_held:
        raise FieldErrors({"status": _("la revue est déjà tenue")})
    errors = {}
    if review.held_on is None:
        errors["held_on"] = _("obligatoire pour marquer la revue tenue")
    elif review.held_on > today():
        errors["held_on"] = _("ne peut pas être dans le futur")
    if not (review.chair or "").strip():
        errors["chair"] = _("obligatoire pour marquer la revue tenue")
    if errors:
        raise FieldErrors(errors)
    # The frozen labels are the register's (French), whatever the language of who marks it.
    with force_locale("fr"):
        review.snapshot = review_inputs.snapshot(session, review)
    review.status = ReviewStatus.HELD
    review.held_at = utcnow()
    _update(session, review, f"Management review {review.reference}", actor=actor, action="held")
    session.flush()
    return review


def _current_roadmap(session, organisation_id: int) -> Roadmap | None:
    return session.scalar(
        sa.select(Roadmap)
        .where(Roadmap.organisation_id == organisation_id, Roadmap.archived_at.is_(None))
        .order_by(Roadmap.end_on.desc(), Roadmap.id.desc())
        .limit(1)
    )


def decide_action(
    session: Session,
    review: ManagementReview,
    values: DecidedActionCreate | Mapping[str, Any],
    *,
    actor,
) -> DecidedAction:
    """An action the review decides, created at once in the register it belongs to: a roadmap
    action (of `roadmap_id`, or the organisation's current roadmap) or a corrective action
    (source: management review), linked to the review."""
    cleaned = checked(DecidedActionCreate, values).model_dump(exclude_unset=True)
    roadmap_id = cleaned.pop("roadmap_id", None)
    decided = DecidedAction(review_id=review.id, **cleaned)
    if decided.kind == DecidedKind.ROADMAP:
        if roadmap_id is not None:
            roadmap = visible_reference(
                session,
                Roadmap,
                roadmap_id,
                Register.ROADMAP,
                Action.CREATE,
                user=actor,
                field="roadmap_id",
            )
            if roadmap.organisation_id != review.organisation_id:
                raise FieldErrors(
                    {
                        "roadmap_id": _(
                            "la feuille de route doit être celle de l'organisation de la revue"
                        )
                    }
                )
        else:
            roadmap = _current_roadmap(session, review.organisation_id)
        if roadmap is None:
            raise FieldErrors(
                {"roadmap_id": _("aucune feuille de route en cours pour cette organisation")}
            )
        start = min(today(), decided.due_on)
        fields = RoadmapActionFields.model_validate(
            {
                "title": decided.title,
                "description": f"{decided.description}\n\n({review.reference})",
                "theme": Theme.FURTHER,
                "owner": decided.owner,
                "start_on": start,
                "target_on": decided.due_on,
            }
        )
        decided.roadmap_action = roadmap_services.create_action(
            session, roadmap, fields, actor=actor
        )
    else:
        decided.corrective_action = corrective_actions.create_action(
            session,
            {
                "source": ActionSource.MANAGEMENT_REVIEW,
                "source_reference": review.reference,
                "organisation_id": review.organisation_id,
                "title": decided.title,
                "nonconformity": decided.description,
                "grade": Grade.OBSERVATION,
                "action": decided.description,
                "owner": decided.owner,
                "due_on": decided.due_on,
            },
            actor=actor,
        )
    _create(session, decided, f"Management review {review.reference}: {decided.title}", actor=actor)
    session.flush()
    session.expire(review, ["actions"])
    return decided
