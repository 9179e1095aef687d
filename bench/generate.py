"""Scale data for the benchmarks: N organisations with M processing activities each.

The shipped application catalogue is imported through `registers.applications.importer` (as the
demo does), then everything else is written with bulk Core inserts (executemany), which is what
makes 100 000 activities a matter of a minute or two. The activities are copies of the demo's
(`registers.processing.demo_data`), cleaned once by the processing services' own cleaning, so
every child row (purposes with their legal bases, data categories with their retention,
subjects, recipients, security measures) and every supporting application is realistic. Each
organisation also gets incidents (encrypted description and timeline, affected applications,
the blind search index), corrective actions, breaches and an ANSSI roadmap of ten actions. The
rows are not audited: the audit trail is not what the benchmarks measure.

Users (password BENCH_PASSWORD, production Argon2 parameters):
- a national DPO holding the dpo role in every organisation (a host organisation among them,
  so they see the whole application catalogue), with an API token;
- a referent of one member organisation.

One more organisation keeps a register of `big_register` activities, for the Word export.

    python -m bench.generate [URL] [--organisations N] [--activities M] [--big-register K]
                             [--incidents I]

URL defaults to a new SQLite file under instance/bench/; a PostgreSQL URL must name an empty
database (`python -m bench.run` creates and drops its own).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet

from compliance import create_app
from compliance.admin import services as admin_services
from compliance.auth import ApiToken, generate_token, hash_token
from compliance.db import get_session, utcnow
from compliance.permissions import Role
from compliance.schema import upgrade
from compliance.tenancy import Organisation, OrganisationKind, slugify

ACTOR = "bench"
BENCH_PASSWORD = "bench-registre-2026"
BENCH_DOMAIN = "bench.registre.invalid"
DPO_EMAIL = f"dpo.national@{BENCH_DOMAIN}"
REFERENT_EMAIL = f"referent@{BENCH_DOMAIN}"
# A word of the payroll activity's name, present in every register: the filtered search.
SEARCH = "paie"
CHUNK_ORGANISATIONS = 50

KINDS = [
    (OrganisationKind.COMMUNE, "Commune de", 70),
    (OrganisationKind.EPT, "Établissement public territorial", 5),
    (OrganisationKind.OPH, "Office public de l'habitat de", 10),
    (OrganisationKind.PUBLIC_BODY, "Centre communal d'action sociale de", 10),
    (OrganisationKind.SYNDICATE, "Syndicat intercommunal de", 5),
]
PLACES = [
    "Saint-Martin",
    "Villeneuve",
    "Beaumont",
    "Fontaine",
    "Montreuil",
    "Châteauneuf",
    "Bellevue",
    "Rochefort",
    "Valmont",
    "Clairefontaine",
    "Mont-Joli",
    "Bois-Colombes",
    "Sainte-Marie",
    "Neuville",
    "La Chapelle",
    "Pont-Audemer",
    "Champigny",
    "Vauvert",
    "Aubervilliers",
    "Givry",
    "Lamotte",
    "Roquebrune",
    "Mirebeau",
    "Saint-Étienne",
    "Montfort",
    "Verneuil",
    "Chaumont",
]
# Services or sites that tell apart an organisation's activities built on one model.
QUALIFIERS = [
    "direction de la population",
    "centre technique municipal",
    "médiathèque",
    "conservatoire",
    "piscine municipale",
    "maison des associations",
    "police municipale",
    "crèche collective",
    "résidence autonomie",
    "service jeunesse",
    "maison de quartier",
    "centre de loisirs",
    "service des sports",
    "office de tourisme",
    "musée municipal",
    "cimetières",
    "archives municipales",
    "service urbanisme",
    "régie des transports",
    "restauration scolaire",
]
STATUSES = [("validated", 50), ("submitted", 20), ("draft", 25), ("archived", 5)]
INCIDENT_STATUSES = [
    ("reported", 10),
    ("assessed", 10),
    ("responding", 15),
    ("lessons_learnt", 15),
    ("closed", 50),
]
# (category, title, description): descriptions are encrypted and indexed for the search.
INCIDENTS = [
    (
        "phishing",
        "Hameçonnage ciblant les agents",
        "Courriel frauduleux imitant la messagerie ; trois agents ont saisi leur mot de passe.",
    ),
    (
        "malware",
        "Rançongiciel sur un poste de travail",
        "Chiffrement de fichiers sur un poste du service finances, poste isolé du réseau.",
    ),
    (
        "account_compromise",
        "Compte de messagerie compromis",
        "Connexions depuis l'étranger sur la messagerie d'un agent, envoi de pourriels.",
    ),
    (
        "denial_of_service",
        "Indisponibilité du portail usagers",
        "Saturation du portail famille par un déni de service pendant deux heures.",
    ),
    (
        "loss_or_theft",
        "Vol d'un ordinateur portable",
        "Ordinateur portable non chiffré volé dans un véhicule de service.",
    ),
    (
        "misconfiguration",
        "Partage réseau ouvert à tous",
        "Un partage de fichiers du service social était lisible par tous les agents.",
    ),
    (
        "data_leak",
        "Envoi d'un fichier à un mauvais destinataire",
        "Liste des bénéficiaires envoyée par erreur à un prestataire extérieur.",
    ),
]
TIMELINE = [
    (0, "detection", "Alerte remontée par la supervision du syndicat."),
    (2, "action", "Isolement du poste et réinitialisation des mots de passe concernés."),
    (24, "communication", "Information de la direction générale et du délégué à la protection."),
]
ROADMAP_ACTIONS = [
    ("I", "Sensibiliser les agents à l'hygiène informatique"),
    ("II", "Tenir à jour l'inventaire des applications et des comptes"),
    ("III", "Généraliser l'authentification multifacteur"),
    ("III", "Séparer les comptes d'administration"),
    ("IV", "Chiffrer les postes nomades"),
    ("V", "Cloisonner le réseau des services techniques"),
    ("VI", "Sécuriser l'accès à distance des prestataires"),
    ("VII", "Appliquer les correctifs de sécurité sous un mois"),
    ("VIII", "Tester la restauration des sauvegardes"),
    ("VIII", "Écrire le plan de continuité informatique"),
]


@dataclass
class Dataset:
    """What the measurements need to know about a database they did not build themselves."""

    label: str
    url: str
    instance: str
    dpo_email: str
    referent_email: str
    password: str
    referent_slug: str  # the referent's organisation
    register_slug: str  # the register the DPO pages through (the referent's)
    export_slug: str  # the organisation whose Word register is exported
    api_token: str | None
    search: str = SEARCH
    organisations: int = 0
    activities: int = 0
    incidents: int = 0
    export_activities: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def make_app(url: str, instance: str):
    """The application on `url`, its secrets in `instance` (the same folder for the generator
    and the measurements, so that encrypted columns read back)."""
    instance_path = Path(instance)
    instance_path.mkdir(parents=True, exist_ok=True)
    keys = instance_path / "encryption_keys"
    if not keys.exists():
        keys.write_text(Fernet.generate_key().decode() + "\n")
    return create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(instance_path),
            "SECRET_KEY": "bench-secret-key",
            "ENCRYPTION_KEYS": keys.read_text().strip(),
            "SESSION_COOKIE_SECURE": False,
            "LOG_LEVEL": "WARNING",
        }
    )


# --- templates ----------------------------------------------------------------------------------


@dataclass
class Template:
    """One demo activity, cleaned once: the values every copy of it gets."""

    prefix: str
    name: str
    scalars: dict
    children: dict[str, list[dict]]
    application_ids: list[int]


def load_templates(session) -> list[Template]:
    from registers.applications.models import Application
    from registers.processing.demo import _input
    from registers.processing.demo_data import CIVIL_STATUS_MODEL, activities_by_organisation
    from registers.processing.schemas import ActivityCreate, check
    from registers.processing.services import check_activity

    applications = dict(session.execute(sa.select(Application.name_key, Application.id)).all())
    entries = [CIVIL_STATUS_MODEL]
    seen = set()
    for organisation_entries in activities_by_organisation().values():
        for entry in organisation_entries:
            key = (entry["reference"], entry["name"], tuple(entry.get("applications", ())))
            if key not in seen:
                seen.add(key)
                entries.append(entry)
    templates = []
    for entry in entries:
        values = check(ActivityCreate, _input(session, entry, applications))
        scalars, children, application_ids = check_activity(session, values, actor="bench")
        prefix = scalars.pop("reference").split("-")[0]
        name = scalars.pop("name")
        templates.append(Template(prefix, name, scalars, children, application_ids or []))
    return templates


# --- rows ---------------------------------------------------------------------------------------


def _column_defaults(table: sa.Table, now: datetime) -> dict:
    """The value of every column of `table` but the id when a row does not give it."""
    defaults = {}
    for column in table.columns:
        if column.primary_key and column.name == "id":
            continue
        if column.name in ("created_at", "updated_at"):
            defaults[column.name] = now
        elif column.default is not None and column.default.is_scalar:
            defaults[column.name] = column.default.arg
        elif isinstance(column.type, sa.JSON) and not column.nullable:
            defaults[column.name] = []
        else:
            defaults[column.name] = None
    return defaults


def _weighted(rng: random.Random, choices: list[tuple]) -> object:
    return rng.choices([c[0] for c in choices], weights=[c[-1] for c in choices])[0]


class Writer:
    """Bulk inserts on one connection, keeping the tables and the clock at hand."""

    def __init__(self, session, seed: int):
        from compliance import load_models

        self.session = session
        self.tables = load_models().tables
        self.rng = random.Random(seed)
        self.now = utcnow()
        self.today = date.today()
        self.dpo_id: int | None = None
        self.defaults: dict[str, dict] = {}
        self.numbers: dict[tuple[str, int], int] = {}

    def insert(self, name: str, rows: list[dict], *, returning: bool = False) -> list[int]:
        if not rows:
            return []
        table = self.tables[name]
        if name not in self.defaults:
            self.defaults[name] = _column_defaults(table, self.now)
        defaults = self.defaults[name]
        # Every row with every column: an executemany's rows must share their keys.
        rows = [{**defaults, **row} for row in rows]
        connection = self.session.connection()
        if returning:
            statement = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return list(connection.execute(statement, rows).scalars())
        connection.execute(sa.insert(table), rows)
        return []

    # organisations -------------------------------------------------------------------------

    def organisations(self, first: int, count: int) -> list[int]:
        rows = []
        for number in range(first, first + count):
            kind, prefix, _weight = self.rng.choices(KINDS, weights=[k[2] for k in KINDS])[0]
            name = f"{prefix} {PLACES[number % len(PLACES)]} n° {number:04d}"
            rows.append(
                {
                    "name": name,
                    "slug": slugify(name),
                    "kind": kind,
                    "dpo_name": "Délégué national à la protection des données",
                    "is_host": False,
                    "is_active": True,
                    "version": 1,
                }
            )
        return self.insert("organisation", rows, returning=True)

    def organisation(self, name: str, *, is_host: bool = False, kind=OrganisationKind.COMMUNE):
        row = {"name": name, "slug": slugify(name), "kind": kind, "is_host": is_host}
        return self.insert("organisation", [row], returning=True)[0]

    def memberships(self, user_id: int, organisation_ids: list[int], role: Role) -> None:
        rows = [
            {"user_id": user_id, "organisation_id": organisation_id, "role": role}
            for organisation_id in organisation_ids
        ]
        self.insert("membership", rows)

    # registers -----------------------------------------------------------------------------

    def registers(
        self,
        organisation_ids: list[int],
        activities: int,
        templates: list[Template],
        application_ids: list[int],
    ) -> dict[int, tuple[list[int], list[int]]]:
        """Deployments and `activities` activities (with child rows) per organisation; returns
        organisation id -> (its deployed application ids, its activity ids)."""
        rng = self.rng
        deployments, activity_rows, plan, deployed = [], [], [], {}
        for organisation_id in organisation_ids:
            chosen = rng.sample(templates, k=min(len(templates), rng.randint(6, 12)))
            used = {i for t in chosen for i in t.application_ids}
            used |= set(rng.sample(application_ids, k=min(len(application_ids), 5)))
            deployed[organisation_id] = sorted(used)
            for application_id in sorted(used):
                deployments.append(
                    {
                        "organisation_id": organisation_id,
                        "application_id": application_id,
                        "since": self.today - timedelta(days=rng.randint(30, 3650)),
                        "functions": [],
                        "version": 1,
                    }
                )
            for index in range(activities):
                template = chosen[index % len(chosen)]
                activity_rows.append(self._activity(organisation_id, index, template, chosen))
                plan.append(template)
        self.insert("deployment", deployments)
        ids = self.insert("processing_activity", activity_rows, returning=True)
        self._children(ids, plan)
        owned: dict[int, list[int]] = {}
        for row, activity_id in zip(activity_rows, ids, strict=True):
            owned.setdefault(row["organisation_id"], []).append(activity_id)
        return {o: (deployed[o], owned.get(o, [])) for o in organisation_ids}

    def _activity(self, organisation_id: int, index: int, template: Template, chosen) -> dict:
        from registers.processing import compute

        rng = self.rng
        lap = index // len(chosen)
        name = template.name
        if lap:
            name = f"{name} ({QUALIFIERS[(lap - 1) % len(QUALIFIERS)]})"
        status = _weighted(rng, STATUSES)
        values = dict(template.scalars)
        required = compute.dpia_required(
            values.get("dpia_criteria") or (),
            values.get("dpia_cnil_types") or (),
            values.get("dpia_art35_cases") or (),
        )
        submitted = self.now - timedelta(days=rng.randint(20, 700))
        validated = submitted + timedelta(days=rng.randint(1, 15))
        values.update(
            {
                "organisation_id": organisation_id,
                "reference": f"{template.prefix}-{index + 1:03d}",
                "name": name[:300],
                "status": status,
                "dpia_required": required,
                "dpia_status": rng.choice(["not_started", "in_progress", "completed"])
                if required
                else "not_started",
                "is_model": False,
                "version": 1,
                "submitted_at": submitted if status != "draft" else None,
                "validated_at": validated if status in ("validated", "archived") else None,
                "validated_by_id": self.dpo_id if status in ("validated", "archived") else None,
                "last_review_on": validated.date() if status == "validated" else None,
                "next_review_on": validated.date() + timedelta(days=365)
                if status == "validated"
                else None,
                "archived_at": self.now - timedelta(days=rng.randint(1, 300))
                if status == "archived"
                else None,
            }
        )
        for key in ("dpia_criteria", "dpia_cnil_types", "dpia_art35_cases"):
            values[key] = list(values.get(key) or [])
        return values

    def _children(self, activity_ids: list[int], plan: list[Template]) -> None:
        tables = {
            "purposes": "processing_purpose",
            "data_categories": "processing_data_category",
            "special_categories": "processing_special_category",
            "subjects": "processing_subject",
            "recipients": "processing_recipient",
            "transfers": "processing_transfer",
            "security_measures": "processing_security_measure",
        }
        rows: dict[str, list[dict]] = {name: [] for name in tables}
        links = []
        for activity_id, template in zip(activity_ids, plan, strict=True):
            for name, children in template.children.items():
                for position, child in enumerate(children):
                    row = {"processing_id": activity_id, **child}
                    if name in ("purposes", "data_categories"):
                        row["position"] = position
                    rows[name].append(row)
            links.extend(
                {"processing_id": activity_id, "application_id": application_id}
                for application_id in template.application_ids
            )
        for name, table in tables.items():
            self.insert(table, rows[name])
        self.insert("processing_application", links)

    # the security registers -------------------------------------------------------------------

    def _reference(self, prefix: str, year: int) -> tuple[str, int]:
        number = self.numbers.get((prefix, year), 0) + 1
        self.numbers[(prefix, year)] = number
        return f"{prefix}-{year}-{number:03d}", number

    def security(self, registers: dict, incidents: int, measure_ids: list[int]) -> int:
        """Per organisation: `incidents` incidents (timeline, affected applications, blind
        search index), a corrective action for some, a breach for one in five, and a roadmap
        of ten actions. Returns the number of incidents."""
        from registers.incidents import search

        rng, key = self.rng, search._key()
        rows, plans = [], []
        for organisation_id, (applications, _activities) in registers.items():
            for _ in range(incidents):
                kind = rng.choice(INCIDENTS)
                detected = self.now - timedelta(
                    days=rng.randint(1, 1000), minutes=rng.randint(0, 1440)
                )
                reference, number = self._reference("INC", detected.year)
                status = _weighted(rng, INCIDENT_STATUSES)
                rows.append(
                    {
                        "reference": reference,
                        "reference_year": detected.year,
                        "reference_number": number,
                        "title": kind[1],
                        "organisation_id": organisation_id,
                        "category": kind[0],
                        "severity": rng.choice("1234"),
                        "classification": "incident",
                        "detection_source": rng.choice(["internal", "user", "provider"]),
                        "status": status,
                        "occurred_at": detected - timedelta(hours=rng.randint(1, 48)),
                        "detected_at": detected,
                        "reported_at": detected + timedelta(hours=1),
                        "closed_at": detected + timedelta(days=20) if status == "closed" else None,
                        "personal_data": kind[0] in ("data_leak", "account_compromise"),
                        "description": kind[2],
                        "version": 1,
                    }
                )
                chosen = rng.sample(applications, k=min(len(applications), rng.randint(1, 2)))
                plans.append((organisation_id, kind, detected, chosen))
        ids = self.insert("incident", rows, returning=True)
        links, affected, entries, tokens, actions, breach_rows = [], [], [], [], [], []
        for incident_id, (organisation_id, kind, detected, chosen) in zip(ids, plans, strict=True):
            links += [{"incident_id": incident_id, "application_id": a} for a in chosen]
            affected.append({"incident_id": incident_id, "organisation_id": organisation_id})
            texts = [kind[1], kind[2]]
            for hours, entry_kind, text in TIMELINE:
                entries.append(
                    {
                        "incident_id": incident_id,
                        "at": detected + timedelta(hours=hours),
                        "kind": entry_kind,
                        "text": text,
                        "author_label": "RSSI",
                    }
                )
                texts.append(text)
            words = {w for text in texts for w in search.words(text)}
            tokens += [{"incident_id": incident_id, "token": search.token(w, key)} for w in words]
            if rng.random() < 0.4:
                actions.append(self._corrective_action(organisation_id, incident_id, detected))
            if (
                kind[0] in ("data_leak", "account_compromise", "loss_or_theft")
                or rng.random() < 0.1
            ):
                breach_rows.append(self._breach(organisation_id, incident_id, kind, detected))
        self.insert("incident_application", links)
        self.insert("incident_organisation", affected)
        self.insert("incident_timeline_entry", entries)
        self.insert("incident_search_token", tokens)
        self.insert("corrective_action", actions)
        breach_ids = self.insert("personal_data_breach", breach_rows, returning=True)
        self.insert(
            "breach_processing",
            [
                {
                    "breach_id": breach_id,
                    "processing_id": rng.choice(registers[row["organisation_id"]][1]),
                }
                for breach_id, row in zip(breach_ids, breach_rows, strict=True)
                if registers[row["organisation_id"]][1]
            ],
        )
        self._roadmaps(registers, measure_ids)
        return len(ids)

    def _corrective_action(self, organisation_id: int, incident_id: int, detected) -> dict:
        rng = self.rng
        reference, number = self._reference("CA", detected.year)
        opened = detected.date() + timedelta(days=rng.randint(1, 10))
        return {
            "reference": reference,
            "reference_year": detected.year,
            "reference_number": number,
            "organisation_id": organisation_id,
            "incident_id": incident_id,
            "source": "incident",
            "opened_on": opened,
            "title": "Renforcer l'authentification des comptes exposés",
            "nonconformity": "Compte accessible depuis Internet sans second facteur",
            "grade": rng.choice(["major", "minor", "observation"]),
            "action": "Activer l'authentification multifacteur et revoir les droits",
            "owner": "Responsable de la sécurité",
            "due_on": opened + timedelta(days=rng.randint(15, 120)),
            "status": rng.choice(["open", "in_progress", "implemented", "closed"]),
            "version": 1,
        }

    def _breach(self, organisation_id: int, incident_id: int, kind, detected) -> dict:
        rng = self.rng
        awareness = detected + timedelta(hours=rng.randint(1, 12))
        reference, number = self._reference("VDP", awareness.year)
        return {
            "reference": reference,
            "reference_year": awareness.year,
            "reference_number": number,
            "title": kind[1],
            "organisation_id": organisation_id,
            "incident_id": incident_id,
            "awareness_at": awareness,
            "notification_deadline": awareness + timedelta(hours=72),
            "confidentiality": True,
            "status": rng.choice(["being_assessed", "notified", "not_notifiable", "closed"]),
            "subject_categories": ["staff"],
            "data_categories": ["identity"],
            "people_count": rng.randint(1, 5000),
            "version": 1,
        }

    def _roadmaps(self, registers: dict, measure_ids: list[int]) -> None:
        rng, start = self.rng, date(self.today.year - 1, 1, 1)
        rows = [
            {
                "organisation_id": organisation_id,
                "title": "Parcours de cybersécurité",
                "start_on": start,
                "end_on": date(start.year + 3, 12, 31),
                "state": "active",
                "version": 1,
            }
            for organisation_id in registers
        ]
        roadmap_ids = self.insert("roadmap", rows, returning=True)
        actions = []
        for roadmap_id, organisation_id in zip(roadmap_ids, registers, strict=True):
            for number, (theme, title) in enumerate(ROADMAP_ACTIONS, start=1):
                begins = start + timedelta(days=rng.randint(0, 500))
                actions.append(
                    {
                        "roadmap_id": roadmap_id,
                        "organisation_id": organisation_id,
                        "code": f"A{number:02d}",
                        "title": title,
                        "theme": theme,
                        "start_on": begins,
                        "target_on": begins + timedelta(days=rng.randint(30, 400)),
                        "status": rng.choice(["planned", "in_progress", "done"]),
                        "progress": rng.choice([0, 25, 50, 100]),
                        "version": 1,
                    }
                )
        action_ids = self.insert("roadmap_action", actions, returning=True)
        if measure_ids:
            self.insert(
                "roadmap_action_measure",
                [
                    {"action_id": action_id, "measure_id": rng.choice(measure_ids)}
                    for action_id in action_ids
                ],
            )

    def interfaces(self, application_ids: list[int], count: int) -> None:
        pairs = set()
        while len(pairs) < min(count, len(application_ids) * (len(application_ids) - 1)):
            source, target = self.rng.sample(application_ids, 2)
            pairs.add((source, target))
        rows = [
            {
                "source_application_id": source,
                "target_application_id": target,
                "direction": self.rng.choice(["one_way", "two_way"]),
                "data": "Échanges de référentiels",
                "protocol": "SFTP",
                "frequency": "quotidienne",
                "version": 1,
            }
            for source, target in sorted(pairs)
        ]
        self.insert("interface", rows)


# --- building a database ------------------------------------------------------------------------


def _import_catalogue(session) -> None:
    from registers.applications.demo import _import_catalogue as import_shipped_catalogue

    import_shipped_catalogue(session, ACTOR)


def _user(session, email: str, name: str) -> int:
    user = admin_services.create_user(
        session, email=email, name=name, actor=ACTOR, password=BENCH_PASSWORD
    )
    return user.id


def _api_token(session, user_id: int) -> str:
    secret = generate_token()
    session.add(
        ApiToken(user_id=user_id, name="bench", prefix=secret[:10], token_hash=hash_token(secret))
    )
    session.flush()
    return secret


def generate(
    url: str,
    *,
    organisations: int = 1000,
    activities: int = 100,
    big_register: int = 500,
    incidents: int = 5,
    seed: int = 2026,
    instance: str | None = None,
    log: Callable[[str], None] = print,
) -> Dataset:
    """Build the scaled database at `url` (upgraded first) and say how to log in to it."""
    instance = instance or tempfile.mkdtemp(prefix="registre-bench-")
    app = make_app(url, instance)
    started = time.perf_counter()
    upgrade(app)
    try:
        with app.app_context():
            dataset = _generate(
                get_session(),
                url,
                instance,
                organisations,
                activities,
                big_register,
                incidents,
                seed,
                log,
            )
    finally:
        app.extensions["db"].engine.dispose()
    dataset.timings["generate"] = time.perf_counter() - started
    return dataset


def _generate(
    session, url, instance, organisations, activities, big_register, incidents, seed, log
):
    from registers.applications.models import Application
    from registers.roadmap.models import HygieneMeasure

    if session.scalar(sa.select(sa.func.count()).select_from(Organisation)):
        raise SystemExit(f"{url} already has organisations: give an empty database")
    _import_catalogue(session)
    session.commit()
    application_ids = sorted(session.scalars(sa.select(Application.id)))
    measure_ids = sorted(session.scalars(sa.select(HygieneMeasure.id)))
    templates = load_templates(session)
    writer = Writer(session, seed)
    dpo_id = _user(session, DPO_EMAIL, "Délégué national à la protection des données")
    referent_id = _user(session, REFERENT_EMAIL, "Référente d'une commune")
    writer.dpo_id = dpo_id
    token = _api_token(session, dpo_id)
    host_id = writer.organisation(
        "Syndicat national des services numériques", is_host=True, kind=OrganisationKind.SYNDICATE
    )
    writer.memberships(dpo_id, [host_id], Role.DPO)
    writer.interfaces(application_ids, 40)
    session.commit()

    referent_index = organisations // 2
    referent_org_id = None
    started, total, incident_count = time.perf_counter(), 0, 0
    for first in range(0, organisations, CHUNK_ORGANISATIONS):
        count = min(CHUNK_ORGANISATIONS, organisations - first)
        ids = writer.organisations(first + 1, count)
        writer.memberships(dpo_id, ids, Role.DPO)
        if first <= referent_index < first + count:
            referent_org_id = ids[referent_index - first]
            writer.memberships(referent_id, [referent_org_id], Role.REFERENT)
        registers = writer.registers(ids, activities, templates, application_ids)
        total += sum(len(owned) for _deployed, owned in registers.values())
        incident_count += writer.security(registers, incidents, measure_ids)
        session.commit()
        log(
            f"  {first + count}/{organisations} organisations, {total} activities, "
            f"{incident_count} incidents ({time.perf_counter() - started:.0f} s)"
        )
    big_id = writer.organisation("Métropole du Grand Registre", kind=OrganisationKind.EPT)
    writer.memberships(dpo_id, [big_id], Role.DPO)
    writer.registers([big_id], big_register, templates, application_ids)
    session.commit()
    _analyze(session)

    slugs = dict(session.execute(sa.select(Organisation.id, Organisation.slug)).all())
    export_count = _count_activities(session, big_id)
    return Dataset(
        label=f"{organisations} × {activities}",
        url=url,
        instance=instance,
        dpo_email=DPO_EMAIL,
        referent_email=REFERENT_EMAIL,
        password=BENCH_PASSWORD,
        referent_slug=slugs[referent_org_id],
        register_slug=slugs[referent_org_id],
        export_slug=slugs[big_id],
        api_token=token,
        organisations=organisations + 2,
        activities=total + big_register,
        incidents=incident_count,
        export_activities=export_count,
    )


def _count_activities(session, organisation_id: int, *, archived: bool = False) -> int:
    from registers.processing.models import ProcessingActivity

    statement = sa.select(sa.func.count()).where(
        ProcessingActivity.organisation_id == organisation_id,
        ProcessingActivity.is_model.is_(False),
    )
    if not archived:
        statement = statement.where(ProcessingActivity.status != "archived")
    return session.scalar(statement) or 0


def _analyze(session) -> None:
    """PostgreSQL's autovacuum would analyse the new rows within a minute; do it now, so that
    the plans measured are those of a database in service. SQLite is left as an application
    leaves it (it never runs ANALYZE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().exec_driver_sql("ANALYZE")
        session.commit()


# --- the demo-sized database ---------------------------------------------------------------------


def demo(url: str, *, instance: str | None = None, log: Callable[[str], None] = print) -> Dataset:
    """The demo (`compliance demo`) at `url`, with a token for its DPO."""
    from compliance import REGISTERS
    from compliance import demo as demo_data
    from registers.incidents.models import Incident

    instance = instance or tempfile.mkdtemp(prefix="registre-bench-")
    app = make_app(url, instance)
    started = time.perf_counter()
    upgrade(app)
    try:
        with app.app_context():
            session = get_session()
            demo_data.load(session, ACTOR, REGISTERS)
            session.commit()
            dpo = admin_services.find_user(session, f"dpo@{demo_data.DEMO_DOMAIN}")
            token = _api_token(session, dpo.id)
            session.commit()
            _analyze(session)
            counts = _register_sizes(session)
            biggest = max(counts, key=lambda slug: counts[slug])
            organisation_count = session.scalar(sa.select(sa.func.count(Organisation.id)))
            activity_count = sum(counts.values())
            incident_count = session.scalar(sa.select(sa.func.count(Incident.id)))
    finally:
        app.extensions["db"].engine.dispose()
    referent_slug = "ivry-sur-seine"
    return Dataset(
        label="demo",
        url=url,
        instance=instance,
        dpo_email=f"dpo@{demo_data.DEMO_DOMAIN}",
        referent_email=f"referent.ivry@{demo_data.DEMO_DOMAIN}",
        password=demo_data.DEMO_PASSWORD,
        referent_slug=referent_slug,
        register_slug=referent_slug,
        export_slug=biggest,
        api_token=token,
        organisations=organisation_count,
        activities=activity_count,
        incidents=incident_count,
        export_activities=counts[biggest],
        timings={"generate": time.perf_counter() - started},
    )


def _register_sizes(session) -> dict[str, int]:
    from registers.processing.models import ProcessingActivity

    rows = session.execute(
        sa.select(Organisation.slug, sa.func.count(ProcessingActivity.id))
        .join(ProcessingActivity, ProcessingActivity.organisation_id == Organisation.id)
        .where(ProcessingActivity.is_model.is_(False), ProcessingActivity.status != "archived")
        .group_by(Organisation.slug)
    ).all()
    return dict(rows)


# --- command line ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("url", nargs="?", help="database URL (default: a new SQLite file)")
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--activities", type=int, default=100, help="per organisation")
    parser.add_argument("--big-register", type=int, default=500)
    parser.add_argument("--incidents", type=int, default=5, help="per organisation")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--instance", help="folder for the secrets (default: a temporary one)")
    args = parser.parse_args(argv)
    url = args.url
    if url is None:
        folder = Path("instance/bench").resolve()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"scale-{args.organisations}x{args.activities}.db"
        if path.exists():
            print(f"{path} exists: remove it first", file=sys.stderr)
            return 1
        url = f"sqlite:///{path}"
    dataset = generate(
        url,
        organisations=args.organisations,
        activities=args.activities,
        big_register=args.big_register,
        incidents=args.incidents,
        seed=args.seed,
        instance=args.instance,
    )
    print(
        f"{dataset.activities} activities and {dataset.incidents} incidents in "
        f"{dataset.organisations} organisations "
        f"in {dataset.timings['generate']:.0f} s at {url}\n"
        f"secrets in {dataset.instance}; password {dataset.password}\n"
        f"national DPO {dataset.dpo_email}, referent {dataset.referent_email} "
        f"({dataset.referent_slug}); API token {dataset.api_token}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
