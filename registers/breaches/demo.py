"""Demo data of the breach register. The early-2023 ransomware attack on the shared
infrastructure (the incident log's demo) fans out into one breach per member whose processing
activities rely on the affected applications; three of them are documented: Ivry-sur-Seine
notified the CNIL on time in two phases (initial, then the complementary notification it
announced), Vitry-sur-Seine late with its reasons in one complete notification, the theatre
judged it not notifiable and says why. For the other controllers, the DPO documented why the
attack is no breach for them, and only then could the incident close; the same holds for the
other closed or reviewed incidents on shared applications. The lost laptop at Valdevy, still
open, waits for the DPO's decision on the dashboard. A recent breach at Valdevy, without an
incident, is still being assessed: its 72-hour clock runs relative to now, so the dashboards
always show one. Idempotent: a breach whose title exists in its organisation is left as it is."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.admin.services import find_user
from compliance.db import utcnow
from compliance.i18n import PARIS
from compliance.schemas import validate
from compliance.tenancy import Organisation
from registers.breaches import decisions, services
from registers.breaches.draft import draft_from_incident
from registers.breaches.fanout import controllers_for
from registers.breaches.models import PersonalDataBreach
from registers.breaches.schemas import (
    Art34Ground,
    BreachCreate,
    BreachUpdate,
    NoBreachDecisionCreate,
    NoBreachGround,
    NotificationCreate,
    NotNotifiable,
)
from registers.incidents import demo as incident_demo
from registers.incidents import incidents as incident_services
from registers.incidents.models import Incident, IncidentStatus
from registers.processing.models import ProcessingActivity

DPO_EMAIL = "dpo@demo.registre.invalid"
RANSOMWARE = "Rançongiciel sur l'infrastructure mutualisée"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """An instant given in Paris time."""
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


# The crisis meeting where the syndicate told the members' general managers and the DPO that
# personal data had probably been exfiltrated (the incident's timeline, 23 January 2023).
TOLD = at(date(2023, 1, 23), 11, 15)

OUTCOMES = {
    "ivry-sur-seine": {
        "update": {
            "records_count": 48_000,
            "communicated_at": at(date(2023, 2, 3), 10),
            "communication_means": "Courrier individuel aux agents, note sur l'intranet",
            "communication_details": (
                "Lettre signée du maire remise avec le bulletin de paie de janvier ; permanence "
                "du délégué à la protection des données les 6 et 7 février."
            ),
        },
        "notifications": [
            {
                "kind": "initial",
                "sent_at": at(date(2023, 1, 25), 17, 40),
                "reference": "NOTIF-2023-000417",
                "notes": "Notification initiale : périmètre probable, analyse en cours.",
                # Art. 33(4): the complementary notification is announced with its date.
                "follow_up_by": date(2023, 2, 24),
            },
            {
                "kind": "complementary",
                "sent_at": at(date(2023, 2, 24), 15),
                "reference": "NOTIF-2023-000417",
                "notes": (
                    "Rapport du prestataire de réponse à incident : 40 Go exfiltrés, dont les "
                    "exports de paie de 2022 et des pièces d'état civil numérisées."
                ),
            },
        ],
    },
    "vitry-sur-seine": {
        "update": {"records_count": 52_000},
        "notifications": [
            {
                "kind": "complete",
                "sent_at": at(date(2023, 1, 27), 16, 30),
                "reference": "NOTIF-2023-000452",
                "notes": "Notification complète après le rapport préliminaire du prestataire.",
                "delay_reasons": (
                    "La direction générale a attendu le rapport préliminaire du prestataire de "
                    "réponse à incident (reçu le 27 janvier à 12 h) pour savoir si des données "
                    "avaient quitté le système d'information. Une notification initiale "
                    "incomplète aurait dû être faite le 26 janvier, puis complétée (article "
                    "33.4) : la procédure interne a été corrigée en ce sens."
                ),
            }
        ],
    },
    "theatre-antoine-vitez": {
        "update": {
            "confidentiality": False,
            "availability": True,
            "integrity": False,
            "ended_at": at(date(2023, 1, 27), 18),
            "is_ongoing": False,
            "consequences": (
                "Perte de disponibilité de la base de paie du 21 au 27 janvier : la paie de "
                "janvier a été préparée à partir du fichier de décembre et versée à la date "
                "habituelle. Aucune conséquence pour les agents."
            ),
        },
        "decision": {
            "risk_reasoning": (
                "Seule la base de paie (SEDIT WEB2) est concernée pour le théâtre : 90 agents. "
                "L'analyse du prestataire de réponse à incident montre que les données "
                "exfiltrées proviennent des serveurs de fichiers des villes, pas de la base de "
                "paie, qui a seulement été rendue indisponible puis restaurée depuis la copie "
                "sur bandes du 15 janvier, sans perte. La paie de janvier a été versée à la "
                "date habituelle à partir du fichier de décembre : aucune conséquence pour les "
                "agents."
            ),
            "not_notified_reason": (
                "Violation de disponibilité de courte durée, données restaurées intégralement, "
                "pas d'accès par un tiers : la violation n'est pas susceptible d'engendrer un "
                "risque pour les droits et libertés des agents (article 33.1). Inscrite au "
                "registre des violations."
            ),
            "communication_ground": Art34Ground.NOT_HIGH_RISK,
        },
        "decided_at": at(date(2023, 2, 10), 14),
        "close_at": at(date(2023, 3, 20), 10),
    },
}

LIVE = {
    "organisation": "valdevy",
    "processing": "LO-01",
    "title": "Liste de demandeurs de logement envoyée à un mauvais destinataire",
    "hours_ago": 26,
    "data": {
        "started_at": None,
        "is_ongoing": False,
        "confidentiality": True,
        "origin": "internal",
        "cause": "accidental",
        "circumstance": "sent_to_wrong_recipient",
        "description": (
            "Un agent du service des attributions a envoyé à une association partenaire le "
            "tableau des demandeurs présentés en commission, au lieu de la seule liste des "
            "logements vacants. L'association a signalé l'erreur le lendemain matin."
        ),
        "subject_categories": ["housing_applicants", "families"],
        "people_count": 212,
        "records_count": 212,
        "data_categories": ["identity", "personal_life", "economic_financial"],
        "consequences": (
            "Divulgation à un tiers de la situation familiale et des ressources des "
            "demandeurs ; le destinataire est une association tenue à la confidentialité."
        ),
        "measures_taken": (
            "Demande de suppression adressée à l'association, qui a confirmé par écrit ; "
            "rappel de la procédure d'envoi au service des attributions."
        ),
        "measures_proposed": "Envoi des listes par le portail partenaires plutôt que par courriel.",
        "risk_level": "risk",
        "risk_reasoning": (
            "Données de ressources et de situation familiale de 212 ménages ; destinataire "
            "identifié et de confiance, suppression confirmée : risque, sans doute pas élevé."
        ),
        "contact": "DPD mutualisé du SIIM94",
    },
}


# For the controllers of an incident with no breach: when the DPO decided, on what ground
# and why (Art. 33(5)). An incident whose story closes it is closed once they are recorded.
NO_BREACH = {
    RANSOMWARE: (
        at(date(2023, 2, 10), 16),
        NoBreachGround.NOT_AFFECTED,
        "Rapport d'analyse du prestataire de réponse aux incidents (PRIS) du 8 février 2023 : "
        "les bases et partages de ce membre n'étaient ni dans le périmètre chiffré ni dans "
        "l'archive exfiltrée ; les restaurations ont été vérifiées avec son référent.",
    ),
    "Campagne d'hameçonnage : faux portail de l'intranet": (
        None,
        NoBreachGround.NOT_AFFECTED,
        "Aucun compte de ce membre n'a saisi ses identifiants sur le faux portail (journaux "
        "du proxy vérifiés) ; aucun accès anormal aux sites SharePoint de ce membre.",
    ),
    "Indisponibilité de la plateforme de marchés publics": (
        None,
        NoBreachGround.NOT_AFFECTED,
        "Panne de quelques heures chez l'éditeur, sans perte ni altération : les dépôts et "
        "les comptes des entreprises ont été retrouvés intacts au rétablissement.",
    ),
}


def load(session: Session, *, actor) -> None:
    dpo = find_user(session, DPO_EMAIL) or actor
    organisations = {o.slug: o for o in session.scalars(sa.select(Organisation))}
    incident = session.scalar(sa.select(Incident).where(Incident.title == RANSOMWARE))
    if incident is not None:
        _ransomware(session, incident, organisations, dpo)
    ciso = find_user(session, incident_demo.CISO_EMAIL) or actor
    for title, decision in NO_BREACH.items():
        incident = session.scalar(sa.select(Incident).where(Incident.title == title))
        if incident is not None:
            _decide_and_close(session, incident, decision, dpo=dpo, ciso=ciso)
    if LIVE["organisation"] in organisations:
        _live(session, organisations[LIVE["organisation"]], dpo)


def _exists(session: Session, organisation_id: int, title: str) -> bool:
    return (
        session.scalar(
            sa.select(PersonalDataBreach.id).where(
                PersonalDataBreach.organisation_id == organisation_id,
                PersonalDataBreach.title == title,
            )
        )
        is not None
    )


def _ransomware(session: Session, incident: Incident, organisations: dict, dpo) -> None:
    fanout = controllers_for(incident, session=session, everything=True)
    for controller in fanout.controllers:
        slug = controller.organisation.slug
        outcome = OUTCOMES.get(slug)
        if outcome is None:
            continue
        # H0 confirmed by the DPO: the members learnt of it at the crisis meeting.
        data = draft_from_incident(incident, controller, informed_at=TOLD, awareness_at=TOLD)
        if _exists(session, controller.organisation.id, data["title"]):
            continue
        breach = services.create_breach(session, validate(BreachCreate, data), actor=dpo)
        changes = validate(BreachUpdate, outcome["update"])
        services.update_breach(session, breach, changes, actor=dpo)
        for notification in outcome.get("notifications", []):
            values = validate(NotificationCreate, notification)
            services.record_notification(session, breach, values, actor=dpo)
        if "decision" in outcome:
            decision = validate(NotNotifiable, outcome["decision"])
            services.decide_not_notifiable(
                session, breach, decision, actor=dpo, at=outcome["decided_at"]
            )
        if "close_at" in outcome:
            services.close_breach(session, breach, actor=dpo, at=outcome["close_at"])


def _decide_and_close(session: Session, incident: Incident, decision, *, dpo, ciso) -> None:
    decided_at, ground, reason = decision
    close = incident_demo.closing(incident.title)
    if decided_at is None:
        # A day after the incident's response ended (the demo's recent incidents move with it).
        moment = incident.lessons_learnt_at or incident.detected_at
        decided_at = moment + timedelta(hours=16)
        if close is not None:
            decided_at = min(decided_at, close[0])
    fanout = controllers_for(incident, session=session, everything=True)
    pending = [c.organisation.id for c in fanout.pending]
    if pending:
        values = {
            "organisation_ids": pending,
            "ground": ground,
            "reason": reason,
            "decided_at": min(decided_at, utcnow()),
        }
        decisions.record_no_breach(
            session, incident, validate(NoBreachDecisionCreate, values), actor=dpo
        )
    if close is not None and incident.status == IncidentStatus.LESSONS_LEARNT:
        moment, values = close
        incident_services.transition_incident(
            session, incident, IncidentStatus.CLOSED, at=moment, actor=ciso, **values
        )


def _live(session: Session, organisation: Organisation, dpo) -> None:
    if _exists(session, organisation.id, LIVE["title"]):
        return
    aware = (utcnow() - timedelta(hours=LIVE["hours_ago"])).replace(second=0, microsecond=0)
    activity = session.scalar(
        sa.select(ProcessingActivity.id).where(
            ProcessingActivity.organisation_id == organisation.id,
            ProcessingActivity.reference == LIVE["processing"],
        )
    )
    data = {
        **LIVE["data"],
        "title": LIVE["title"],
        "organisation_id": organisation.id,
        "processing_ids": [activity] if activity else [],
        "discovered_at": aware - timedelta(minutes=20),
        "awareness_at": aware,
        "started_at": aware - timedelta(hours=18),
        "ended_at": aware - timedelta(hours=18),
    }
    services.create_breach(session, validate(BreachCreate, data), actor=dpo)
