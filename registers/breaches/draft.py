"""The first draft of a breach, from what the incident log and the record of processing
activities already know: the content Art. 33(3) requires (nature, categories and numbers of
people and data, likely consequences, measures, contact), so that the DPO corrects rather than
writes from scratch. Drafts are written in French, whoever prepares them."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale

from compliance.documents import format_document_datetime
from compliance.tenancy import Organisation
from registers.breaches.fanout import Controller
from registers.breaches.schemas import BreachCause, BreachOrigin, Circumstance, RiskLevel
from registers.incidents.models import EntryKind, ImpactLevel, Incident, IncidentCategory
from registers.processing.reference import DataCategory, SpecialCategory, SubjectCategory

C = IncidentCategory
# (origin, cause, circumstance) suggested by the category of the incident.
CATEGORY_ORIGINS = {
    C.MALWARE: (BreachOrigin.EXTERNAL, BreachCause.MALICIOUS, Circumstance.HACKING),
    C.PHISHING: (BreachOrigin.EXTERNAL, BreachCause.MALICIOUS, Circumstance.HACKING),
    C.ACCOUNT_COMPROMISE: (BreachOrigin.EXTERNAL, BreachCause.MALICIOUS, Circumstance.HACKING),
    C.UNAUTHORISED_ACCESS: (BreachOrigin.UNKNOWN, BreachCause.MALICIOUS, Circumstance.HACKING),
    C.DATA_LEAK: (BreachOrigin.UNKNOWN, BreachCause.UNKNOWN, Circumstance.UNINTENDED_PUBLICATION),
    C.DENIAL_OF_SERVICE: (BreachOrigin.EXTERNAL, BreachCause.MALICIOUS, Circumstance.HACKING),
    C.LOSS_OR_THEFT: (
        BreachOrigin.INTERNAL,
        BreachCause.ACCIDENTAL,
        Circumstance.LOST_OR_STOLEN_DEVICE,
    ),
    C.MISCONFIGURATION: (BreachOrigin.INTERNAL, BreachCause.ACCIDENTAL, Circumstance.OTHER),
    C.PROVIDER_OUTAGE: (BreachOrigin.EXTERNAL, BreachCause.ACCIDENTAL, Circumstance.OTHER),
    C.PHYSICAL: (BreachOrigin.UNKNOWN, BreachCause.UNKNOWN, Circumstance.OTHER),
    C.OTHER: (BreachOrigin.UNKNOWN, BreachCause.UNKNOWN, Circumstance.OTHER),
}
VULNERABLE_PEOPLE = {SubjectCategory.CHILDREN, SubjectCategory.VULNERABLE, SubjectCategory.PATIENTS}


def _breached(level: ImpactLevel | None) -> bool:
    return level is not None and level != ImpactLevel.NONE


def nature(incident: Incident) -> dict[str, bool]:
    return {
        "confidentiality": _breached(incident.impact_confidentiality),
        "integrity": _breached(incident.impact_integrity),
        "availability": _breached(incident.impact_availability),
    }


def _when(value: datetime | None) -> str:
    return format_document_datetime(value) if value else ""


def description(incident: Incident, controller: Controller) -> str:
    applications = ", ".join(a.name for a in controller.applications)
    host = incident.organisation.name
    origin = (
        f"Violation consécutive à l'incident {incident.reference} « {incident.title} » "
        f"({incident.category.label.lower()}), déclaré par {host}"
    )
    if applications:
        origin += (
            f", qui héberge les applications touchées utilisées par "
            f"{controller.organisation.name} : {applications}."
        )
    else:
        origin += f", qui concerne {controller.organisation.name}."
    lines = [
        origin,
        f"Détecté le {_when(incident.detected_at)}"
        + (f", survenu le {_when(incident.occurred_at)}" if incident.occurred_at else "")
        + ".",
        "",
        incident.description,
    ]
    return "\n".join(lines).strip()


def people_details(controller: Controller) -> str:
    lines = []
    for activity in controller.activities:
        subjects = ", ".join(
            s.category.label
            + (f" ({s.estimated_number:,})".replace(",", " ") if s.estimated_number else "")
            for s in activity.subjects
        )
        lines.append(f"{activity.reference} {activity.name} : {subjects or 'non renseigné'}")
    return "\n".join(lines)


def consequences(flags: dict[str, bool], controller: Controller) -> str:
    data = set(controller.data_categories)
    lines = []
    if flags["confidentiality"]:
        lines.append(
            "Perte de confidentialité : les données ont pu être consultées ou copiées par un "
            "tiers, qui pourrait les utiliser pour des hameçonnages ciblés ou les publier."
        )
        if DataCategory.ECONOMIC_FINANCIAL.value in data or controller.nir:
            lines.append(
                "Coordonnées bancaires ou numéro de sécurité sociale : risque d'usurpation "
                "d'identité et de fraude financière."
            )
        if controller.special_categories:
            labels = ", ".join(
                SpecialCategory(c).label.lower() for c in controller.special_categories
            )
            lines.append(
                f"Données sensibles ({labels}) : atteinte à la vie privée, risque de "
                "discrimination ou de préjudice moral."
            )
    if flags["integrity"]:
        lines.append(
            "Perte d'intégrité : des données ont pu être altérées ou chiffrées ; des décisions "
            "ou des paiements fondés sur des données erronées sont possibles."
        )
    if flags["availability"]:
        lines.append(
            "Perte de disponibilité : les services qui reposent sur les applications touchées "
            "ont été interrompus (retards de prestations, de paiements ou de démarches)."
        )
    return "\n".join(f"- {line}" for line in lines)


def measures_taken(incident: Incident) -> str:
    lines = [
        f"- {_when(entry.at)} : {entry.text}"
        for entry in incident.entries
        if entry.kind == EntryKind.ACTION
    ]
    if incident.contained_at:
        lines.append(f"- Incident confiné le {_when(incident.contained_at)}.")
    if incident.resolved_at:
        lines.append(f"- Incident résolu le {_when(incident.resolved_at)}.")
    return "\n".join(lines)


def measures_proposed(incident: Incident) -> str:
    return "\n".join(
        f"- {action.reference} {action.title} (échéance {action.due_on:%d/%m/%Y})"
        for action in incident.actions
        if not action.is_archived
    )


def risk(flags: dict[str, bool], controller: Controller) -> tuple[RiskLevel, str]:
    """A suggested level and its reasons, for the DPO to confirm or correct."""
    reasons = []
    if controller.special_categories:
        reasons.append("données sensibles (article 9)")
    if controller.nir:
        reasons.append("numéro de sécurité sociale")
    if controller.criminal:
        reasons.append("données d'infractions (article 10)")
    if flags["confidentiality"] and DataCategory.ECONOMIC_FINANCIAL.value in set(
        controller.data_categories
    ):
        reasons.append("données financières exposées")
    if any(category in VULNERABLE_PEOPLE for category, _n in controller.subjects):
        reasons.append("personnes vulnérables (enfants, patients, publics fragiles)")
    people = controller.people_estimate
    if people and people >= 10_000:
        reasons.append(f"volume important ({people:,} personnes environ)".replace(",", " "))
    high = flags["confidentiality"] and bool(reasons)
    level = RiskLevel.HIGH if high else RiskLevel.RISK
    text = "Proposition établie à partir du registre des traitements, à confirmer : "
    text += level.label.lower()
    text += f" ({', '.join(reasons)})." if reasons else "."
    return level, text


def contact(organisation: Organisation) -> str:
    parts = [organisation.dpo_name or "Délégué à la protection des données"]
    if organisation.dpo_cnil_number:
        parts.append(f"désignation CNIL n° {organisation.dpo_cnil_number}")
    if organisation.dpo_contact:
        parts.append(organisation.dpo_contact)
    elif organisation.referent_email:
        parts.append(organisation.referent_email)
    return " · ".join(parts)[:500]


def draft_from_incident(
    incident: Incident, controller: Controller, *, informed_at: datetime, awareness_at=None
) -> dict:
    """The services' input for one controller's breach, pre-filled (see the module's doc)."""
    with force_locale("fr"):
        flags = nature(incident)
        origin, cause, circumstance = CATEGORY_ORIGINS.get(
            incident.category, CATEGORY_ORIGINS[C.OTHER]
        )
        level, reasoning = risk(flags, controller)
        organisation = controller.organisation
        return {
            "title": f"{incident.title} · {organisation.name}"[:200],
            "organisation_id": organisation.id,
            "incident_id": incident.id,
            "processing_ids": [a.id for a in controller.activities],
            "started_at": incident.occurred_at,
            "ended_at": incident.contained_at,
            "is_ongoing": incident.contained_at is None,
            "discovered_at": incident.detected_at,
            "controller_informed_at": informed_at,
            "awareness_at": awareness_at,
            **flags,
            "origin": origin,
            "cause": cause,
            "circumstance": circumstance,
            "description": description(incident, controller)[:20_000],
            "subject_categories": [c.value for c, _n in controller.subjects],
            "people_count": controller.people_estimate,
            "people_details": people_details(controller)[:5_000],
            "data_categories": controller.data_categories,
            "special_categories": controller.special_categories,
            "nir_concerned": controller.nir,
            "criminal_data": controller.criminal,
            "consequences": consequences(flags, controller),
            "measures_taken": measures_taken(incident)[:10_000],
            "measures_proposed": measures_proposed(incident)[:10_000],
            "risk_level": level,
            "risk_reasoning": reasoning,
            "contact": contact(organisation),
        }
