"""Demo data of the audits register: the syndicate's 2026 audit programme with two audits (the
access management audit of two member cities, reported, with a minor nonconformity that opened
a corrective action, an observation and an opportunity for improvement; the backup audit under
way), the 2025 management review, held (its figures frozen, two actions decided), and the 2026
review in preparation. Idempotent: a syndicate that already has a programme is left as it is."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.auth import User
from compliance.tenancy import Organisation
from registers.audits import services
from registers.audits.models import AuditProgramme, AuditStatus, DecidedKind
from registers.incidents.common import today
from registers.roadmap.models import Roadmap

CISO_EMAIL = "rssi@demo.registre.invalid"


def _not_after_today(day: date) -> date:
    return min(day, today())


def load(session: Session, *, actor) -> None:
    actor = session.scalar(sa.select(User).where(User.email == CISO_EMAIL)) or actor
    host = session.scalar(sa.select(Organisation).where(Organisation.is_host.is_(True)))
    if host is None:
        return
    exists = session.scalar(
        sa.select(AuditProgramme.id).where(AuditProgramme.organisation_id == host.id)
    )
    if exists is not None:
        return
    members = {
        o.slug: o
        for o in session.scalars(
            sa.select(Organisation).where(
                Organisation.slug.in_(("ivry-sur-seine", "vitry-sur-seine", "gentilly"))
            )
        )
    }
    _programme(session, host, members, actor)
    _reviews(session, host, actor)


def _programme(session, host, members, actor) -> None:
    programme = services.create_programme(
        session,
        {
            "organisation_id": host.id,
            "year": 2026,
            "objectives": (
                "Vérifier que les règles de la PSSI mutualisée sont appliquées chez les membres "
                "et au syndicat ; préparer la revue de direction ; couvrir en trois ans les "
                "chapitres 4 à 10 de l'ISO/IEC 27001 et les mesures du guide d'hygiène de l'ANSSI."
            ),
            "scope": (
                "Le syndicat (hébergement, applications mutualisées) et les communes adhérentes "
                "au service de sécurité mutualisé."
            ),
        },
        actor=actor,
    )
    audited = [
        members[slug].id for slug in ("ivry-sur-seine", "vitry-sur-seine") if slug in members
    ]
    access = services.create_audit(
        session,
        {
            "programme_id": programme.id,
            "title": "Gestion des accès et des comptes",
            "organisation_ids": audited,
            "scope": (
                "Annuaire, comptes des agents et des prestataires, accès aux applications "
                "mutualisées CIRIL Finances et BL SOCIAL ; arrivées et départs des agents."
            ),
            "criteria": (
                "ISO/IEC 27001:2022 mesures A.5.15 à A.5.18 et A.8.2 ; guide d'hygiène "
                "informatique de l'ANSSI, mesures 7 à 11 ; PSSI mutualisée, chapitre 4."
            ),
            "auditor": "Claire Fontaine, auditrice interne (service juridique du syndicat)",
            "independence": ("N'administre aucun des systèmes audités et ne relève pas du RSSI."),
            "planned_start": date(2026, 3, 9),
            "planned_end": date(2026, 3, 13),
        },
        actor=actor,
    )
    services.transition_audit(session, access, AuditStatus.IN_PROGRESS, actor=actor)
    services.update_audit(
        session,
        access,
        {
            "actual_start": _not_after_today(date(2026, 3, 9)),
            "actual_end": _not_after_today(date(2026, 3, 12)),
            "conclusion": (
                "Les règles d'attribution des accès sont connues et appliquées à l'arrivée des "
                "agents ; les départs ne sont pas toujours signalés au service informatique, ce "
                "qui laisse des comptes actifs. Une non-conformité mineure, une observation, une "
                "opportunité d'amélioration."
            ),
        },
        actor=actor,
    )
    services.add_finding(
        session,
        access,
        {
            "kind": "minor",
            "clause": "A.5.18 ; guide d'hygiène, mesure 8",
            "description": (
                "Quatre comptes d'agents partis depuis plus de trois mois sont encore actifs "
                "dans l'annuaire d'Ivry-sur-Seine."
            ),
            "evidence": "Extraction de l'annuaire du 10 mars 2026 rapprochée du fichier RH.",
            "action": (
                "Revue trimestrielle des comptes avec les ressources humaines ; désactivation "
                "le jour du départ, sur avis de la DRH."
            ),
            "owner": "Responsable informatique d'Ivry-sur-Seine",
            "due_on": date(2026, 6, 30),
        },
        actor=actor,
    )
    services.add_finding(
        session,
        access,
        {
            "kind": "observation",
            "clause": "A.5.15",
            "description": (
                "La procédure d'habilitation de Vitry-sur-Seine n'est ni datée ni signée."
            ),
            "evidence": "Procédure « Habilitations » transmise le 11 mars 2026.",
        },
        actor=actor,
    )
    services.add_finding(
        session,
        access,
        {
            "kind": "improvement",
            "clause": "A.8.2",
            "description": (
                "Les comptes d'administration de CIRIL Finances pourraient passer par le "
                "bastion du syndicat."
            ),
        },
        actor=actor,
    )
    services.transition_audit(session, access, AuditStatus.REPORTED, actor=actor)
    backups = services.create_audit(
        session,
        {
            "programme_id": programme.id,
            "title": "Sauvegardes et continuité d'activité",
            "organisation_ids": [],
            "scope": "Sauvegardes des serveurs hébergés par le syndicat ; plan de reprise.",
            "criteria": (
                "ISO/IEC 27001:2022 mesures A.8.13 et A.5.30 ; guide d'hygiène informatique "
                "de l'ANSSI, mesure 37."
            ),
            "auditor": "Marc Dubreuil, auditeur externe (marché d'assistance SSI)",
            "independence": "Prestataire externe, sans autre mission auprès du syndicat.",
            "planned_start": date(2026, 11, 16),
            "planned_end": date(2026, 12, 18),
        },
        actor=actor,
    )
    services.transition_audit(session, backups, AuditStatus.IN_PROGRESS, actor=actor)
    services.add_finding(
        session,
        backups,
        {
            "kind": "observation",
            "clause": "A.8.13",
            "description": "Le dernier test de restauration complet date de plus d'un an.",
            "evidence": "Journal des tests de restauration.",
        },
        actor=actor,
    )


def _reviews(session, host, actor) -> None:
    held = services.create_review(
        session,
        {
            "organisation_id": host.id,
            "period_start": date(2025, 1, 1),
            "period_end": date(2025, 12, 31),
            "held_on": date(2026, 1, 22),
            "chair": "Le président du syndicat",
            "participants": (
                "Le président, la directrice générale des services, la RSSI, le délégué à la "
                "protection des données, les référents sécurité d'Ivry-sur-Seine et de Gentilly."
            ),
            "issue_changes": (
                "Transposition de la directive NIS 2 : le syndicat et plusieurs communes "
                "deviendront entités importantes ; hausse des attaques par rançongiciel contre "
                "les collectivités."
            ),
            "party_needs": (
                "Les communes attendent un tableau de bord trimestriel ; la préfecture demande "
                "un exercice de crise cyber par an."
            ),
            "party_feedback": (
                "Deux communes signalent des délais de réponse trop longs du support en cas "
                "d'incident ; l'assureur cyber demande la preuve des sauvegardes hors ligne."
            ),
            "improvements": (
                "Automatiser la revue trimestrielle des comptes ; partager la veille de "
                "sécurité avec les référents des membres."
            ),
            "decisions": (
                "Maintenir le programme d'audit ; renforcer la gestion des départs ; organiser "
                "un exercice de crise en 2026."
            ),
        },
        actor=actor,
    )
    services.decide_action(
        session,
        held,
        {
            "kind": DecidedKind.CORRECTIVE,
            "title": "Formaliser la gestion des départs d'agents",
            "description": "Procédure commune RH et informatique, appliquée par chaque membre.",
            "owner": "RSSI",
            "due_on": date(2026, 6, 30),
        },
        actor=actor,
    )
    roadmap = session.scalar(
        sa.select(Roadmap)
        .where(Roadmap.organisation_id == host.id, Roadmap.archived_at.is_(None))
        .limit(1)
    )
    if roadmap is not None:
        services.decide_action(
            session,
            held,
            {
                "kind": DecidedKind.ROADMAP,
                "title": "Exercice de crise cyber annuel",
                "description": "Un exercice de gestion de crise avec les communes membres.",
                "owner": "Directrice générale des services",
                "due_on": max(date(2026, 11, 30), roadmap.start_on),
                "roadmap_id": roadmap.id,
            },
            actor=actor,
        )
    services.mark_held(session, held, actor=actor)
    services.create_review(
        session,
        {
            "organisation_id": host.id,
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 12, 31),
            "held_on": date(2027, 1, 21),
            "chair": "Le président du syndicat",
            "issue_changes": "À compléter avant la revue.",
        },
        actor=actor,
    )
