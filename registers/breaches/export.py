"""The data of the breach register's Word documents, as plain dicts for their templates:

- the breach register of one organisation (Art. 33(5): every breach, notified or not, its facts,
  effects, remedial action, and why it was not notified);
- a breach's notification dossier, laid out as the CNIL's online form asks;
- the letter to the people concerned (Art. 34), whose text registers/breaches/letter.py writes
  for the person.

Documents are written in French whoever exports them; instants are shown in Paris time."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from compliance.documents import (
    DocumentType,
    ExportRecord,
    export_document,
    format_document_datetime,
)
from compliance.durations import format_duration
from compliance.tenancy import Organisation, slugify
from registers.breaches import draft, letter
from registers.breaches.clock import clock, processor_delay
from registers.breaches.models import NoBreachDecision, PersonalDataBreach
from registers.breaches.queries import REGISTER
from registers.breaches.schemas import BreachStatus, RiskLevel
from registers.processing.reference import DataCategory, SpecialCategory, SubjectCategory

REGISTER_DOC, DOSSIER, LETTER = "breach-register", "breach-notification", "breach-letter"
TITLES = {
    REGISTER_DOC: "Registre des violations de données personnelles",
    DOSSIER: "Dossier de notification d'une violation de données personnelles",
    LETTER: letter.TITLE,
}
DETAIL_OPTIONS = (
    selectinload(PersonalDataBreach.organisation),
    selectinload(PersonalDataBreach.incident),
    selectinload(PersonalDataBreach.notifications),
    selectinload(PersonalDataBreach.activities),
)


def _label(value) -> str:
    return value.label if value is not None else ""


def _lines(text: str | None) -> list[str]:
    """A free text as its non-empty lines, list dashes removed (the template lays them out)."""
    result = []
    for line in (text or "").splitlines():
        line = line.strip().removeprefix("- ").removeprefix("• ").strip()
        if line:
            result.append(line)
    return result


def _count(value: int | None) -> str:
    return f"{value:,}".replace(",", "\u202f") if value is not None else "non déterminé"


def _nature(breach: PersonalDataBreach) -> list[str]:
    names = {
        "confidentiality": "perte de confidentialité (données divulguées ou consultées)",
        "integrity": "perte d'intégrité (données modifiées ou altérées)",
        "availability": "perte de disponibilité (données inaccessibles ou détruites)",
    }
    return [names[code] for code in breach.nature]


def _plain_nature(breach: PersonalDataBreach) -> list[str]:
    names = {
        "confidentiality": "des personnes qui n'y étaient pas autorisées ont pu y accéder",
        "integrity": "vos données ont pu être modifiées",
        "availability": "vos données ont été temporairement inaccessibles",
    }
    return [names[code] for code in breach.nature]


def _data(breach: PersonalDataBreach) -> dict:
    special = [SpecialCategory(code).label for code in breach.special_categories]
    sensitive = list(special)
    if breach.criminal_data:
        sensitive.append("Infractions, condamnations (art. 10)")
    if breach.nir_concerned:
        sensitive.append("Numéro de sécurité sociale (NIR)")
    ordinary = [DataCategory(code).label for code in breach.data_categories]
    return {
        "sensitive": sensitive,
        "has_sensitive": bool(sensitive),
        "ordinary": ordinary,
        "all": ", ".join(sensitive + ordinary) or "non déterminées",
        "subjects": ", ".join(SubjectCategory(c).label for c in breach.subject_categories)
        or "non déterminées",
    }


def _decision(breach: PersonalDataBreach) -> str:
    initial = breach.initial_notification
    if initial is not None:
        return "Notifiée à la CNIL"
    if breach.status == BreachStatus.NOT_NOTIFIABLE or breach.not_notified_reason:
        return "Non notifiée (risque improbable)"
    return "Décision en attente"


def _timeliness(breach: PersonalDataBreach) -> str:
    state = clock(breach)
    if state.state == "notified":
        return "dans les 72 heures"
    if state.state == "notified_late":
        return f"avec {format_duration(state.notified_at - state.deadline)} de retard"
    if state.state == "late":
        return f"délai dépassé de {format_duration(state.overdue)}, sans décision"
    if state.state == "running":
        return f"{format_duration(state.remaining)} restantes"
    return ""


def _communication(breach: PersonalDataBreach) -> str:
    if breach.communicated_at:
        means = f" ({breach.communication_means})" if breach.communication_means else ""
        return f"Informées le {_date(breach.communicated_at)}{means}"
    if breach.communication_ground:
        return f"Non informées : {breach.communication_ground.label}"
    if breach.risk_level == RiskLevel.HIGH:
        return "À informer (risque élevé)"
    return "Non déterminé"


def _processor_delay(breach: PersonalDataBreach) -> str:
    """Art. 33(2): the processor's delay to inform the controller, flagged beyond the setting."""
    delay = processor_delay(breach)
    if delay is None:
        return ""
    if delay.exceeded:
        return f"{delay.label} (au-delà des {delay.limit_hours} heures admises)"
    return delay.label


def _date(value: datetime | None) -> str:
    return format_document_datetime(value) if value else ""


def breach_summary(breach: PersonalDataBreach) -> dict:
    """Every field of a breach as text, shared by the three documents."""
    incident = breach.incident
    initial = breach.initial_notification
    return {
        "reference": breach.reference,
        "title": breach.title,
        "status": breach.status.label,
        "organisation": breach.organisation.name,
        "incident": f"{incident.reference} · {incident.title}" if incident else "",
        "processor": incident.organisation.name
        if incident and incident.organisation_id != breach.organisation_id
        else "",
        "started_at": breach.started_at,
        "ended_at": breach.ended_at,
        "is_ongoing": breach.is_ongoing,
        "discovered_at": breach.discovered_at,
        "controller_informed_at": breach.controller_informed_at,
        "processor_delay": _processor_delay(breach),
        "awareness_at": breach.awareness_at,
        "deadline": breach.notification_deadline,
        "timeliness": _timeliness(breach),
        "nature": _nature(breach),
        "nature_text": "; ".join(_nature(breach)) or "non déterminée",
        "plain_nature": _plain_nature(breach),
        "origin": _label(breach.origin) or "non déterminée",
        "cause": _label(breach.cause) or "non déterminée",
        "circumstance": _label(breach.circumstance) or "non déterminées",
        "description": breach.description or "",
        "people_count": _count(breach.people_count),
        "records_count": _count(breach.records_count),
        "people_details": _lines(breach.people_details),
        "data": _data(breach),
        "consequences": _lines(breach.consequences),
        "measures_taken": _lines(breach.measures_taken),
        "measures_proposed": _lines(breach.measures_proposed),
        "risk": _label(breach.risk_level) or "non évalué",
        "risk_meaning": breach.risk_level.meaning if breach.risk_level else "",
        "risk_reasoning": breach.risk_reasoning or "",
        "contact": breach.contact or draft.contact(breach.organisation),
        "decision": _decision(breach),
        "decided_at": breach.decided_at,
        "notified": initial is not None,
        "initial_sent_at": initial.sent_at if initial else None,
        "initial_reference": (initial.reference or "") if initial else "",
        "notifications": [
            {
                "kind": n.kind.label,
                "sent_at": n.sent_at,
                "reference": n.reference or "",
                "notes": n.notes or "",
            }
            for n in breach.notifications
        ],
        "delay_reasons": breach.delay_reasons or "",
        "not_notified_reason": breach.not_notified_reason or "",
        "communication": _communication(breach),
        "communicated_at": breach.communicated_at,
        "communication_means": breach.communication_means or "",
        "communication_ground": _label(breach.communication_ground),
        "communication_details": breach.communication_details or "",
        "activities": [
            {"reference": a.reference, "name": a.name, "service": a.responsible_service or ""}
            for a in breach.activities
        ],
        "closed_at": breach.closed_at,
    }


def _organisation(organisation: Organisation) -> dict:
    return {
        "name": organisation.name,
        "kind": organisation.kind.label,
        "siren": organisation.siren or "",
        "address": organisation.address or "",
        "legal_representative": organisation.legal_representative or "",
        "dpo": organisation.dpo_name or "",
        "dpo_number": organisation.dpo_cnil_number or "",
        "dpo_contact": organisation.dpo_contact or "",
        "referent": organisation.referent_name or "",
        "referent_email": organisation.referent_email or "",
    }


# --- the register of one organisation -------------------------------------------------------------


def register_breaches(session: Session, organisation: Organisation) -> list[PersonalDataBreach]:
    """Every breach of one organisation, oldest first (the caller checked the right to export
    that organisation's register)."""
    statement = (
        sa.select(PersonalDataBreach)
        .options(*DETAIL_OPTIONS)
        .where(
            PersonalDataBreach.organisation_id == organisation.id,
            PersonalDataBreach.archived_at.is_(None),
        )
        .order_by(PersonalDataBreach.awareness_at, PersonalDataBreach.id)
    )
    return list(session.scalars(statement))


def no_breach_decisions(session: Session, organisation: Organisation) -> list[dict]:
    """The documented "no breach" decisions of one controller, oldest first (Art. 33(5))."""
    statement = (
        sa.select(NoBreachDecision)
        .options(selectinload(NoBreachDecision.incident))
        .where(NoBreachDecision.organisation_id == organisation.id)
        .order_by(NoBreachDecision.decided_at, NoBreachDecision.id)
    )
    return [
        {
            "incident": f"{d.incident.reference} {d.incident.title}",
            "decided_at": d.decided_at,
            "decided_by": d.decided_by_label or "",
            "ground": d.ground.label,
            "reason": d.reason,
        }
        for d in session.scalars(statement)
    ]


def register_context(session: Session, organisation: Organisation) -> dict:
    with force_locale("fr"):
        records = register_breaches(session, organisation)
        breaches = [breach_summary(b) for b in records]
        late = sum(1 for b in records if clock(b).state in ("late", "notified_late"))
        return {
            "title": TITLES[REGISTER_DOC],
            "scope": {"label": organisation.name},
            "organisation": _organisation(organisation),
            "totals": {
                "breaches": len(breaches),
                "notified": sum(1 for b in breaches if b["notified"]),
                "not_notified": sum(
                    1 for b in breaches if not b["notified"] and b["not_notified_reason"]
                ),
                "pending": sum(
                    1 for b in breaches if not b["notified"] and not b["not_notified_reason"]
                ),
                "late": late,
            },
            "breaches": breaches,
            "no_breach": no_breach_decisions(session, organisation),
        }


def export_register(
    session: Session, organisation: Organisation, *, actor
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the breach register of one organisation (flushes only)."""
    context = register_context(session, organisation)
    return export_document(
        session,
        document=REGISTER_DOC,
        template=REGISTER_DOC,
        context=context,
        title=f"{TITLES[REGISTER_DOC]} — {organisation.name}",
        filename=f"registre-violations-{slugify(organisation.name)}.docx",
        actor=actor,
        organisation=organisation,
        parameters={"organisation": organisation.slug, "breaches": len(context["breaches"])},
    )


# --- one breach -----------------------------------------------------------------------------------


def dossier_context(breach: PersonalDataBreach) -> dict:
    with force_locale("fr"):
        return {
            "title": TITLES[DOSSIER],
            "scope": {"label": f"{breach.organisation.name} · {breach.reference}"},
            "organisation": _organisation(breach.organisation),
            "breach": breach_summary(breach),
        }


def letter_context(breach: PersonalDataBreach) -> dict:
    """The letter written for the person (registers/breaches/letter.py). `organisation` and
    `breach` stay in the context for templates restyled before the letter was rewritten."""
    with force_locale("fr"):
        return {
            **letter.letter_context(breach),
            "organisation": _organisation(breach.organisation),
            "breach": breach_summary(breach),
        }


def _export_one(session, breach, document, context, filename, *, actor):
    return export_document(
        session,
        document=document,
        template=document,
        context=context,
        title=f"{TITLES[document]} {breach.reference}",
        filename=filename,
        actor=actor,
        organisation=breach.organisation,
        parameters={"breach": breach.reference},
    )


def export_dossier(session: Session, breach: PersonalDataBreach, *, actor):
    filename = f"notification-violation-{breach.reference.lower()}.docx"
    return _export_one(session, breach, DOSSIER, dossier_context(breach), filename, actor=actor)


def export_letter(session: Session, breach: PersonalDataBreach, *, actor):
    filename = f"lettre-personnes-{breach.reference.lower()}.docx"
    return _export_one(session, breach, LETTER, letter_context(breach), filename, actor=actor)


# --- the data of an organisation, to check a restyled template with (the demo's, then its own) --


def live_register(session: Session, organisation: Organisation, _user) -> dict | None:
    if not register_breaches(session, organisation):
        return None
    return register_context(session, organisation)


def _first_breach(session: Session, organisation: Organisation):
    breaches = register_breaches(session, organisation)
    return breaches[0] if breaches else None


def live_dossier(session: Session, organisation: Organisation, _user) -> dict | None:
    breach = _first_breach(session, organisation)
    return dossier_context(breach) if breach is not None else None


def live_letter(session: Session, organisation: Organisation, _user) -> dict | None:
    breach = _first_breach(session, organisation)
    return letter_context(breach) if breach is not None else None


DOCUMENT_TYPES = (
    DocumentType(
        REGISTER_DOC,
        _l("Registre des violations de données"),
        REGISTER.value,
        live_register,
    ),
    DocumentType(
        DOSSIER,
        _l("Dossier de notification d'une violation"),
        REGISTER.value,
        live_dossier,
    ),
    DocumentType(
        LETTER,
        _l("Lettre aux personnes concernées (art. 34)"),
        REGISTER.value,
        live_letter,
    ),
)
