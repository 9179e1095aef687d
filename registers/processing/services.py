"""Writes to the record of processing activities: create and update an activity with its child
rows, and move it through the workflow (draft → submitted → validated, sent back, archived).

Each function flushes and audits, never commits. The workflow rules are enforced here, so the
pages, the API, the CLI and the tests obey the same ones: an actor that is a user must hold the
permission on the activity's organisation (EDIT to write and submit, VALIDATE to validate or
send back); a system actor (a string: the demo, an import run by an administrator) is trusted.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import select

from compliance import audit, numbering
from compliance.auth import can
from compliance.db import check_version, utcnow
from compliance.permissions import Action, Register
from compliance.registry import gate_errors, run_hooks
from compliance.schemas import FieldErrors
from compliance.services import PermissionDenied, ServiceError
from compliance.tenancy import Organisation, visible_reference, visible_references
from registers.applications.models import Application, Vendor

# `tally` registers the flush listener that keeps each organisation's counts.
from registers.processing import compute, gates, tally  # noqa: F401
from registers.processing.models import (
    ProcessingActivity,
    ProcessingDataCategory,
    ProcessingPurpose,
    ProcessingRecipient,
    ProcessingSecurityMeasure,
    ProcessingSpecialCategory,
    ProcessingSubject,
    ProcessingTransfer,
)
from registers.processing.queries import SUMMARY_OPTIONS
from registers.processing.reference import DpiaStatus, ProcessingStatus
from registers.processing.schemas import ROWS, ActivityCreate, ActivityUpdate
from registers.processing.serialise import child_rows

__all__ = ["FieldErrors", "PermissionDenied", "ServiceError", "WorkflowError"]

REGISTER = Register.PROCESSING
# Without a date from the DPO, a validated activity is reviewed again a year later.
DEFAULT_REVIEW_PERIOD = timedelta(days=365)

# Fields that hold a list (never None).
LISTS = tuple(name for name, info in ActivityCreate.model_fields.items() if info.default == [])
CHILD_MODELS = {
    "purposes": ProcessingPurpose,
    "data_categories": ProcessingDataCategory,
    "special_categories": ProcessingSpecialCategory,
    "subjects": ProcessingSubject,
    "recipients": ProcessingRecipient,
    "transfers": ProcessingTransfer,
    "security_measures": ProcessingSecurityMeasure,
}
ORDERED = {"purposes", "data_categories"}
# The hook run when an activity's purposes, data or supporting applications change.
CHANGED_HOOK = "processing_changed"
# The activity's DPIA summary, which a register assessing the DPIA may hold (the gate answers).
DPIA_SUMMARY = frozenset(
    {"dpia_status", "dpia_done_on", "dpia_conclusion", "dpia_dpo_opinion", "dpia_next_review_on"}
)
DPIA_SUMMARY_GATE = "processing_dpia_summary"
CHANGE_HOOKED = frozenset({"purposes", "data_categories", "special_categories", "applications"})


class WorkflowError(ServiceError):
    """The operation does not apply to the activity in its current status."""


def _is_user(actor) -> bool:
    return getattr(actor, "is_authenticated", False) is True


def require(session: Session, actor, action: Action, organisation_id: int) -> None:
    if _is_user(actor) and not can(REGISTER, action, organisation_id, user=actor, session=session):
        raise PermissionDenied(
            _(
                "Action « %(action)s » non autorisée ici sur les traitements.",
                action=action.value,
            )
        )


def may_validate(session: Session, actor, organisation_id: int) -> bool:
    return not _is_user(actor) or can(
        REGISTER, Action.VALIDATE, organisation_id, user=actor, session=session
    )


def _summary(activity: ProcessingActivity) -> str:
    return f"Processing activity {activity.reference} {activity.name}"


# --- checking ---------------------------------------------------------------------------------


def _split(values: ActivityCreate | ActivityUpdate) -> tuple[dict, dict, list | None]:
    """(scalar fields, child collections, application ids or None) of checked values: only
    what was given."""
    given = values.model_dump(exclude_unset=True)
    # A list left blank in an update is an empty one.
    given.update({name: [] for name in LISTS if name in given and given[name] is None})
    children = {name: given.pop(name) for name in ROWS if name in given}
    return given, children, given.pop("application_ids", None)


def check_activity(
    session: Session, values, *, actor, activity=None
) -> tuple[dict, dict, list | None]:
    """The given values, their child rows and links checked against the database: one main
    purpose, vendors and applications the actor sees."""
    cleaned, children, application_ids = _split(values)
    _check_dpia(cleaned, activity)
    _check_purposes(children.get("purposes"))
    _check_references(
        session, children.get("recipients"), application_ids, actor=actor, activity=activity
    )
    return cleaned, children, application_ids


def _check_dpia(cleaned: dict, activity=None) -> None:
    """A DPIA marked completed gives its date, its conclusion and the DPO's opinion
    (Art. 35(2), 35(7)), whether they come with this write or were stored before."""
    fields = ("dpia_status", *gates.DPIA_COMPLETED_NEEDS)
    if not any(name in cleaned for name in fields):
        return
    merged = {
        name: cleaned[name] if name in cleaned else getattr(activity, name, None) for name in fields
    }
    if merged["dpia_status"] is None:
        merged["dpia_status"] = DpiaStatus.NOT_STARTED
    errors = gates.dpia_errors(merged)
    if errors:
        raise FieldErrors(errors)


def _check_purposes(rows: list[dict] | None) -> None:
    if not rows:
        return
    mains = [row for row in rows if row.get("is_main")]
    if len(mains) > 1:
        raise FieldErrors({"purposes": _("une seule finalité peut être la finalité principale")})
    if not mains:
        rows[0]["is_main"] = True
    for row in rows:
        row["is_main"] = bool(row.get("is_main"))


def _check_references(session: Session, recipients, application_ids, *, actor, activity=None):
    """Every vendor and application the write names is one the actor sees (those the activity
    already names may stay); an unknown id and an invisible one get the same answer."""
    errors = {}
    known_vendors = {r.vendor_id for r in activity.recipients} if activity is not None else set()
    for index, row in enumerate(recipients or ()):
        vendor_id = row.get("vendor_id")
        if vendor_id is None or vendor_id in known_vendors:
            continue
        field = f"recipients[{index}].vendor_id"
        try:
            visible_reference(
                session, Vendor, vendor_id, Register.APPLICATIONS, user=actor, field=field
            )
        except FieldErrors as error:
            errors.update(error.errors)
    if application_ids:
        try:
            visible_references(
                session,
                Application,
                application_ids,
                Register.APPLICATIONS,
                user=actor,
                field="application_ids",
                keep=activity.applications if activity is not None else (),
            )
        except FieldErrors as error:
            errors.update(error.errors)
    if errors:
        raise FieldErrors(errors)


# --- writing ------------------------------------------------------------------------------------


def _set_children(activity: ProcessingActivity, name: str, rows: list[dict]) -> dict:
    """Replace one child collection; the audit change, empty when nothing changed."""
    before = child_rows(activity, name)
    table = CHILD_MODELS[name]
    extra = ({"position": i} for i in range(len(rows)))
    new_rows = [table(**row, **(next(extra) if name in ORDERED else {})) for row in rows]
    setattr(activity, name, new_rows)
    after = child_rows(activity, name)
    return {} if before == after else {name: {"before": before, "after": after}}


def _set_applications(session: Session, activity: ProcessingActivity, ids: list[int]) -> dict:
    before = sorted(a.id for a in activity.applications)
    if before == sorted(ids):
        return {}
    applications = list(session.scalars(select(Application).where(Application.id.in_(ids))))
    activity.applications = sorted(applications, key=lambda a: a.name)
    return {"applications": {"before": before, "after": sorted(ids)}}


def refresh_screening(activity: ProcessingActivity) -> None:
    """Keep the stored DPIA result in step with the screening."""
    required = compute.dpia_required(
        activity.dpia_criteria, activity.dpia_cnil_types, activity.dpia_art35_cases
    )
    if activity.dpia_required != required:
        activity.dpia_required = required


def refresh_summary(activity: ProcessingActivity, organisation: Organisation) -> None:
    """Keep the stored completeness and warnings (compute.stored_summary) in step with the
    activity, its child rows and its organisation."""
    for name, value in compute.stored_summary(activity, organisation).items():
        if getattr(activity, name) != value:
            setattr(activity, name, value)


def _write(session, activity, cleaned, children, application_ids, organisation=None) -> dict:
    """Apply cleaned values; returns the changes of the child rows and links."""
    for key, value in cleaned.items():
        setattr(activity, key, value)
    extra = {}
    for name, rows in children.items():
        extra.update(_set_children(activity, name, rows))
    if application_ids is not None:
        extra.update(_set_applications(session, activity, application_ids))
    refresh_screening(activity)
    refresh_summary(activity, organisation or activity.organisation)
    return extra


def _lock_references(session: Session, organisation_id: int) -> None:
    """Whoever checks that a reference of the organisation is free, then takes it, holds this
    lock in between: two creations never draw the same reference, and a client that sent none
    never hears that "its" reference is taken."""
    numbering.lock_series(session, "processing", key=organisation_id)


def next_reference(session: Session, organisation_id: int, prefix: str = "T") -> str:
    """The first free reference `T-001`, `T-002`, … of the organisation."""
    _lock_references(session, organisation_id)
    taken = set(
        session.scalars(
            select(ProcessingActivity.reference).where(
                ProcessingActivity.organisation_id == organisation_id
            )
        )
    )
    number = len(taken) + 1
    while f"{prefix}-{number:03d}" in taken:
        number += 1
    return f"{prefix}-{number:03d}"


def _check_reference(session, organisation_id, reference, *, exclude_id=None) -> None:
    _lock_references(session, organisation_id)
    statement = select(ProcessingActivity.id).where(
        ProcessingActivity.organisation_id == organisation_id,
        ProcessingActivity.reference == reference,
    )
    if exclude_id is not None:
        statement = statement.where(ProcessingActivity.id != exclude_id)
    if session.scalar(statement) is not None:
        raise FieldErrors(
            {
                "reference": _(
                    "la référence « %(reference)s » est déjà utilisée", reference=reference
                )
            }
        )


def create_processing(
    session: Session,
    organisation: Organisation,
    values: ActivityCreate,
    *,
    actor,
    is_template: bool = False,
) -> ProcessingActivity:
    """A new draft activity of `organisation` (a template activity, references MOD-001, ...,
    with `is_template`); child collections and links as for update_processing."""
    require(session, actor, Action.CREATE, organisation.id)
    cleaned, children, application_ids = check_activity(session, values, actor=actor)
    reference = cleaned.pop("reference", None) or next_reference(
        session, organisation.id, "MOD" if is_template else "T"
    )
    _check_reference(session, organisation.id, reference)
    activity = ProcessingActivity(
        organisation_id=organisation.id, reference=reference, is_model=is_template
    )
    extra = _write(session, activity, cleaned, children, application_ids, organisation)
    session.add(activity)
    audit.record(
        session,
        action="create",
        actor=actor,
        target=activity,
        summary=_summary(activity),
        changes={k: {"before": None, "after": v["after"]} for k, v in extra.items()},
    )
    return activity


def _check_dpia_summary(session: Session, activity: ProcessingActivity, cleaned: dict) -> None:
    """A change of the activity's DPIA summary is refused while an assessment holds it."""
    changed = [k for k in DPIA_SUMMARY if k in cleaned and cleaned[k] != getattr(activity, k)]
    if not changed:
        return
    held = gate_errors(DPIA_SUMMARY_GATE, session, activity)
    if held:
        message = next(iter(held.values()))
        raise FieldErrors(dict.fromkeys(sorted(changed), message))


def update_processing(
    session: Session,
    activity: ProcessingActivity,
    changes: ActivityUpdate,
    *,
    actor,
    version: int | None = None,
) -> ProcessingActivity:
    """Partial update: only the fields given in `changes` change. Child collections (purposes,
    data_categories, special_categories, subjects, recipients, transfers, security_measures)
    are lists of dicts that replace the stored rows; `application_ids` the supporting
    applications. An edit of a validated activity by someone who may not validate it returns
    it to draft."""
    require(session, actor, Action.EDIT, activity.organisation_id)
    check_version(activity, version)
    if activity.status == ProcessingStatus.ARCHIVED:
        raise WorkflowError(_("une fiche archivée doit être restaurée avant d'être modifiée"))
    cleaned, children, application_ids = check_activity(
        session, changes, actor=actor, activity=activity
    )
    if "reference" in cleaned:
        _check_reference(
            session, activity.organisation_id, cleaned["reference"], exclude_id=activity.id
        )
    _check_dpia_summary(session, activity, cleaned)
    session.flush()  # earlier changes apart: the row is written once for this update
    with session.no_autoflush:
        extra = _write(session, activity, cleaned, children, application_ids)
        if not extra and not session.is_modified(activity, include_collections=False):
            return activity
        if activity.status == ProcessingStatus.VALIDATED and (
            not may_validate(session, actor, activity.organisation_id) or _uncovered_gaps(activity)
        ):
            activity.status = ProcessingStatus.DRAFT
        # Child rows live in their own tables: touch the row so that its version moves too.
        activity.updated_at = utcnow()
        # What other registers assessed on these items (a DPIA) is to be looked at again.
        changed = sorted(CHANGE_HOOKED.intersection(extra))
        if changed:
            run_hooks(CHANGED_HOOK, session, activity, changed=changed)
    audit.record(
        session,
        action="update",
        actor=actor,
        target=activity,
        summary=_summary(activity),
        changes=extra,
    )
    return activity


# --- workflow -----------------------------------------------------------------------------------


def _transition(session, activity, status, *, actor, action: str, extra: dict | None = None):
    activity.status = status
    for key, value in (extra or {}).items():
        setattr(activity, key, value)
    audit.record(session, action=action, actor=actor, target=activity, summary=_summary(activity))
    return activity


def _expect(activity: ProcessingActivity, *allowed: ProcessingStatus) -> None:
    if activity.status not in allowed:
        raise WorkflowError(
            _(
                "impossible pour une fiche au statut « %(status)s »",
                status=activity.status.label,
            )
        )


def submit_processing(session: Session, activity, *, actor, version=None) -> ProcessingActivity:
    """The referent hands a draft to the DPO."""
    require(session, actor, Action.EDIT, activity.organisation_id)
    check_version(activity, version)
    _expect(activity, ProcessingStatus.DRAFT)
    if activity.is_model:
        raise WorkflowError(_("un traitement type ne se soumet pas au délégué"))
    return _transition(
        session,
        activity,
        ProcessingStatus.SUBMITTED,
        actor=actor,
        action="submit",
        extra={"submitted_at": utcnow()},
    )


def _uncovered_gaps(activity: ProcessingActivity) -> list[gates.Gap]:
    """What the activity lacks that its validation did not accept with a reason."""
    accepted = {gap.get("code") for gap in activity.validation_override_gaps or ()}
    if not (activity.validation_override_reason or "").strip():
        accepted = set()
    return [gap for gap in gates.validation_gaps(activity) if gap.code not in accepted]


def validate_processing(
    session: Session,
    activity: ProcessingActivity,
    *,
    actor,
    version: int | None = None,
    remarks: str | None = None,
    next_review_on: date | None = None,
    override_reason: str | None = None,
    today: date | None = None,
) -> ProcessingActivity:
    """The DPO validates a submitted (or draft) activity: reviewed today, next review given or
    a year later.

    The activity must give every Art. 30 item of its kind of record and a DPIA screening
    (gates.validation_gaps); otherwise FieldErrors names each gap, unless the DPO writes
    `override_reason`, a sentence saying why they validate all the same: it is kept with what
    was missing, audited, and shown on the sheet and in the exports."""
    require(session, actor, Action.VALIDATE, activity.organisation_id)
    check_version(activity, version)
    _expect(activity, ProcessingStatus.DRAFT, ProcessingStatus.SUBMITTED)
    gaps = gates.validation_gaps(activity)
    reason = (override_reason or "").strip() or None
    if gaps and reason is None:
        raise FieldErrors(gates.gap_errors(gaps))
    if gaps and not gates.is_sentence(reason):
        raise FieldErrors({gates.OVERRIDE_FIELD: gates.reason_error()})
    today = today or date.today()
    extra = {
        "validated_at": utcnow(),
        "validated_by_id": getattr(actor, "id", None) if _is_user(actor) else None,
        "last_review_on": today,
        "next_review_on": next_review_on or today + DEFAULT_REVIEW_PERIOD,
        "validation_override_reason": reason if gaps else None,
        "validation_override_gaps": [{"code": gap.code, "label": _label_fr(gap)} for gap in gaps]
        or None,
    }
    if remarks is not None:
        extra["dpo_remarks"] = (remarks or "").strip() or None
    return _transition(
        session,
        activity,
        ProcessingStatus.VALIDATED,
        actor=actor,
        action="validate_override" if gaps else "validate",
        extra=extra,
    )


def _label_fr(gap: gates.Gap) -> str:
    """What was missing, kept in French as the register's documents are."""
    with force_locale("fr"):
        return str(gap.label)


def send_back_processing(
    session: Session, activity: ProcessingActivity, *, actor, remarks: str, version=None
) -> ProcessingActivity:
    """The DPO returns a submitted (or validated) activity to its referent, saying why."""
    require(session, actor, Action.VALIDATE, activity.organisation_id)
    check_version(activity, version)
    _expect(activity, ProcessingStatus.SUBMITTED, ProcessingStatus.VALIDATED)
    remarks = (remarks or "").strip()
    if not remarks:
        raise FieldErrors({"remarks": _("indiquez ce qui est à corriger")})
    return _transition(
        session,
        activity,
        ProcessingStatus.DRAFT,
        actor=actor,
        action="send_back",
        extra={"dpo_remarks": remarks},
    )


def archive_processing(session: Session, activity, *, actor, version=None) -> ProcessingActivity:
    """Deleting an activity archives it: it leaves the register but is kept."""
    require(session, actor, Action.EDIT, activity.organisation_id)
    check_version(activity, version)
    if activity.status == ProcessingStatus.ARCHIVED:
        return activity
    return _transition(
        session,
        activity,
        ProcessingStatus.ARCHIVED,
        actor=actor,
        action="archive",
        extra={"archived_at": utcnow()},
    )


def restore_processing(session: Session, activity, *, actor, version=None) -> ProcessingActivity:
    require(session, actor, Action.EDIT, activity.organisation_id)
    check_version(activity, version)
    _expect(activity, ProcessingStatus.ARCHIVED)
    return _transition(
        session,
        activity,
        ProcessingStatus.DRAFT,
        actor=actor,
        action="restore",
        extra={"archived_at": None},
    )


# --- what depends on the organisation -----------------------------------------------------------


def refresh_organisation_summaries(session: Session, organisation: Organisation) -> int:
    """Recompute the stored summary of every activity of `organisation` (its kind decides
    what applies: archiving, legitimate interest) and write those that changed, in one
    statement; returns their number. Derived values: the activities' versions do not move."""
    with session.no_autoflush:
        activities = session.scalars(
            select(ProcessingActivity)
            .where(ProcessingActivity.organisation_id == organisation.id)
            .options(*SUMMARY_OPTIONS)
        ).all()
        changed = []
        for activity in activities:
            values = compute.stored_summary(activity, organisation)
            if any(getattr(activity, name) != value for name, value in values.items()):
                changed.append((activity, values))
    if not changed:
        return 0
    table = ProcessingActivity.__table__
    session.connection().execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("activity_id"))
        .values({name: sa.bindparam(name) for name in compute.SUMMARY_FIELDS}),
        [{"activity_id": activity.id, **values} for activity, values in changed],
    )
    for activity, values in changed:
        for name, value in values.items():
            set_committed_value(activity, name, value)
    return len(changed)


@event.listens_for(Session, "before_flush")
def _organisation_kind_changed(session, _flush_context, _instances) -> None:
    """Whatever path changes an organisation's kind, its activities' stored summaries follow
    in the same transaction."""
    for record in list(session.dirty):
        if not isinstance(record, Organisation):
            continue
        state = sa.inspect(record)
        if state.key is not None and state.attrs.kind.history.has_changes():
            refresh_organisation_summaries(session, record)
