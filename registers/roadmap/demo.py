"""Demo data of the roadmap: SIIM94's multi-year security plan as its 2022 activity report
tells it (the ANSSI "parcours de cybersécurité": an audit paid by the first 40 000 € of the
subsidy, the next 50 000 € postponed until the plan is carried out; a security-event
centralisation tool, secured interconnections and Internet access with the members,
externalised backups, the 10 Gbit/s backup network, multi-factor authentication for
administrators, staff awareness), with budgets, milestones, links to the incident log, and a
plausible hygiene self-assessment. Dates are relative to today, so some actions are done,
some under way and some late whenever the demo is loaded. Idempotent: an existing roadmap or
assessment is left as it is."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.schemas import validate
from compliance.tenancy import Organisation
from registers.applications.models import Application, normalise_key
from registers.incidents.models import CorrectiveAction, Incident
from registers.roadmap import compute, services
from registers.roadmap.models import (
    ActionStatus,
    AssessmentState,
    HygieneAssessment,
    HygieneMeasure,
    Priority,
    Roadmap,
    RoadmapState,
    Theme,
)
from registers.roadmap.schemas import (
    Escalation,
    HygieneAssessmentCreate,
    MilestoneCreate,
    RoadmapActionFields,
    RoadmapActionUpdate,
    RoadmapCreate,
)

HOST = "siim94"
TITLE = "Plan pluriannuel de renforcement de la cybersécurité"
S = ActionStatus


def quarter(offset: int) -> date:
    """The first day of the quarter `offset` quarters from today's."""
    year, number = compute.quarter_of(compute.today())
    index = year * 4 + number - 1 + offset
    return compute.quarter_start((index // 4, index % 4 + 1))


def quarter_end(offset: int) -> date:
    return compute.quarter_end(compute.quarter_of(quarter(offset)))


def _roadmap_data(organisation: Organisation) -> dict:
    return {
        "organisation_id": organisation.id,
        "title": TITLE,
        "summary": "Plan établi à l'issue de l'audit du parcours de cybersécurité piloté par "
        "l'ANSSI dans le cadre du plan de relance : renforcer la capacité de résilience du "
        "syndicat et de ses adhérents, d'abord par un outil de centralisation des évènements de "
        "sécurité à des fins de prévention, de détection et d'analyse des cyberattaques.",
        "start_on": quarter(-12),
        "end_on": quarter_end(5),
        "state": RoadmapState.ACTIVE,
        "programme_name": "Parcours de cybersécurité de l'ANSSI (France Relance)",
        "grant_agreement": "Convention de subvention ANSSI – SIIM94",
        "subsidy_total": 90_000,
        "cofunding_rate": 50,
        "subsidy_received": 40_000,
        "funding_notes": "Première part (40 000 €) versée pour l'audit. Faute d'avoir pu mettre "
        "en œuvre le plan de sécurisation, la seconde part (50 000 €) est reportée jusqu'à sa "
        "réalisation (bilan d'activité 2022).",
    }


# (spec, milestones as (quarter offset, label, done)); links by title / name / ref.
ACTIONS = [
    (
        {
            "code": "A-01",
            "title": "Audit de sécurité du parcours de cybersécurité",
            "description": "Audit organisationnel et technique par un prestataire référencé "
            "par l'ANSSI, et plan d'action pluriannuel qui en découle.",
            "theme": Theme.SUPERVISION,
            "priority": Priority.P1,
            "owner": "RSSI",
            "start_on": quarter(-12),
            "target_on": quarter_end(-10),
            "status": S.DONE,
            "completed_on": quarter_end(-10),
            "investment_estimated": 40_000,
            "investment_spent": 40_000,
            "subsidy_amount": 40_000,
            "measures": ["38.R", "41.R"],
        },
        [(-11, "Rapport d'audit remis", True), (-10, "Plan pluriannuel adopté", True)],
    ),
    (
        {
            "code": "A-02",
            "title": "Outil de centralisation des évènements de sécurité (SIEM)",
            "description": "Collecter les journaux des serveurs, pare-feu et annuaires du "
            "datacenter, et définir les alertes prioritaires, à des fins de prévention, de "
            "détection et d'analyse des cyberattaques.",
            "theme": Theme.SUPERVISION,
            "priority": Priority.P1,
            "owner": "RSSI",
            "start_on": quarter(-6),
            "target_on": quarter_end(-2),
            "status": S.IN_PROGRESS,
            "progress": 35,
            "investment_estimated": 85_000,
            "investment_spent": 22_000,
            "operating_estimated": 30_000,
            "operating_spent": 6_000,
            "subsidy_amount": 30_000,
            "delay_reason": "Premier appel d'offres infructueux, marché relancé ; l'équipe "
            "infrastructure a d'abord été mobilisée par la reconstruction après le "
            "rançongiciel.",
            "measures": ["36", "36.R", "40"],
            "incidents": ["Rançongiciel sur l'infrastructure mutualisée"],
            "escalate": "Centraliser et surveiller les journaux de sécurité",
        },
        [
            (-6, "Cahier des charges validé", True),
            (-4, "Premier appel d'offres déclaré infructueux", True),
            (-1, "Marché notifié", False),
            (1, "Collecteurs installés sur les serveurs du datacenter", False),
            (2, "Premières alertes en production", False),
        ],
    ),
    (
        {
            "code": "A-03",
            "title": "Sécurisation des interconnexions réseau et des accès Internet avec les "
            "adhérents",
            "description": "Pare-feu mutualisé, passerelle d'accès Internet filtrée et "
            "interconnexions chiffrées entre le SIIM94 et chaque adhérent.",
            "theme": Theme.NETWORK,
            "priority": Priority.P1,
            "owner": "Responsable infrastructures",
            "start_on": quarter(-5),
            "target_on": quarter_end(2),
            "status": S.IN_PROGRESS,
            "progress": 50,
            "investment_estimated": 60_000,
            "investment_spent": 25_000,
            "operating_estimated": 12_000,
            "operating_spent": 4_000,
            "subsidy_amount": 20_000,
            "measures": ["19", "22", "22.R", "25", "25.R"],
        },
        [
            (-4, "Architecture cible validée avec les adhérents", True),
            (-1, "Pare-feu mutualisé en service", True),
            (2, "Bascule des cinq villes", False),
        ],
    ),
    (
        {
            "code": "A-04",
            "title": "Hébergement de sauvegardes externalisées",
            "description": "Copie des sauvegardes hors du datacenter, immuable et hors domaine, "
            "proposée aux adhérents après un prototype mené avec certains d'entre eux.",
            "theme": Theme.SUPERVISION,
            "priority": Priority.P1,
            "owner": "Responsable infrastructures",
            "start_on": quarter(-9),
            "target_on": quarter_end(-5),
            "status": S.DONE,
            "completed_on": quarter_end(-5),
            "investment_estimated": 35_000,
            "investment_spent": 38_500,
            "operating_estimated": 8_000,
            "operating_spent": 8_000,
            "measures": ["37", "37.R"],
            "incidents": ["Rançongiciel sur l'infrastructure mutualisée"],
            "corrective_actions": ["Sauvegardes déconnectées et testées"],
            "applications": ["Sedit.GF"],
        },
        [
            (-8, "Prototype avec deux adhérents", True),
            (-5, "Test de restauration complet réussi", True),
        ],
    ),
    (
        {
            "code": "A-05",
            "title": "Consolidation des sauvegardes sur un réseau dédié 10 Gbit/s",
            "description": "Réseau de sauvegarde séparé du réseau de production, à 10 Gbit/s, "
            "pour sauvegarder et restaurer dans les délais attendus par les applications.",
            "theme": Theme.SUPERVISION,
            "priority": Priority.P2,
            "owner": "Responsable infrastructures",
            "start_on": quarter(-4),
            "target_on": quarter_end(-1),
            "status": S.POSTPONED,
            "progress": 20,
            "investment_estimated": 45_000,
            "investment_spent": 9_000,
            "delay_reason": "Reporté : la seconde part de la subvention (50 000 €) est "
            "suspendue jusqu'à la mise en œuvre du plan, et la livraison des commutateurs a "
            "glissé de deux trimestres.",
            "measures": ["37.R", "19"],
            "applications": ["Sedit.GF"],
        },
        [(-3, "Commutateurs commandés", True), (1, "Liaisons dédiées en service", False)],
    ),
    (
        {
            "code": "A-06",
            "title": "Authentification multifacteur des administrateurs",
            "description": "Second facteur pour tous les comptes d'administration : annuaire, "
            "virtualisation, pare-feu, consoles des éditeurs.",
            "theme": Theme.ACCESS,
            "priority": Priority.P1,
            "owner": "Responsable infrastructures",
            "start_on": quarter(-2),
            "target_on": quarter_end(1),
            "status": S.IN_PROGRESS,
            "progress": 70,
            "investment_estimated": 18_000,
            "investment_spent": 12_000,
            "operating_estimated": 4_000,
            "operating_spent": 2_500,
            "measures": ["13", "13.R", "5", "8.R"],
            "incidents": ["Rançongiciel sur l'infrastructure mutualisée"],
            "corrective_actions": ["Double authentification sur les accès distants"],
        },
        [
            (-2, "Comptes d'administration inventoriés", True),
            (-1, "Second facteur sur la console de virtualisation", True),
            (1, "Second facteur sur l'annuaire", False),
        ],
    ),
    (
        {
            "code": "A-07",
            "title": "Sensibilisation des agents à la cybersécurité",
            "description": "Modules en ligne pour tous les agents des adhérents, exercice "
            "d'hameçonnage annuel et formation des équipes opérationnelles.",
            "theme": Theme.AWARENESS,
            "priority": Priority.P2,
            "owner": "RSSI",
            "start_on": quarter(-3),
            "target_on": quarter_end(0),
            "status": S.IN_PROGRESS,
            "progress": 60,
            "operating_estimated": 15_000,
            "operating_spent": 9_000,
            "measures": ["1", "2", "2.R"],
            "incidents": ["Campagne d'hameçonnage : faux portail de l'intranet"],
            "corrective_actions": ["Exercice d'hameçonnage et sensibilisation"],
        },
        [(-2, "Premier exercice d'hameçonnage", True), (0, "Modules suivis par 80 %", False)],
    ),
    (
        {
            "code": "A-08",
            "title": "Réseau d'administration dédié et cloisonné",
            "description": "Postes et réseau réservés à l'administration, sans accès à Internet.",
            "theme": Theme.ADMINISTRATION,
            "priority": Priority.P2,
            "owner": "Responsable infrastructures",
            "start_on": quarter(1),
            "target_on": quarter_end(4),
            "status": S.PLANNED,
            "investment_estimated": 25_000,
            "operating_estimated": 3_000,
            "measures": ["27", "28", "28.R"],
        },
        [],
    ),
]

# The syndicate's self-assessment: ref -> (state, comment). Unlisted refs are applied.
D, P, N, X = (
    AssessmentState.DONE,
    AssessmentState.PARTIAL,
    AssessmentState.NOT_DONE,
    AssessmentState.NOT_APPLICABLE,
)
ASSESSMENT = {
    "2.R": (P, "Sensibilisation ponctuelle, sans parcours par profil."),
    "5": (P, "Inventaire des comptes à privilèges à compléter (consoles des éditeurs)."),
    "8.R": (P, "Comptes d'administration nominatifs, séparation des rôles en cours."),
    "13": (P, "Double authentification sur le VPN ; pas encore sur l'administration."),
    "13.R": (N, "Pas de carte à puce ni de jeton matériel."),
    "15.R": (N, "Pas de sas de décontamination des supports amovibles."),
    "19": (P, "Segmentation par zone au datacenter ; réseau de sauvegarde à séparer."),
    "22": (P, "Passerelle Internet commune à certains adhérents seulement."),
    "22.R": (N, "Pas de déchiffrement TLS sur la passerelle."),
    "25": (P, "Interconnexions avec les villes chiffrées ; pas encore avec les autres."),
    "25.R": (N, "Pas de filtrage dédié par adhérent."),
    "27": (N, "Les administrateurs naviguent sur Internet depuis leur poste d'administration."),
    "28": (N, "Pas de réseau d'administration dédié."),
    "28.R": (N, ""),
    "30.R": (P, "Filtres de confidentialité fournis aux seuls élus."),
    "33.R": (X, "Pas de flotte de terminaux mobiles gérée par le syndicat."),
    "36": (P, "Journaux activés sur les serveurs, conservés quelques jours, non centralisés."),
    "36.R": (N, "Pas de corrélation ni d'alertes."),
    "37.R": (P, "Copie externalisée en place ; réseau de sauvegarde dédié à venir."),
    "40": (P, "Procédure de gestion des incidents rédigée après le rançongiciel, à exercer."),
    "41.R": (N, "Analyse de risques EBIOS prévue après la mise en œuvre du plan."),
    "42.R": (P, "Produits qualifiés privilégiés dans les nouveaux marchés."),
    "20": (X, "Pas de réseau Wi-Fi au datacenter."),
}


def _by_title(session, model, titles) -> list[int]:
    return list(session.scalars(sa.select(model.id).where(model.title.in_(titles or []))))


def _application_ids(session, names) -> list[int]:
    keys = [normalise_key(n) for n in names or []]
    return list(session.scalars(sa.select(Application.id).where(Application.name_key.in_(keys))))


def _create_action(session, roadmap, spec: dict, milestones, actor) -> None:
    data = dict(spec)
    data["incident_ids"] = _by_title(session, Incident, data.pop("incidents", None))
    data["corrective_action_ids"] = _by_title(
        session, CorrectiveAction, data.pop("corrective_actions", None)
    )
    data["application_ids"] = _application_ids(session, data.pop("applications", None))
    escalated = data.pop("escalate", None)
    corrective = session.scalar(
        sa.select(CorrectiveAction).where(CorrectiveAction.title == escalated)
    )
    if corrective is not None and corrective.organisation_id == roadmap.organisation_id:
        action = services.escalate_corrective_action(
            session, corrective, validate(Escalation, {"roadmap_id": roadmap.id}), actor=actor
        )
        data["corrective_action_ids"] = [corrective.id, *data["corrective_action_ids"]]
        services.update_action(session, action, validate(RoadmapActionUpdate, data), actor=actor)
    else:
        values = validate(RoadmapActionFields, data)
        action = services.create_action(session, roadmap, values, actor=actor)
    for offset, label, done in milestones:
        milestone = {
            "due_on": quarter(offset) + (quarter_end(offset) - quarter(offset)) / 2,
            "label": label,
            "done": done,
        }
        services.add_milestone(session, action, validate(MilestoneCreate, milestone), actor=actor)


def _assess(session, organisation: Organisation, actor) -> None:
    done_before = set(
        session.scalars(
            sa.select(HygieneAssessment.measure_id).where(
                HygieneAssessment.organisation_id == organisation.id
            )
        )
    )
    measures = session.scalars(sa.select(HygieneMeasure).order_by(HygieneMeasure.id))
    for measure in measures:
        if measure.id in done_before:
            continue
        state, comment = ASSESSMENT.get(measure.ref, (D, None))
        services.assess_measure(
            session,
            organisation,
            measure,
            validate(
                HygieneAssessmentCreate,
                {"state": state, "comment": comment or None, "assessed_on": quarter(-1)},
            ),
            actor=actor,
        )


def load(session: Session, *, actor) -> None:
    organisation = session.scalar(sa.select(Organisation).where(Organisation.slug == HOST))
    if organisation is None:
        return
    exists = session.scalar(
        sa.select(Roadmap.id).where(
            Roadmap.organisation_id == organisation.id, Roadmap.title == TITLE
        )
    )
    if exists is None:
        values = validate(RoadmapCreate, _roadmap_data(organisation))
        roadmap = services.create_roadmap(session, values, actor=actor)
        for spec, milestones in ACTIONS:
            _create_action(session, roadmap, spec, milestones, actor)
    _assess(session, organisation, actor)
