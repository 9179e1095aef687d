"""Demo data of the rights requests register: a few requests received by three members, dated
relative to today so that the dashboards always show one late request and one due this week,
beside an extended one, an answered one, a refused one and an erasure closed once the
recipients were told (Art. 19). Each points at the member's own processing activities and
their supporting applications. Idempotent: a member that already has requests is left as it
is."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from compliance.admin.services import find_user
from compliance.calendar import period_end, today_in_paris
from compliance.tenancy import Organisation
from registers.processing.models import ProcessingActivity
from registers.rights import services
from registers.rights.models import RightsRequest

DPO_EMAIL = "dpo@demo.registre.invalid"


def _due_this_week(today: date) -> date:
    """A day of receipt whose one-month deadline falls within the coming week."""
    for days in range(20, 40):
        received = today - timedelta(days=days)
        if today <= period_end(received, 1) <= today + timedelta(days=6):
            return received
    return today - timedelta(days=28)


def _requests(today: date) -> dict[str, list[dict]]:
    """The requests of each member, by slug: the person, the right, and what became of it."""
    return {
        "ivry-sur-seine": [
            {
                "person_name": "Mme Nadia Benali",
                "person_contact": "12 rue Marat, 94200 Ivry-sur-Seine",
                "right": "access",
                "channel": "post",
                "received_on": today - timedelta(days=52),
                "details": "Copie de toutes les données détenues par le service enfance.",
                "keywords": ("enfance", "famille", "scolaire", "périscolaire"),
            },
            {
                "person_name": "M. Julien Moreau",
                "person_contact": "julien.moreau@example.invalid",
                "right": "rectification",
                "channel": "email",
                "received_on": _due_this_week(today),
                "details": "Correction de son adresse dans le fichier des électeurs.",
                "keywords": ("élect", "état civil"),
                "start": True,
            },
            {
                "person_name": "Mme Sophie Leroy",
                "person_contact": "sophie.leroy@example.invalid",
                "right": "erasure",
                "channel": "online_form",
                "received_on": today - timedelta(days=95),
                "details": "Suppression de son compte du portail famille.",
                "keywords": ("famille", "portail"),
                "answer": {
                    "days": 18,
                    "answer_summary": "Compte du portail famille supprimé, confirmation envoyée.",
                    "answer_means": "courriel",
                },
                "close": {
                    "recipients_informed": (
                        "L'éditeur du portail famille (sous-traitant) a été informé de "
                        "l'effacement."
                    ),
                    "days": 20,
                },
            },
        ],
        "vitry-sur-seine": [
            {
                "person_name": "M. Karim Haddad",
                "person_contact": "k.haddad@example.invalid",
                "right": "access",
                "channel": "email",
                "received_on": today - timedelta(days=40),
                "details": "Toutes les données le concernant depuis 2012, tous services confondus.",
                "keywords": ("paie", "personnel", "agents", "ressources"),
                "start": True,
                "extend": {
                    "days": 20,
                    "extension_reasons": (
                        "La demande porte sur douze années de données réparties dans cinq "
                        "applications et plusieurs services : elle est complexe."
                    ),
                },
            },
            {
                "person_name": "Mme Claire Petit",
                "person_contact": "3 avenue Rouget de Lisle, 94400 Vitry-sur-Seine",
                "right": "objection",
                "channel": "counter",
                "received_on": today - timedelta(days=70),
                "details": "Opposition à la réception de la lettre d'information municipale.",
                "keywords": ("communication", "information", "lettre"),
                "answer": {
                    "days": 12,
                    "answer_summary": "Désinscription de la lettre d'information confirmée.",
                    "answer_means": "courrier",
                },
            },
        ],
        "valdevy": [
            {
                "person_name": "M. Bernard Lefèvre",
                "person_contact": "bernard.lefevre@example.invalid",
                "right": "erasure",
                "channel": "cnil",
                "received_on": today - timedelta(days=60),
                "details": "Effacement de son dossier de demande de logement social.",
                "keywords": ("logement", "attribution", "demande"),
                "refuse": {
                    "days": 21,
                    "refusal_ground": "erasure_exception",
                    "refusal_details": "Article 17.3.b : obligation légale de conservation",
                    "refusal_reasoning": (
                        "Le dossier doit être conservé pendant la durée fixée par le code de la "
                        "construction et de l'habitation ; il sera détruit à son terme."
                    ),
                    "answer_means": "courrier recommandé",
                },
            },
        ],
    }


def _links(session: Session, organisation: Organisation, keywords) -> dict:
    """The member's activities whose name holds one of the keywords (at most two), and their
    supporting applications: where the person's data is searched."""
    activities = session.scalars(
        sa.select(ProcessingActivity)
        .options(selectinload(ProcessingActivity.applications))
        .where(
            ProcessingActivity.organisation_id == organisation.id,
            ProcessingActivity.is_model.is_(False),
        )
        .order_by(ProcessingActivity.reference)
    ).all()
    chosen = [a for a in activities if any(k in a.name.lower() for k in keywords)][:2]
    if not chosen:
        chosen = list(activities[:1])
    applications = sorted({app.id for a in chosen for app in a.applications})
    return {"processing_ids": [a.id for a in chosen], "application_ids": applications}


def _record(session: Session, organisation: Organisation, spec: dict, *, actor) -> None:
    spec = dict(spec)
    keywords = spec.pop("keywords")
    steps = {name: spec.pop(name, None) for name in ("start", "extend", "answer", "refuse")}
    closing = spec.pop("close", None)
    values = {**spec, "organisation_id": organisation.id, **_links(session, organisation, keywords)}
    request = services.create_request(session, values, actor=actor)
    received = request.received_on
    if steps["start"]:
        services.start_request(session, request, actor=actor)
    if steps["extend"]:
        extend = dict(steps["extend"])
        notified = received + timedelta(days=extend.pop("days"))
        services.extend_request(
            session, request, {**extend, "extension_notified_on": notified}, actor=actor
        )
    if steps["answer"]:
        answer = dict(steps["answer"])
        answered = received + timedelta(days=answer.pop("days"))
        services.answer_request(session, request, {**answer, "answered_on": answered}, actor=actor)
    if steps["refuse"]:
        refusal = dict(steps["refuse"])
        answered = received + timedelta(days=refusal.pop("days"))
        values = {**refusal, "answered_on": answered, "remedies_mentioned": True}
        services.refuse_request(session, request, values, actor=actor)
    if closing:
        closing = dict(closing)
        informed = received + timedelta(days=closing.pop("days"))
        services.close_request(
            session, request, {**closing, "recipients_informed_on": informed}, actor=actor
        )


def load(session: Session, *, actor) -> None:
    dpo = find_user(session, DPO_EMAIL) or actor
    organisations = {o.slug: o for o in session.scalars(sa.select(Organisation))}
    for slug, specs in _requests(today_in_paris()).items():
        organisation = organisations.get(slug)
        if organisation is None:
            continue
        has_requests = session.scalar(
            sa.select(RightsRequest.id).where(RightsRequest.organisation_id == organisation.id)
        )
        if has_requests is not None:
            continue
        for spec in specs:
            _record(session, organisation, spec, actor=dpo)
        session.flush()
