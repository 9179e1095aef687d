"""Writes to the breach register: create and update breaches, record the notifications to the
CNIL, document the decision not to notify, close, archive. Each function flushes and audits,
never commits, and trusts its caller to have checked the permission (see queries.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from compliance import audit, numbering
from compliance.db import check_version, utcnow
from compliance.i18n import PARIS
from compliance.permissions import Action, Register
from compliance.schemas import FieldErrors, validate
from compliance.tenancy import Organisation, visible_reference, visible_references
from registers.breaches.draft import draft_from_incident
from registers.breaches.models import BreachNotification, PersonalDataBreach, deadline_for
from registers.breaches.schemas import (
    FIRST_KINDS,
    FIXED_AFTER_CREATION,
    Art34Ground,
    BreachCreate,
    BreachStatus,
    BreachUpdate,
    NotificationCreate,
    NotificationKind,
    NotNotifiable,
    RiskLevel,
)
from registers.incidents.common import actor_label, audit_create, audit_update
from registers.incidents.models import Incident
from registers.processing.models import ProcessingActivity

__all__ = ["FieldErrors"]

PREFIX = "VDP"
# Instants that cannot lie in the future when they are recorded.
PAST_INSTANTS = (
    "started_at",
    "ended_at",
    "discovered_at",
    "controller_informed_at",
    "awareness_at",
    "communicated_at",
)


def _summary(breach: PersonalDataBreach) -> str:
    return f"Breach {breach.reference}: {breach.title}"


def next_reference(session: Session, year: int) -> tuple[str, int]:
    """The next free reference of the year: VDP-2026-004 (the series is locked until the
    transaction ends)."""
    number = numbering.draw(
        session,
        PREFIX,
        year=year,
        floor=lambda: session.scalar(
            sa.select(sa.func.max(PersonalDataBreach.reference_number)).where(
                PersonalDataBreach.reference_year == year
            )
        ),
    )
    return f"{PREFIX}-{year}-{number:03d}", number


# --- checks ---------------------------------------------------------------------------------


def _check_times(values: Mapping[str, Any], errors: dict, *, now: datetime) -> None:
    for name in PAST_INSTANTS:
        value = values.get(name)
        if value is not None and value > now:
            errors.setdefault(name, _("ne peut pas être dans le futur"))
    started, ended = values.get("started_at"), values.get("ended_at")
    if started and ended and ended < started:
        errors.setdefault("ended_at", _("doit suivre le début de la violation"))
    if values.get("is_ongoing") and ended:
        errors.setdefault("ended_at", _("une violation en cours n'a pas encore de fin"))


def art33_missing(breach: PersonalDataBreach) -> dict[str, str]:
    """What the notification to the CNIL must give (Art. 33(3)) and the breach lacks, by field:
    the nature with the categories and approximate numbers of people and records, the DPO's
    contact, the likely consequences and the measures taken or proposed."""
    missing = {}
    if not breach.nature:
        missing["confidentiality"] = _(
            "la nature de la violation (confidentialité, intégrité ou disponibilité) est à "
            "indiquer (article 33.3.a)"
        )
    if not breach.description:
        missing["description"] = _("la description de la violation est à rédiger (article 33.3.a)")
    if not breach.subject_categories:
        missing["subject_categories"] = _(
            "les catégories de personnes concernées sont à indiquer (article 33.3.a)"
        )
    if breach.people_count is None:
        missing["people_count"] = _(
            "le nombre approximatif de personnes concernées est à indiquer (article 33.3.a)"
        )
    if not breach.data_categories:
        missing["data_categories"] = _(
            "les catégories de données concernées sont à indiquer (article 33.3.a)"
        )
    if breach.records_count is None:
        missing["records_count"] = _(
            "le nombre approximatif d'enregistrements concernés est à indiquer (article 33.3.a)"
        )
    if not breach.contact:
        missing["contact"] = _(
            "le point de contact (le délégué à la protection des données) est à indiquer "
            "(article 33.3.b)"
        )
    if not breach.consequences:
        missing["consequences"] = _(
            "les conséquences probables pour les personnes sont à décrire (article 33.3.c)"
        )
    if not breach.measures_taken and not breach.measures_proposed:
        missing["measures_taken"] = _(
            "les mesures prises ou envisagées sont à décrire (article 33.3.d)"
        )
    return missing


def closing_missing(breach: PersonalDataBreach) -> dict[str, str]:
    """What the register must hold of the decision before the breach is closed (Art. 33(5) and
    34): the risk level and its reasoning; for a notified breach, the Art. 33(3) content; for a
    high risk, the people told or an Art. 34(3) ground; for the Art. 34(3)(c) ground, the date,
    means and content of the public communication."""
    missing = {}
    if breach.risk_level is None:
        missing["risk_level"] = _("le niveau de risque pour les personnes est à indiquer")
    if not breach.risk_reasoning:
        missing["risk_reasoning"] = _("la justification du niveau de risque est à rédiger")
    if breach.initial_notification is not None:
        missing.update(art33_missing(breach))
    high = breach.risk_level == RiskLevel.HIGH
    ground = breach.communication_ground not in (None, Art34Ground.NOT_HIGH_RISK)
    if high and breach.communicated_at is None and not ground:
        missing["communicated_at"] = _(
            "risque élevé : indiquez quand et comment les personnes ont été informées, ou le "
            "motif de l'article 34.3 qui en dispense"
        )
    if breach.communication_ground == Art34Ground.PUBLIC_COMMUNICATION:
        if breach.communicated_at is None:
            missing["communicated_at"] = _(
                "la date de la communication publique est à indiquer (article 34.3.c)"
            )
        if not breach.communication_means:
            missing["communication_means"] = _(
                "le moyen de la communication publique est à indiquer (article 34.3.c)"
            )
        if not breach.communication_details:
            missing["communication_details"] = _(
                "le contenu de la communication publique est à indiquer (article 34.3.c)"
            )
    return missing


def _activities(session: Session, breach: PersonalDataBreach, ids: Iterable[int], *, actor):
    found = visible_references(
        session,
        ProcessingActivity,
        ids,
        Register.PROCESSING,
        user=actor,
        field="processing_ids",
        keep=breach.activities,
    )
    if any(a.organisation_id != breach.organisation_id or a.is_model for a in found):
        raise FieldErrors(
            {"processing_ids": _("des traitements n'appartiennent pas à cette organisation")}
        )
    return sorted(found, key=lambda a: (a.reference, a.id))


def _values(breach: PersonalDataBreach, cleaned: Mapping[str, Any]) -> dict:
    """The breach's values once `cleaned` is applied (for checks that span fields)."""
    names = set(PAST_INSTANTS) | {"is_ongoing"}
    return {name: cleaned.get(name, getattr(breach, name, None)) for name in names}


def _apply(session: Session, breach: PersonalDataBreach, cleaned: dict, *, actor) -> dict:
    """Set the columns and the processing links; returns the audit change of the links."""
    processing_ids = cleaned.pop("processing_ids", None)
    for key, value in cleaned.items():
        setattr(breach, key, value)
    if breach.is_ongoing:
        breach.ended_at = None
    if breach.awareness_at is not None:
        breach.notification_deadline = deadline_for(breach.awareness_at)
    if processing_ids is None:
        return {}
    before = sorted(a.id for a in breach.activities)
    breach.activities = _activities(session, breach, processing_ids, actor=actor)
    after = sorted(a.id for a in breach.activities)
    if before == after:
        return {}
    # The links live in their own table: touch the row so its version moves too.
    breach.updated_at = utcnow()
    return {"processing_ids": {"before": before, "after": after}}


def _writable(breach: PersonalDataBreach) -> None:
    if breach.is_archived:
        raise FieldErrors({"status": _("la fiche est archivée : restaurez-la d'abord")})
    if breach.status == BreachStatus.CLOSED:
        raise FieldErrors({"status": _("la violation est close")})


# --- create and update ----------------------------------------------------------------------


def create_breach(session: Session, values: BreachCreate, *, actor) -> PersonalDataBreach:
    """A new breach from checked `values`; its processing activities are the controller's."""
    cleaned = values.model_dump(exclude_unset=True)
    errors: dict[str, str] = {}
    organisation = visible_reference(
        session,
        Organisation,
        cleaned["organisation_id"],
        Register.BREACHES,
        Action.CREATE,
        user=actor,
        field="organisation_id",
    )
    visible_reference(
        session,
        Incident,
        cleaned.get("incident_id"),
        Register.INCIDENTS,
        user=actor,
        field="incident_id",
    )
    _check_times(cleaned, errors, now=utcnow())
    if errors:
        raise FieldErrors(errors)
    year = cleaned["awareness_at"].astimezone(PARIS).year
    reference, number = next_reference(session, year)
    breach = PersonalDataBreach(
        reference=reference,
        reference_year=year,
        reference_number=number,
        organisation_id=organisation.id,
        title=cleaned["title"],
        awareness_at=cleaned["awareness_at"],
        notification_deadline=deadline_for(cleaned["awareness_at"]),
    )
    links = _apply(session, breach, cleaned, actor=actor)
    audit_create(session, breach, _summary(breach), actor=actor, extra=links)
    return breach


def update_breach(
    session: Session,
    breach: PersonalDataBreach,
    changes: BreachUpdate,
    *,
    actor,
    version: int | None = None,
) -> PersonalDataBreach:
    """Partial update: only the fields set in `changes` change."""
    check_version(breach, version)
    _writable(breach)
    cleaned = changes.model_dump(exclude_unset=True)
    errors: dict[str, str] = {}
    for name in FIXED_AFTER_CREATION:
        if name in cleaned and cleaned.pop(name) != getattr(breach, name):
            errors[name] = _("ne peut pas changer après la création")
    _check_times(_values(breach, cleaned), errors, now=utcnow())
    if errors:
        raise FieldErrors(errors)
    links = _apply(session, breach, cleaned, actor=actor)
    audit_update(session, breach, _summary(breach), actor=actor, extra=links)
    return breach


# --- the notification decision ----------------------------------------------------------------


def record_notification(
    session: Session,
    breach: PersonalDataBreach,
    values: NotificationCreate,
    *,
    actor,
    version: int | None = None,
) -> BreachNotification:
    """Record a notification made to the CNIL. The first one is the initial notification: it is
    the decision to notify, and past the 72 hours it needs the reasons for the delay."""
    check_version(breach, version)
    _writable(breach)
    cleaned = values.model_dump(exclude_unset=True)
    kind, sent_at = cleaned["kind"], cleaned["sent_at"]
    follow_up_by = cleaned.get("follow_up_by")
    initial = breach.initial_notification
    errors = {}
    if sent_at > utcnow():
        errors["sent_at"] = _("ne peut pas être dans le futur")
    if kind == NotificationKind.INITIAL and initial is not None:
        errors["kind"] = _("la notification initiale est déjà enregistrée")
    if kind == NotificationKind.COMPLEMENTARY and initial is None:
        errors["kind"] = _("enregistrez d'abord la notification initiale")
    if kind == NotificationKind.COMPLETE and any(
        n.kind == NotificationKind.COMPLETE for n in breach.notifications
    ):
        errors["kind"] = _("la notification complète est déjà enregistrée")
    if initial is not None and sent_at < initial.sent_at:
        errors["sent_at"] = _("ne peut pas précéder la notification initiale")
    if breach.awareness_at is not None and sent_at < breach.awareness_at:
        errors["sent_at"] = _("ne peut pas précéder la prise de connaissance de la violation")
    # Art. 33(4): an initial notification announces the complementary one; a complete one
    # announces nothing more.
    if kind == NotificationKind.INITIAL and follow_up_by is None:
        errors["follow_up_by"] = _(
            "obligatoire : une notification initiale annonce une notification complémentaire "
            "(article 33.4) ; indiquez pour quand"
        )
    if kind == NotificationKind.COMPLETE and follow_up_by is not None:
        errors["follow_up_by"] = _("une notification complète n'annonce pas de complément")
    if follow_up_by is not None and follow_up_by < sent_at.astimezone(PARIS).date():
        errors["follow_up_by"] = _("ne peut pas précéder l'envoi de cette notification")
    reasons = cleaned.get("delay_reasons") or breach.delay_reasons
    first = kind in FIRST_KINDS and initial is None
    if first and sent_at > breach.notification_deadline and not reasons:
        errors["delay_reasons"] = _(
            "obligatoire : la notification intervient plus de 72 heures après la prise de "
            "connaissance (article 33.1)"
        )
    # Art. 33(3): what the notification gives the CNIL must be on the breach first.
    for name, message in art33_missing(breach).items():
        errors.setdefault(name, message)
    if errors:
        raise FieldErrors(errors)
    notification = BreachNotification(
        breach=breach,
        kind=kind,
        sent_at=sent_at,
        reference=cleaned.get("reference"),
        notes=cleaned.get("notes"),
        follow_up_by=follow_up_by,
        author_label=actor_label(actor),
    )
    session.add(notification)
    if cleaned.get("delay_reasons"):
        breach.delay_reasons = cleaned["delay_reasons"]
    if first:
        breach.status = BreachStatus.NOTIFIED
        breach.decided_at = sent_at
    # The notification lives in its own table: touch the breach so its version moves too.
    breach.updated_at = utcnow()
    session.flush()
    audit_update(
        session,
        breach,
        f"{_summary(breach)} · {kind.value} notification",
        actor=actor,
        action="notify",
        extra={
            "notification": {
                "before": None,
                "after": {
                    "kind": kind,
                    "sent_at": sent_at,
                    "reference": notification.reference,
                    "follow_up_by": follow_up_by,
                },
            }
        },
    )
    return notification


def decide_not_notifiable(
    session: Session,
    breach: PersonalDataBreach,
    decision: NotNotifiable,
    *,
    actor,
    version: int | None = None,
    at: datetime | None = None,
) -> PersonalDataBreach:
    """Document that the breach is unlikely to result in a risk (Art. 33(1)): it is not
    notified, and the register keeps why (Art. 33(5))."""
    check_version(breach, version)
    _writable(breach)
    if breach.status != BreachStatus.BEING_ASSESSED:
        raise FieldErrors({"status": _("la décision de notification est déjà prise")})
    risk = decision.risk_level or RiskLevel.NONE
    if risk != RiskLevel.NONE:
        raise FieldErrors(
            {
                "risk_level": _(
                    "une violation qui présente un risque pour les personnes doit être notifiée"
                )
            }
        )
    breach.risk_level = RiskLevel.NONE
    breach.risk_reasoning = decision.risk_reasoning
    breach.not_notified_reason = decision.not_notified_reason
    breach.communication_ground = decision.communication_ground or Art34Ground.NOT_HIGH_RISK
    breach.status = BreachStatus.NOT_NOTIFIABLE
    breach.decided_at = at or utcnow()
    audit_update(session, breach, _summary(breach), actor=actor, action="decide")
    return breach


def close_breach(
    session: Session,
    breach: PersonalDataBreach,
    *,
    actor,
    version: int | None = None,
    at: datetime | None = None,
) -> PersonalDataBreach:
    """Close a decided breach once the register holds the decision's content (see
    `closing_missing`)."""
    check_version(breach, version)
    _writable(breach)
    errors = {}
    if not breach.is_decided:
        errors["status"] = _("la décision de notification n'est pas encore prise")
    if breach.is_ongoing:
        errors["is_ongoing"] = _("la violation est toujours en cours")
    for name, message in closing_missing(breach).items():
        errors.setdefault(name, message)
    if errors:
        raise FieldErrors(errors)
    breach.status = BreachStatus.CLOSED
    breach.closed_at = at or utcnow()
    audit_update(session, breach, _summary(breach), actor=actor, action="close")
    return breach


def reopen_breach(
    session: Session, breach: PersonalDataBreach, *, actor, version: int | None = None
) -> PersonalDataBreach:
    """Back to the decision it was closed with (new facts to record)."""
    check_version(breach, version)
    if breach.status != BreachStatus.CLOSED:
        raise FieldErrors({"status": _("la violation n'est pas close")})
    breach.status = (
        BreachStatus.NOTIFIED if breach.initial_notification else BreachStatus.NOT_NOTIFIABLE
    )
    breach.closed_at = None
    audit_update(session, breach, _summary(breach), actor=actor, action="reopen")
    return breach


# --- archive ----------------------------------------------------------------------------------


def _set_archived(session: Session, breach, archived: bool, *, actor, version=None):
    check_version(breach, version)
    if breach.is_archived == archived:
        return breach
    breach.archived_at = utcnow() if archived else None
    audit.record(
        session,
        action="archive" if archived else "restore",
        actor=actor,
        target=breach,
        summary=_summary(breach),
    )
    return breach


def archive_breach(session: Session, breach, *, actor, version=None):
    """A breach recorded by mistake (a duplicate) leaves the register; nothing is deleted."""
    return _set_archived(session, breach, True, actor=actor, version=version)


def restore_breach(session: Session, breach, *, actor, version=None):
    return _set_archived(session, breach, False, actor=actor, version=version)


# --- from an incident ---------------------------------------------------------------------------


def open_breaches_for_incident(
    session: Session, incident: Incident, choices: Iterable[tuple], *, actor
) -> list[PersonalDataBreach]:
    """One breach per chosen controller, pre-filled from the incident and the register.

    `choices`: (fanout.Controller, informed_at, awareness_at) triples; H0 is never implied:
    without it, the controller's breach is refused (the form proposes one to confirm)."""
    created, errors = [], {}
    for controller, informed_at, awareness_at in choices:
        data = draft_from_incident(
            incident, controller, informed_at=informed_at, awareness_at=awareness_at
        )
        try:
            created.append(create_breach(session, validate(BreachCreate, data), actor=actor))
        except FieldErrors as error:
            for name, message in error.errors.items():
                errors[f"{controller.organisation.id}:{name}"] = message
    if errors:
        raise FieldErrors(errors)
    return created
