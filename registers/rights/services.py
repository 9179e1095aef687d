"""Writes to the rights requests register: record and update a request (its due dates follow the
day of receipt and the identity check), and move it through its statuses, each transition behind
its gate. Each function flushes and audits, never commits, and trusts its caller to have checked
the permission (see queries.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance import audit, numbering
from compliance.calendar import period_end, today_in_paris
from compliance.db import check_version, utcnow
from compliance.permissions import Action, Register
from compliance.schemas import validate
from compliance.services import FieldErrors
from compliance.tenancy import Organisation, visible_reference, visible_references
from registers.applications.models import Application, Deployment
from registers.processing.models import ProcessingActivity
from registers.rights.models import ANSWER_MONTHS, RightsRequest, due_dates
from registers.rights.schemas import (
    ART19_RIGHTS,
    FIXED_AFTER_CREATION,
    GROUND_RIGHTS,
    GROUNDS_WITH_DETAILS,
    OPEN_STATUSES,
    Answer,
    Closing,
    Extension,
    Outcome,
    Refusal,
    RefusalGround,
    RightsRequestCreate,
    RightsRequestUpdate,
    RightsStatus,
    Withdrawal,
)

__all__ = ["FieldErrors"]

PREFIX = "DDP"
# The dates that set the due dates.
CLOCK_FIELDS = (
    "received_on",
    "identity_requested_on",
    "identity_received_on",
    "identity_doubt_reason",
)


def _summary(request: RightsRequest) -> str:
    return f"Rights request {request.reference}"


def _checked(schema, values):
    """`values` as checked by `schema` (a mapping from the demo or a test is checked first)."""
    return values if isinstance(values, schema) else validate(schema, values)


def next_reference(session: Session, year: int) -> tuple[str, int]:
    """The next free reference of the year: DDP-2026-004 (the series is locked until the
    transaction ends)."""
    number = numbering.draw(
        session,
        PREFIX,
        year=year,
        floor=lambda: session.scalar(
            sa.select(sa.func.max(RightsRequest.reference_number)).where(
                RightsRequest.reference_year == year
            )
        ),
    )
    return f"{PREFIX}-{year}-{number:03d}", number


def _audit(session: Session, request: RightsRequest, *, actor, action="update", extra=None):
    audit.describe(
        session,
        request,
        action=action,
        actor=actor,
        summary=_summary(request),
        changes=extra or None,
    )


# --- checks ---------------------------------------------------------------------------------


def _not_future(values: Mapping[str, Any], names: Iterable[str], errors: dict, today: date):
    for name in names:
        value = values.get(name)
        if value is not None and value > today:
            errors.setdefault(name, _("ne peut pas être dans le futur"))


def _not_before_receipt(values: Mapping[str, Any], names: Iterable[str], received, errors: dict):
    for name in names:
        value = values.get(name)
        if value is not None and received is not None and value < received:
            errors.setdefault(name, _("ne peut pas précéder la réception de la demande"))


def _check_identity(values: Mapping[str, Any], errors: dict, *, today: date) -> None:
    """The identity check's dates in order, and a doubt dated by its request for proof."""
    names = ("received_on", "identity_requested_on", "identity_received_on")
    _not_future(values, names, errors, today)
    _not_before_receipt(values, names[1:], values.get("received_on"), errors)
    requested, received = values.get("identity_requested_on"), values.get("identity_received_on")
    if received is not None and requested is None:
        errors.setdefault(
            "identity_requested_on", _("indiquez quand le justificatif d'identité a été demandé")
        )
    if requested and received and received < requested:
        errors.setdefault(
            "identity_received_on", _("ne peut pas précéder la demande du justificatif")
        )
    if values.get("identity_doubt_reason") and requested is None:
        errors.setdefault(
            "identity_requested_on",
            _(
                "le doute raisonnable suspend le délai à compter de la demande du justificatif "
                "(article 12.6) : indiquez sa date"
            ),
        )


def _writable(request: RightsRequest) -> None:
    if request.status == RightsStatus.CLOSED:
        raise FieldErrors({"status": _("la demande est clôturée : rouvrez-la d'abord")})


def _open(request: RightsRequest) -> None:
    _writable(request)
    if request.status not in OPEN_STATUSES:
        raise FieldErrors({"status": _("la demande a déjà reçu une suite")})


def _links(session: Session, request: RightsRequest, cleaned: dict, *, actor) -> dict:
    """Set the processing activities and applications named in `cleaned`; the audit change."""
    changes = {}
    processing_ids = cleaned.pop("processing_ids", None)
    application_ids = cleaned.pop("application_ids", None)
    if processing_ids is not None:
        found = visible_references(
            session,
            ProcessingActivity,
            processing_ids,
            Register.PROCESSING,
            user=actor,
            field="processing_ids",
            keep=request.activities,
        )
        if any(a.organisation_id != request.organisation_id or a.is_model for a in found):
            raise FieldErrors(
                {"processing_ids": _("des traitements n'appartiennent pas à cette organisation")}
            )
        before = sorted(a.id for a in request.activities)
        request.activities = sorted(found, key=lambda a: (a.reference, a.id))
        after = sorted(a.id for a in request.activities)
        if before != after:
            changes["processing_ids"] = {"before": before, "after": after}
    if application_ids is not None:
        found = visible_references(
            session,
            Application,
            application_ids,
            Register.APPLICATIONS,
            user=actor,
            field="application_ids",
            keep=request.applications,
        )
        _controllers_applications(session, request, found)
        before = sorted(a.id for a in request.applications)
        request.applications = sorted(found, key=lambda a: (a.name, a.id))
        after = sorted(a.id for a in request.applications)
        if before != after:
            changes["application_ids"] = {"before": before, "after": after}
    if changes:
        # The links live in their own tables: touch the row so its version moves too.
        request.updated_at = utcnow()
    return changes


def _controllers_applications(session: Session, request: RightsRequest, found) -> None:
    """Each application newly linked is deployed in the controller or supports one of the
    request's activities (as the form offers them); those already linked stay."""
    kept = {a.id for a in request.applications}
    supporting = {a.id for activity in request.activities for a in activity.applications}
    new = {a.id for a in found} - kept - supporting
    if not new:
        return
    deployed = set(
        session.scalars(
            sa.select(Deployment.application_id).where(
                Deployment.organisation_id == request.organisation_id,
                Deployment.archived_at.is_(None),
                Deployment.application_id.in_(new),
            )
        )
    )
    if new - deployed:
        raise FieldErrors(
            {
                "application_ids": _(
                    "des applications ne sont ni déployées dans cette organisation ni utilisées "
                    "par les traitements de la demande"
                )
            }
        )


def _recompute(request: RightsRequest) -> None:
    request.due_on, extended = due_dates(request, extended=request.extended_due_on is not None)
    request.extended_due_on = extended


# --- create and update ----------------------------------------------------------------------


def create_request(session: Session, values: RightsRequestCreate, *, actor) -> RightsRequest:
    """A new request from checked `values`, received by its controller; its due date is one
    month from receipt (see models.due_dates)."""
    values = _checked(RightsRequestCreate, values)
    cleaned = values.model_dump(exclude_unset=True)
    organisation = visible_reference(
        session,
        Organisation,
        cleaned["organisation_id"],
        Register.RIGHTS,
        Action.CREATE,
        user=actor,
        field="organisation_id",
    )
    errors: dict[str, str] = {}
    _check_identity(cleaned, errors, today=today_in_paris())
    if errors:
        raise FieldErrors(errors)
    year = cleaned["received_on"].year
    reference, number = next_reference(session, year)
    request = RightsRequest(
        reference=reference,
        reference_year=year,
        reference_number=number,
        organisation_id=organisation.id,
        person_name=cleaned["person_name"],
        right=cleaned["right"],
        channel=cleaned["channel"],
        received_on=cleaned["received_on"],
        due_on=cleaned["received_on"],
    )
    links = _links(session, request, cleaned, actor=actor)
    for key, value in cleaned.items():
        setattr(request, key, value)
    _recompute(request)
    session.add(request)
    audit.record(
        session,
        action="create",
        actor=actor,
        target=request,
        summary=_summary(request),
        changes=links or None,
    )
    return request


def update_request(
    session: Session,
    request: RightsRequest,
    changes: RightsRequestUpdate,
    *,
    actor,
    version: int | None = None,
) -> RightsRequest:
    """Partial update: only the fields set in `changes` change; the due dates follow."""
    changes = _checked(RightsRequestUpdate, changes)
    check_version(request, version)
    _writable(request)
    cleaned = changes.model_dump(exclude_unset=True)
    errors: dict[str, str] = {}
    for name in FIXED_AFTER_CREATION:
        if name in cleaned and cleaned.pop(name) != getattr(request, name):
            errors[name] = _("ne peut pas changer après la création")
    merged = {name: cleaned.get(name, getattr(request, name)) for name in CLOCK_FIELDS}
    _check_identity(merged, errors, today=today_in_paris())
    if not errors:
        _recorded_dates_still_hold(request, merged, cleaned, errors)
    if errors:
        raise FieldErrors(errors)
    links = _links(session, request, cleaned, actor=actor)
    for key, value in cleaned.items():
        setattr(request, key, value)
    _recompute(request)
    _audit(session, request, actor=actor, extra=links)
    return request


def _recorded_dates_still_hold(request: RightsRequest, merged: dict, cleaned: dict, errors):
    """New dates of receipt or of the identity check keep what was recorded under the old ones
    in order: the extension told within the first month (Art. 12(3)), the answer or the
    withdrawal not before receipt."""
    field = next((name for name in CLOCK_FIELDS if name in cleaned), "received_on")
    received = merged["received_on"]
    for name in ("answered_on", "withdrawn_on", "extension_notified_on"):
        day = getattr(request, name)
        if day is not None and day < received:
            errors.setdefault(
                field,
                _(
                    "une suite datée du %(day)s précède la réception ainsi modifiée",
                    day=format_date(day, "long"),
                ),
            )
            return
    notified = request.extension_notified_on
    if notified is not None:
        due, _later = due_dates(SimpleNamespace(**merged), extended=False)
        if notified > due:
            errors.setdefault(
                field,
                _(
                    "la prolongation notifiée le %(told)s serait postérieure à l'échéance du "
                    "premier mois ainsi modifiée, le %(due)s (article 12.3)",
                    told=format_date(notified, "long"),
                    due=format_date(due, "long"),
                ),
            )


# --- the transitions ----------------------------------------------------------------------------


def start_request(
    session: Session, request: RightsRequest, *, actor, version: int | None = None
) -> RightsRequest:
    """received -> in_progress: the search for the person's data has begun."""
    check_version(request, version)
    _writable(request)
    if request.status != RightsStatus.RECEIVED:
        raise FieldErrors({"status": _("la demande n'est plus au statut « reçue »")})
    request.status = RightsStatus.IN_PROGRESS
    request.started_on = today_in_paris()
    _audit(session, request, actor=actor, action="start")
    return request


def extension_errors(request: RightsRequest, notified_on: date, *, today: date) -> dict:
    """Why the extension cannot be recorded (Art. 12(3)); empty when it can."""
    if request.status == RightsStatus.EXTENDED or request.extended_due_on is not None:
        return {"status": _("le délai est déjà prolongé")}
    if notified_on > today:
        return {"extension_notified_on": _("ne peut pas être dans le futur")}
    if notified_on < request.received_on:
        return {"extension_notified_on": _("ne peut pas précéder la réception de la demande")}
    limit = request.due_on
    if request.clock_suspended:
        # Proof of identity awaited on a reasonable doubt (Art. 12(6)): the first month is
        # lengthened by the days waited so far.
        waited = max((today - request.identity_requested_on).days, 0)
        limit = period_end(request.received_on, ANSWER_MONTHS, extra_days=waited)
    if notified_on > limit:
        return {
            "extension_notified_on": _(
                "prolongation refusée : la personne doit en être informée dans le mois qui suit "
                "la réception de la demande, au plus tard le %(due)s (article 12.3) ; une "
                "information donnée le %(told)s est tardive",
                due=format_date(limit, "long"),
                told=format_date(notified_on, "long"),
            )
        }
    return {}


def extend_request(
    session: Session,
    request: RightsRequest,
    values: Extension,
    *,
    actor,
    version: int | None = None,
) -> RightsRequest:
    """Two further months (Art. 12(3)), with the reasons, told to the person within the first
    month: the extended due date is three months from receipt."""
    values = _checked(Extension, values)
    check_version(request, version)
    _open(request)
    errors = extension_errors(request, values.extension_notified_on, today=today_in_paris())
    if errors:
        raise FieldErrors(errors)
    request.extension_reasons = values.extension_reasons
    request.extension_notified_on = values.extension_notified_on
    request.due_on, request.extended_due_on = due_dates(request, extended=True)
    request.status = RightsStatus.EXTENDED
    _audit(session, request, actor=actor, action="extend")
    return request


def _ground_errors(request: RightsRequest, values, errors: dict) -> None:
    """A ground that holds only for some rights (Art. 15(4), 17(3), 20(4), 21(1)) is refused for
    the others; compelling grounds never answer an objection to direct marketing (Art. 21(3))."""
    ground = values.refusal_ground
    if request.right not in GROUND_RIGHTS.get(ground, (request.right,)):
        messages = {
            RefusalGround.ERASURE_EXCEPTION: _(
                "les exceptions de l'article 17.3 ne valent que pour une demande d'effacement"
            ),
            RefusalGround.COMPELLING_GROUNDS: _(
                "les motifs légitimes et impérieux (article 21.1) ne valent que pour une opposition"
            ),
            RefusalGround.RIGHTS_OF_OTHERS: _(
                "l'atteinte aux droits et libertés d'autrui ne vaut que pour une demande d'accès "
                "(article 15.4) ou de portabilité (article 20.4)"
            ),
        }
        errors.setdefault("refusal_ground", messages[ground])
    elif ground == RefusalGround.COMPELLING_GROUNDS and not values.not_direct_marketing:
        errors.setdefault(
            "not_direct_marketing",
            _(
                "une opposition à la prospection ne peut jamais être refusée (article 21.3) : "
                "confirmez que l'opposition ne porte pas sur la prospection"
            ),
        )


def _refusal_errors(request: RightsRequest, values, errors: dict) -> None:
    if values.refusal_ground is None:
        errors.setdefault("refusal_ground", _("est obligatoire"))
    else:
        _ground_errors(request, values, errors)
        if values.refusal_ground in GROUNDS_WITH_DETAILS and not values.refusal_details:
            errors.setdefault(
                "refusal_details", _("précisez l'exception ou la disposition invoquée")
            )
    if not values.refusal_reasoning:
        errors.setdefault("refusal_reasoning", _("est obligatoire"))
    if not values.remedies_mentioned:
        errors.setdefault(
            "remedies_mentioned",
            _(
                "le courrier doit mentionner le droit d'introduire une réclamation auprès de la "
                "CNIL et de former un recours juridictionnel (article 12.4) : confirmez-le"
            ),
        )


def _outcome_day(request: RightsRequest, name: str, day: date, errors: dict) -> None:
    _not_future({name: day}, (name,), errors, today_in_paris())
    _not_before_receipt({name: day}, (name,), request.received_on, errors)


def _set_refusal(request: RightsRequest, values) -> dict:
    """Set the refused part; the audit change that records the Art. 21(3) confirmation."""
    request.refusal_ground = values.refusal_ground
    request.refusal_details = values.refusal_details
    request.refusal_reasoning = values.refusal_reasoning
    request.remedies_mentioned = bool(values.remedies_mentioned)
    if values.refusal_ground == RefusalGround.COMPELLING_GROUNDS:
        return {"not_direct_marketing": {"before": None, "after": True}}
    return {}


def answer_request(
    session: Session,
    request: RightsRequest,
    values: Answer,
    *,
    actor,
    version: int | None = None,
) -> RightsRequest:
    """The answer given: in full, or in part (what is refused has its ground, its reasoning
    and the mention of the remedies, Art. 12(4))."""
    values = _checked(Answer, values)
    check_version(request, version)
    _open(request)
    errors: dict[str, str] = {}
    _outcome_day(request, "answered_on", values.answered_on, errors)
    if values.partial:
        _refusal_errors(request, values, errors)
    if errors:
        raise FieldErrors(errors)
    request.answered_on = values.answered_on
    request.answer_summary = values.answer_summary
    request.answer_means = values.answer_means
    confirmed = {}
    if values.partial:
        confirmed = _set_refusal(request, values)
        request.outcome = Outcome.PARTIALLY_ANSWERED
        request.status = RightsStatus.PARTIALLY_ANSWERED
    else:
        request.outcome = Outcome.ANSWERED
        request.status = RightsStatus.ANSWERED
    _audit(session, request, actor=actor, action="answer", extra=confirmed)
    return request


def refuse_request(
    session: Session,
    request: RightsRequest,
    values: Refusal,
    *,
    actor,
    version: int | None = None,
) -> RightsRequest:
    """The refusal to act (Art. 12(4), 12(5)): its ground and reasoning, and the letter's
    mention of the right to complain to the CNIL and to a judicial remedy."""
    values = _checked(Refusal, values)
    check_version(request, version)
    _open(request)
    errors: dict[str, str] = {}
    _outcome_day(request, "answered_on", values.answered_on, errors)
    _refusal_errors(request, values, errors)
    if errors:
        raise FieldErrors(errors)
    request.answered_on = values.answered_on
    request.answer_means = values.answer_means
    confirmed = _set_refusal(request, values)
    request.outcome = Outcome.REFUSED
    request.status = RightsStatus.REFUSED
    _audit(session, request, actor=actor, action="refuse", extra=confirmed)
    return request


def withdraw_request(
    session: Session,
    request: RightsRequest,
    values: Withdrawal,
    *,
    actor,
    version: int | None = None,
) -> RightsRequest:
    """The person withdrew the request."""
    values = _checked(Withdrawal, values)
    check_version(request, version)
    _open(request)
    errors: dict[str, str] = {}
    _outcome_day(request, "withdrawn_on", values.withdrawn_on, errors)
    if errors:
        raise FieldErrors(errors)
    request.withdrawn_on = values.withdrawn_on
    request.outcome = Outcome.WITHDRAWN
    request.status = RightsStatus.WITHDRAWN
    _audit(session, request, actor=actor, action="withdraw")
    return request


def needs_recipients(request: RightsRequest) -> bool:
    """Art. 19: a rectification, an erasure or a restriction carried out is told to each
    recipient of the data (or why it is impossible or disproportionate)."""
    answered = request.outcome in (Outcome.ANSWERED, Outcome.PARTIALLY_ANSWERED)
    return answered and request.right in ART19_RIGHTS


def close_request(
    session: Session,
    request: RightsRequest,
    values: Closing | None = None,
    *,
    actor,
    version: int | None = None,
) -> RightsRequest:
    """Close a request that has its outcome; a rectification, an erasure or a restriction
    answered needs the recipients told (Art. 19), or why none was."""
    values = _checked(Closing, values or {})
    check_version(request, version)
    _writable(request)
    if request.outcome is None:
        raise FieldErrors({"status": _("la demande n'a pas encore reçu de suite")})
    recipients = values.recipients_informed or request.recipients_informed
    informed_on = values.recipients_informed_on or request.recipients_informed_on
    errors: dict[str, str] = {}
    if needs_recipients(request):
        if not recipients:
            errors["recipients_informed"] = _(
                "indiquez les destinataires des données informés de la suite donnée, ou pourquoi "
                "aucun ne l'a été (article 19)"
            )
        if informed_on is None:
            errors["recipients_informed_on"] = _(
                "indiquez quand les destinataires ont été informés"
            )
    if informed_on is not None:
        _outcome_day(request, "recipients_informed_on", informed_on, errors)
    if errors:
        raise FieldErrors(errors)
    request.recipients_informed = recipients
    request.recipients_informed_on = informed_on
    request.status = RightsStatus.CLOSED
    request.closed_at = utcnow()
    _audit(session, request, actor=actor, action="close")
    return request


def reopen_request(
    session: Session, request: RightsRequest, *, actor, version: int | None = None
) -> RightsRequest:
    """Back to the outcome it was closed with (a fact to add)."""
    check_version(request, version)
    if request.status != RightsStatus.CLOSED:
        raise FieldErrors({"status": _("la demande n'est pas clôturée")})
    request.status = RightsStatus(request.outcome.value)
    request.closed_at = None
    _audit(session, request, actor=actor, action="reopen")
    return request
