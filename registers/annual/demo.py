"""Demo data of the annual report: awareness and training sessions given by the shared DPO
to a few members (and, in the syndicate, to the whole service), this year and last, and the
DPO's recommendations of last year, for those members and for the service. Dates of this
year fall before today. Idempotent: a session or a recommendation already there is left."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from compliance.i18n import PARIS
from compliance.schemas import validate
from compliance.tenancy import Organisation
from registers.annual import services
from registers.annual.models import AwarenessSession
from registers.annual.schemas import AwarenessSessionCreate, RecommendationWrite

HOST = "siim94"

# (organisation slug, last year? (else this year), month (last year) or days ago (this
# year), audience, topic, attendees, minutes)
SESSIONS = (
    (HOST, True, 3, "Référents RGPD des membres", "Tenir le registre des traitements", 14, 180),
    (
        HOST,
        True,
        10,
        "Agents des services informatiques",
        "Réagir à une violation de données",
        22,
        120,
    ),
    ("ivry-sur-seine", True, 5, "Élus du conseil municipal", "Le RGPD et les élus", 31, 90),
    (
        "ivry-sur-seine",
        True,
        11,
        "Agents de l'état civil",
        "Répondre aux demandes d'accès",
        12,
        120,
    ),
    (
        "valdevy",
        True,
        6,
        "Chargés de clientèle",
        "Données des locataires et durées de conservation",
        18,
        120,
    ),
    (
        "villejuif",
        True,
        9,
        "Direction générale",
        "Le rôle du délégué et la responsabilité du maire",
        8,
        60,
    ),
    (HOST, False, 200, "Référents RGPD des membres", "Les demandes d'exercice des droits", 16, 180),
    (HOST, False, 60, "Tous les agents du syndicat", "Hameçonnage et mots de passe", 41, 60),
    (
        "ivry-sur-seine",
        False,
        150,
        "Agents des écoles et du périscolaire",
        "Photos et données des enfants",
        27,
        90,
    ),
    ("valdevy", False, 90, "Gardiens d'immeuble", "Vidéoprotection dans les résidences", 11, 60),
)

RECOMMENDATIONS = {
    HOST: (
        "Généraliser la revue annuelle des fiches du registre par chaque référent.\n"
        "Mettre en place l'AIPD commune des logiciels d'action sociale hébergés.\n"
        "Former les nouveaux référents dans les trois mois de leur désignation."
    ),
    "ivry-sur-seine": (
        "Compléter les durées de conservation des traitements de l'état civil.\n"
        "Mener l'AIPD de la vidéoprotection urbaine avant son extension.\n"
        "Désigner un correspondant RGPD dans chaque direction."
    ),
    "valdevy": (
        "Réviser les clauses de sous-traitance des prestataires de maintenance.\n"
        "Sensibiliser les gardiens à la vidéoprotection et aux demandes des locataires."
    ),
}
SERVICE_RECOMMENDATION = (
    "Poursuivre la sensibilisation dans chaque membre (au moins une session par an).\n"
    "Réduire le délai de notification des violations : aucune au-delà de 72 heures.\n"
    "Publier une version du registre de chaque membre au moins une fois par an."
)


def _held_on(last_year: bool, when: int, today: date) -> date:
    if last_year:
        return date(today.year - 1, when, 15)
    return max(date(today.year, 1, 1), today - timedelta(days=when))


def _add_sessions(session: Session, by_slug: dict, today: date, actor) -> None:
    for slug, last_year, when, audience, topic, attendees, minutes in SESSIONS:
        organisation = by_slug.get(slug)
        if organisation is None:
            continue
        exists = session.scalar(
            sa.select(AwarenessSession.id).where(
                AwarenessSession.organisation_id == organisation.id,
                AwarenessSession.topic == topic,
            )
        )
        if exists is not None:
            continue
        values = {
            "organisation_id": organisation.id,
            "held_on": _held_on(last_year, when, today),
            "audience": audience,
            "topic": topic,
            "attendees": attendees,
            "duration_minutes": minutes,
        }
        services.create_session(session, validate(AwarenessSessionCreate, values), actor=actor)


def load(session: Session, *, actor) -> None:
    slugs = {row[0] for row in SESSIONS} | set(RECOMMENDATIONS)
    by_slug = {
        o.slug: o
        for o in session.scalars(sa.select(Organisation).where(Organisation.slug.in_(slugs)))
    }
    today = datetime.now(PARIS).date()
    _add_sessions(session, by_slug, today, actor)
    year = today.year - 1
    for slug, text in RECOMMENDATIONS.items():
        organisation = by_slug.get(slug)
        if organisation and services.find_recommendation(session, organisation.id, year) is None:
            values = validate(RecommendationWrite, {"text": text})
            services.save_recommendation(session, organisation, year, values, actor=actor)
    host = by_slug.get(HOST)
    if host and not services.find_recommendation(session, host.id, year, service_wide=True):
        values = validate(RecommendationWrite, {"text": SERVICE_RECOMMENDATION})
        services.save_recommendation(session, host, year, values, service_wide=True, actor=actor)
