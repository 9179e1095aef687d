"""Demo data of the risk register: ten risks of the syndicate and of two members (Ivry-sur-Seine,
Vitry-sur-Seine), on the applications of the shipped catalogue they run, their processing
activities, the syndicate's roadmap actions and the ANSSI hygiene measures; dated relative to
today so that one review is always late and one acceptance runs out soon. Idempotent: an
organisation that already has risks is left as it is."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.calendar import today_in_paris
from compliance.tenancy import Organisation
from compliance.types import normalise_key
from registers.applications.models import Application, Deployment
from registers.processing.models import ProcessingActivity
from registers.risks import services
from registers.risks.models import Risk
from registers.roadmap.models import HygieneMeasure, RoadmapAction

DSI = "Directeur des systèmes d'information du SIIM94"
DGS_IVRY = "Directrice générale des services d'Ivry-sur-Seine"
DGS_VITRY = "Directeur général des services de Vitry-sur-Seine"


def _risks(today: date) -> dict[str, list[dict]]:
    """Each organisation's risks, by slug: the assessment, the treatment and what it links to
    (applications by name, activities by a word of their name, roadmap actions by code,
    hygiene measures by reference)."""
    return {
        "siim94": [
            {
                "title": "Rançongiciel chiffrant les serveurs et les sauvegardes en ligne",
                "risk_source": "Groupe cybercriminel à motivation financière",
                "threat_scenario": (
                    "Hameçonnage d'un agent, élévation de privilèges sur l'annuaire, "
                    "chiffrement des serveurs du centre de données et des sauvegardes accessibles."
                ),
                "consequence_availability": "Arrêt de toutes les applications hébergées, "
                "plusieurs semaines de reconstruction.",
                "consequence_integrity": "Perte des données saisies depuis la dernière "
                "sauvegarde hors ligne.",
                "likelihood": 3,
                "impact": 4,
                "treatment": "reduce",
                "owner": DSI,
                "treatment_details": "Sauvegardes externalisées et déconnectées, MFA des "
                "administrateurs, supervision.",
                "residual": (2, 3),
                "status": "in_treatment",
                "applications": ["Sedit.GF", "CONCERTO Opus", "SharePoint"],
                "actions": ["A-04", "A-05", "A-06"],
                "measures": ["37", "2", "34"],
                "review": 120,
            },
            {
                "title": "Compromission d'un compte d'administrateur du domaine",
                "risk_source": "Attaquant externe, ou prestataire dont le poste est compromis",
                "threat_scenario": "Vol du mot de passe d'un compte à privilèges réutilisé "
                "sur un poste bureautique.",
                "consequence_confidentiality": "Accès à toutes les données hébergées.",
                "likelihood": 3,
                "impact": 4,
                "treatment": "reduce",
                "owner": DSI,
                "residual": (1, 4),
                "status": "in_treatment",
                "actions": ["A-06", "A-08"],
                "measures": ["5", "13", "28"],
                "review": 60,
            },
            {
                "title": "Indisponibilité prolongée du centre de données (sinistre électrique)",
                "risk_source": "Événement naturel ou panne d'infrastructure",
                "threat_scenario": "Incendie ou panne prolongée de l'alimentation de la "
                "salle serveurs.",
                "consequence_availability": "Interruption des services aux membres.",
                "likelihood": 2,
                "impact": 4,
                "treatment": "transfer",
                "owner": DSI,
                "treatment_details": "Assurance dommages et contrat de reprise chez "
                "l'hébergeur secondaire.",
                "residual": (2, 2),
                "status": "treated",
                "actions": ["A-04"],
                "measures": ["26", "37"],
                "review": -20,
            },
            {
                "title": "Absence de détection d'une intrusion sur le réseau d'interconnexion",
                "risk_source": "Attaquant ciblé",
                "threat_scenario": "Mouvement latéral entre les réseaux des membres sans "
                "journalisation centralisée.",
                "likelihood": 3,
                "impact": 3,
                "treatment": "reduce",
                "owner": DSI,
                "residual": None,
                "status": "identified",
                "actions": ["A-02", "A-03"],
                "measures": ["36", "19", "25"],
                "review": 90,
            },
            {
                "title": "Fuite de documents sensibles par la plateforme collaborative",
                "risk_source": "Erreur de partage d'un agent",
                "threat_scenario": "Partage public d'un dossier contenant des pièces "
                "d'état civil ou de ressources humaines.",
                "consequence_confidentiality": "Divulgation de données personnelles.",
                "consequence_persons": "Atteinte à la vie privée des agents et des usagers.",
                "personal_data": True,
                "likelihood": 2,
                "impact": 3,
                "treatment": "accept",
                "owner": DSI,
                "residual": (2, 3),
                "status": "treated",
                "acceptance": ("Président du SIIM94", -200, 20),
                "applications": ["SharePoint"],
                "actions": ["A-07"],
                "measures": ["2", "9"],
                "review": 180,
            },
        ],
        "ivry-sur-seine": [
            {
                "title": "Accès non autorisé aux dossiers médicaux du centre municipal de santé",
                "risk_source": "Agent curieux ou compte partagé",
                "threat_scenario": "Consultation de dossiers de patients sans lien avec "
                "la prise en charge, faute de revue des habilitations.",
                "consequence_confidentiality": "Divulgation de données de santé.",
                "consequence_persons": "Atteinte grave à la vie privée des patients.",
                "likelihood": 2,
                "impact": 4,
                "treatment": "reduce",
                "owner": DGS_IVRY,
                "residual": (1, 4),
                "status": "in_treatment",
                "applications": ["MAIDIS Dentaire", "SEDIT e-médecine"],
                "activities": ["santé", "médic", "patient"],
                "measures": ["6", "9"],
                "review": 150,
            },
            {
                "title": "Indisponibilité du portail famille pendant les inscriptions scolaires",
                "risk_source": "Panne de l'éditeur ou surcharge",
                "threat_scenario": "Le portail ne répond plus la semaine des inscriptions.",
                "consequence_availability": "Inscriptions reportées, accueil saturé.",
                "likelihood": 2,
                "impact": 2,
                "treatment": "accept",
                "owner": DGS_IVRY,
                "residual": (2, 2),
                "status": "treated",
                "acceptance": ("Maire adjoint chargé de l'enfance", -300, 40),
                "applications": ["CONCERTO Opus"],
                "measures": ["3"],
                "activities": ["famille", "enfance"],
                "review": -10,
            },
            {
                "title": "Perte de la paie par erreur de manipulation lors d'une mise à jour",
                "risk_source": "Erreur d'un administrateur applicatif",
                "threat_scenario": "Mise à jour de la paie appliquée sans sauvegarde préalable.",
                "consequence_integrity": "Bulletins faux, rappels et régularisations.",
                "likelihood": 2,
                "impact": 3,
                "treatment": "reduce",
                "owner": DGS_IVRY,
                "residual": (1, 3),
                "status": "treated",
                "applications": ["BL SOCIAL"],
                "activities": ["paie", "rémunération"],
                "measures": ["37"],
                "review": 200,
            },
        ],
        "vitry-sur-seine": [
            {
                "title": "Usurpation d'identité d'un fournisseur pour détourner un paiement",
                "risk_source": "Escroc (fraude au changement de RIB)",
                "threat_scenario": "Courriel d'un faux fournisseur demandant le changement "
                "de ses coordonnées bancaires.",
                "consequence_integrity": "Paiement détourné.",
                "likelihood": 3,
                "impact": 3,
                "treatment": "reduce",
                "owner": DGS_VITRY,
                "residual": (2, 3),
                "status": "in_treatment",
                "measures": ["2", "24"],
                "review": 75,
            },
            {
                "title": "Abandon par l'éditeur du logiciel de gestion des interventions",
                "risk_source": "Défaillance d'un fournisseur",
                "threat_scenario": "Fin de maintenance annoncée sans solution de reprise.",
                "consequence_availability": "Suivi des interventions techniques sur papier.",
                "likelihood": 1,
                "impact": 3,
                "treatment": "avoid",
                "owner": DGS_VITRY,
                "treatment_details": "Migration vers le progiciel mutualisé du syndicat.",
                "residual": (1, 2),
                "status": "identified",
                "applications": ["PLANITECH"],
                "measures": ["35"],
                "review": 365,
            },
        ],
    }


def _by_name(session: Session, names) -> list[Application]:
    keys = [normalise_key(name) for name in names]
    found = {
        a.name_key: a
        for a in session.scalars(sa.select(Application).where(Application.name_key.in_(keys)))
    }
    return [found[key] for key in keys if key in found]


def _links(session: Session, organisation: Organisation, spec: dict) -> dict:
    """The ids of what the risk links to, among the organisation's records only."""
    applications = _by_name(session, spec.get("applications", ()))
    if not organisation.is_host:
        deployed = set(
            session.scalars(
                sa.select(Deployment.application_id).where(
                    Deployment.organisation_id == organisation.id,
                    Deployment.archived_at.is_(None),
                )
            )
        )
        applications = [a for a in applications if a.id in deployed]
    activities = []
    for word in spec.get("activities", ()):
        activities += session.scalars(
            sa.select(ProcessingActivity.id)
            .where(
                ProcessingActivity.organisation_id == organisation.id,
                ProcessingActivity.is_model.is_(False),
                ProcessingActivity.name.ilike(f"%{word}%"),
            )
            .order_by(ProcessingActivity.id)
            .limit(2)
        )
    actions = session.scalars(
        sa.select(RoadmapAction.id).where(
            RoadmapAction.organisation_id == organisation.id,
            RoadmapAction.code.in_(spec.get("actions", ())),
        )
    )
    measures = session.scalars(
        sa.select(HygieneMeasure.id).where(HygieneMeasure.ref.in_(spec.get("measures", ())))
    )
    return {
        "application_ids": [a.id for a in applications],
        "processing_ids": list(dict.fromkeys(activities)),
        "roadmap_action_ids": list(actions),
        "hygiene_measure_ids": list(measures),
    }


def _values(session: Session, organisation: Organisation, spec: dict, today: date) -> dict:
    keys = (
        "title",
        "risk_source",
        "threat_scenario",
        "consequence_confidentiality",
        "consequence_integrity",
        "consequence_availability",
        "consequence_persons",
        "personal_data",
        "likelihood",
        "impact",
        "treatment",
        "treatment_details",
        "owner",
        "status",
    )
    values = {key: spec[key] for key in keys if key in spec}
    values["organisation_id"] = organisation.id
    values["identified_on"] = today - timedelta(days=240)
    values["review_on"] = today + timedelta(days=spec["review"])
    if spec.get("residual"):
        values["residual_likelihood"], values["residual_impact"] = spec["residual"]
    if spec.get("acceptance"):
        who, since, until = spec["acceptance"]
        values.update(
            accepted_by=who,
            accepted_on=today + timedelta(days=since),
            accepted_until=today + timedelta(days=until),
        )
    elif spec.get("residual") and spec["residual"][0] * spec["residual"][1] >= 7:
        values.update(
            accepted_by=spec["owner"],
            accepted_on=today - timedelta(days=30),
            accepted_until=today + timedelta(days=335),
        )
    return {**values, **_links(session, organisation, spec)}


def load(session: Session, *, actor) -> None:
    today = today_in_paris()
    for slug, specs in _risks(today).items():
        organisation = session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            continue
        if session.scalar(
            sa.select(Risk.id).where(Risk.organisation_id == organisation.id).limit(1)
        ):
            continue
        for spec in specs:
            services.create_risk(session, _values(session, organisation, spec, today), actor=actor)
    session.flush()
