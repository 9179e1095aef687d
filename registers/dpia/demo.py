"""The DPIA register's part of the demo: the video surveillance of a city's public spaces (a
draft whose residual risk calls for the prior consultation of the CNIL) and the patient file of
Ivry's municipal health centre (validated). Idempotent: a DPIA already there is left alone."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.admin.services import find_user
from compliance.schemas import validate
from compliance.tenancy import Organisation
from registers.dpia import measures, services
from registers.dpia.models import Dpia
from registers.dpia.schemas import (
    DpiaUpdate,
    MeasureCreate,
    Principle,
    PrincipleAnswer,
    RiskKind,
    RiskUpdate,
)
from registers.processing import services as processing_services
from registers.processing.models import ProcessingActivity
from registers.processing.schemas import ActivityCreate, check

DPO_EMAIL = "dpo@demo.registre.invalid"
VIDEO = {
    "reference": "VP-01",
    "name": "Vidéoprotection de la voie publique",
    "description": "Caméras de vidéoprotection sur la voie publique, visionnage au centre "
    "de supervision urbain et extraction d'images sur réquisition judiciaire.",
    "responsible_service": "Police municipale",
    "purposes": [
        {
            "description": "Prévenir les atteintes à la sécurité des personnes et des biens "
            "sur la voie publique",
            "legal_basis": "public_task",
            "legal_text": "Code de la sécurité intérieure, art. L. 251-2",
        }
    ],
    "data_categories": [
        {
            "category": "identity",
            "description": "Images des personnes filmées, plaques d'immatriculation",
            "active_period": "30 jours au plus (CSI, art. L. 252-5)",
            "final_fate": "destroy",
        }
    ],
    "subjects": [{"category": "residents", "estimated_number": 90000}],
    "recipients": [
        {"recipient_type": "institutional_partner", "name": "Police et gendarmerie nationales"}
    ],
    "security_measures": [
        {"family": "access_control", "details": "Accès au centre de supervision par badge"}
    ],
    "dpia_criteria": ["systematic_monitoring", "large_scale"],
    "dpia_cnil_types": [],
}
JUSTIFIED = {
    Principle.PURPOSES: "Finalité fixée par le code de la sécurité intérieure.",
    Principle.LEGAL_BASIS: "Mission d'intérêt public (art. 6.1.e), autorisation préfectorale.",
    Principle.MINIMISATION: "Masquage des zones privées ; pas de son.",
    Principle.ACCURACY: "Horodatage synchronisé des enregistrements.",
    Principle.RETENTION: "Effacement automatique au bout de 30 jours.",
    Principle.INFORMATION: "Panneaux d'information aux entrées de la zone filmée.",
    Principle.CONSENT: "Sans objet : traitement fondé sur une mission d'intérêt public.",
    Principle.ACCESS_PORTABILITY: "Accès aux images par demande écrite au maire.",
    Principle.RECTIFICATION_ERASURE: "Effacement à la demande lorsqu'aucune enquête n'est ouverte.",
    Principle.RESTRICTION_OBJECTION: "Opposition non applicable (art. 23 et CSI).",
    Principle.PROCESSORS: "Mainteneur des caméras sous contrat art. 28.",
    Principle.TRANSFERS: "Aucun transfert hors de l'Union européenne.",
}
HEALTH_RISKS = {
    RiskKind.ILLEGITIMATE_ACCESS: (
        "maximum",
        "significant",
        "limited",
        "limited",
        "Agents, prestataire, attaquant externe",
    ),
    RiskKind.UNWANTED_MODIFICATION: (
        "significant",
        "limited",
        "limited",
        "limited",
        "Erreur de saisie, logiciel défaillant",
    ),
    RiskKind.DISAPPEARANCE: (
        "significant",
        "significant",
        "limited",
        "negligible",
        "Rançongiciel, panne de l'hébergeur",
    ),
}
VIDEO_RISKS = {
    RiskKind.ILLEGITIMATE_ACCESS: (
        "maximum",
        "maximum",
        "maximum",
        "significant",
        "Opérateurs du centre, intrusion réseau",
    ),
    RiskKind.UNWANTED_MODIFICATION: ("limited", "limited", None, None, "Opérateurs"),
    RiskKind.DISAPPEARANCE: ("limited", "significant", None, "limited", "Panne des enregistreurs"),
}


def _risks(session, dpia, levels, actor) -> None:
    for kind, (severity, likelihood, after_s, after_l, sources) in levels.items():
        values = {
            "sources": sources,
            "threats": "Consultation, copie ou diffusion des données hors des usages prévus.",
            "impacts": "Atteinte à la vie privée, discrimination, perte de confiance.",
            "severity": severity,
            "likelihood": likelihood,
            "justification": "Estimation du délégué avec le service (échelles de la CNIL).",
            "residual_severity": after_s,
            "residual_likelihood": after_l,
        }
        services.update_risk(session, dpia, kind, validate(RiskUpdate, values), actor=actor)


def _principles(session, dpia, actor) -> None:
    answers = {
        principle.value: validate(
            PrincipleAnswer, {"justification": text, "judgement": "acceptable"}
        )
        for principle, text in JUSTIFIED.items()
    }
    services.update_principles(session, dpia, answers, actor=actor)


def _activity(session, organisation_slug: str, reference: str):
    return session.scalar(
        sa.select(ProcessingActivity)
        .join(Organisation, Organisation.id == ProcessingActivity.organisation_id)
        .where(Organisation.slug == organisation_slug, ProcessingActivity.reference == reference)
    )


def _has_dpia(session, activity) -> bool:
    return session.scalar(sa.select(Dpia.id).where(Dpia.processing_id == activity.id)) is not None


def load(session: Session, *, actor) -> None:
    actor = find_user(session, DPO_EMAIL) or actor
    _health_centre(session, actor)
    _video(session, actor)


def _health_centre(session, actor) -> None:
    activity = _activity(session, "ivry-sur-seine", "SA-01")
    if activity is None or _has_dpia(session, activity):
        return
    dpia = services.start_dpia(session, activity, actor=actor)
    _principles(session, dpia, actor)
    _risks(session, dpia, HEALTH_RISKS, actor)
    measures.add_measure(
        session,
        dpia,
        validate(
            MeasureCreate,
            {
                "title": "Authentification à deux facteurs des soignants",
                "state": "planned",
                "hygiene_measure": "13",
                "owner": "DSI du SIIM 94",
                "due_on": "30/06/2027",
            },
        ),
        actor=actor,
    )
    values = {
        "standards": "Référentiel de certification des hébergeurs de données de santé (HDS).",
        "dpo_opinion": "Le délégué estime les risques résiduels acceptables une fois "
        "l'authentification forte déployée.",
        "dpo_opinion_on": "15/09/2026",
        "persons_not_sought_reason": "Les patients sont représentés au conseil du centre de "
        "santé, qui a examiné le projet.",
        "controller_decision": "Le maire décide la mise en œuvre du dossier patient.",
        "decision_on": "22/09/2026",
        "next_review_on": "22/09/2029",
    }
    services.update_dpia(session, dpia, validate(DpiaUpdate, values), actor=actor)
    services.validate_dpia(session, dpia, actor=actor, today=date(2026, 9, 22))


def _video(session, actor) -> None:
    organisation = session.scalar(
        sa.select(Organisation).where(Organisation.slug == "vitry-sur-seine")
    )
    if organisation is None:
        return
    activity = _activity(session, "vitry-sur-seine", VIDEO["reference"])
    if activity is None:
        activity = processing_services.create_processing(
            session, organisation, check(ActivityCreate, VIDEO), actor=actor
        )
        session.flush()
    if _has_dpia(session, activity):
        return
    dpia = services.start_dpia(session, activity, actor=actor)
    _principles(session, dpia, actor)
    _risks(session, dpia, VIDEO_RISKS, actor)
    measures.add_measure(
        session,
        dpia,
        validate(
            MeasureCreate,
            {
                "title": "Journalisation des consultations et extractions d'images",
                "state": "planned",
                "hygiene_measure": "37",
                "owner": "Police municipale",
                "due_on": "31/03/2027",
            },
        ),
        actor=actor,
    )
