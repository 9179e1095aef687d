"""Scale data for the benchmarks: N organisations with M processing activities each.

The demo is the source: it is loaded into a throw-away in-memory database
(`compliance.demo_database`), and its records are copied, varied, into the scaled database with
bulk Core inserts (executemany), which is what makes 100 000 activities a matter of a minute or
two. The demo's application catalogue (the shipped one, described) is copied first. Each
organisation then gets copies of the demo's processing activities (with every child row:
purposes with their legal bases, data categories with their retention, subjects, recipients,
security measures, supporting applications), of its incidents (encrypted description,
timeline and blind search index, shifted to another date), of their corrective actions and of
its breaches, and a roadmap of ten of the demo's roadmap actions. The rows are not audited: the
audit trail is not what the benchmarks measure.

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
import enum
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy import event

from compliance import create_app, search
from compliance.admin import services as admin_services
from compliance.auth import ApiToken, generate_token, hash_token
from compliance.db import get_session, utcnow
from compliance.demo_database import demo_session
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
# A word of the demo's incidents, in the text of about one in four: the encrypted-text search.
INCIDENT_SEARCH = "hameconnage"
ROADMAP_ACTIONS = 10
INTERFACES = 40
# A breach for an incident that exposed personal data; for one in ten of the others.
BREACH_RATE = 0.1


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


# --- the demo's records -------------------------------------------------------------------------

# Columns a copy never takes from its original: the database gives them.
OWN_COLUMNS = {"id", "created_at", "updated_at", "version"}
NUMBERED = {"reference", "reference_year", "reference_number"}
CHILD_TABLES = {
    "purposes": "processing_purpose",
    "data_categories": "processing_data_category",
    "special_categories": "processing_special_category",
    "subjects": "processing_subject",
    "recipients": "processing_recipient",
    "transfers": "processing_transfer",
    "security_measures": "processing_security_measure",
}


def _copy(row: dict, *dropped: str, **ids: dict[int, int]) -> dict:
    """A demo row for the scaled database: without the columns the database gives nor
    `dropped`, its foreign keys named in `ids` translated (column=demo id -> new id)."""
    copied = {k: v for k, v in row.items() if k not in OWN_COLUMNS and k not in dropped}
    for column, new_ids in ids.items():
        if copied.get(column) is not None:
            copied[column] = new_ids[copied[column]]
    return copied


def _shifted(row: dict, delta: timedelta) -> dict:
    """The row with every instant and day moved by `delta`."""
    moved = {}
    for key, value in row.items():
        if isinstance(value, datetime):
            value = value + delta
        elif isinstance(value, date):
            value = value + timedelta(days=delta.days)
        moved[key] = value
    return moved


def _latest(rows: list[dict]) -> datetime | None:
    instants = [v for row in rows for v in row.values() if isinstance(v, datetime)]
    return max(instants, default=None)


@dataclass
class Template:
    """One demo activity: the values every copy of it gets."""

    prefix: str
    name: str
    scalars: dict
    children: dict[str, list[dict]]
    application_ids: list[int]


@dataclass
class IncidentTemplate:
    """One demo incident with what hangs on it, to copy at another date."""

    row: dict
    timeline: list[dict]
    tokens: list[str]
    actions: list[dict]
    breaches: list[dict]  # the breaches it caused
    span: timedelta  # from its detection to the last instant of its row and timeline


@dataclass
class DemoRecords:
    """The demo's records, read from the throw-away demo database (application and vendor ids
    already those of the scaled database)."""

    organisations: list[dict]  # the members
    templates: list[Template]
    incidents: list[IncidentTemplate]
    breaches: list[dict]
    notifications: dict[int, list[dict]]  # demo breach id -> its notifications
    roadmap: dict
    roadmap_actions: list[tuple[dict, list[int]]]  # (action, hygiene measure ids)
    interfaces: list[dict]


# The demo's rows, table by table, read once per process: the demo is loaded (in memory, a few
# seconds) only for the first database a process builds.
_DEMO_ROWS: dict[str, list[dict]] = {}


class DemoReader:
    """Reads the demo database table by table (Core: encrypted columns come back in clear),
    each table once per process (`_DEMO_ROWS`); `connect` gives a connection to the demo
    database, called only when a table is not read yet."""

    def __init__(self, connect: Callable[[], sa.Connection], tables):
        self.connect = connect
        self.connection: sa.Connection | None = None
        self.tables = tables

    def rows(self, name: str) -> list[dict]:
        if name not in _DEMO_ROWS:
            if self.connection is None:
                self.connection = self.connect()
            table = self.tables[name]
            statement = sa.select(table).order_by(*table.primary_key.columns)
            _DEMO_ROWS[name] = [dict(row) for row in self.connection.execute(statement).mappings()]
        return _DEMO_ROWS[name]

    def by(self, name: str, column: str) -> dict[int, list[dict]]:
        grouped: dict[int, list[dict]] = {}
        for row in self.rows(name):
            grouped.setdefault(row[column], []).append(row)
        return grouped


def _copied(writer: Writer, name: str, rows: list[dict], **ids) -> dict[int, int]:
    """Insert copies of demo rows; returns the map from their demo ids to their new ones."""
    new_ids = writer.insert(name, [_copy(row, **ids) for row in rows], returning=True)
    return dict(zip([row["id"] for row in rows], new_ids, strict=True))


def copy_catalogue(writer: Writer, demo: DemoReader) -> tuple[dict[int, int], dict[int, int]]:
    """The demo's vendors, applications and their functions, copied; returns the maps from
    the demo's vendor and application ids to the scaled database's."""
    vendor_ids = _copied(writer, "vendor", demo.rows("vendor"))
    application_ids = _copied(writer, "application", demo.rows("application"), vendor_id=vendor_ids)
    functions = demo.rows("application_function")
    writer.insert(
        "application_function", [_copy(f, application_id=application_ids) for f in functions]
    )
    return vendor_ids, application_ids


def _templates(demo: DemoReader, vendor_ids: dict, application_ids: dict) -> list[Template]:
    children = {name: demo.by(table, "processing_id") for name, table in CHILD_TABLES.items()}
    links = demo.by("processing_application", "processing_id")
    templates, seen = [], set()
    for activity in demo.rows("processing_activity"):
        applications = [
            application_ids[link["application_id"]] for link in links.get(activity["id"], [])
        ]
        key = (activity["reference"], activity["name"], tuple(applications))
        if key in seen:
            continue
        seen.add(key)
        own = {
            name: [
                _copy(child, "processing_id", vendor_id=vendor_ids)
                for child in grouped.get(activity["id"], [])
            ]
            for name, grouped in children.items()
        }
        scalars = _copy(activity, "organisation_id", "reference", "name", "model_id")
        templates.append(
            Template(
                activity["reference"].split("-")[0], activity["name"], scalars, own, applications
            )
        )
    return templates


def _incidents(demo: DemoReader) -> list[IncidentTemplate]:
    timeline = demo.by("incident_timeline_entry", "incident_id")
    tokens = demo.by("incident_search_token", "incident_id")
    actions = demo.by("corrective_action", "incident_id")
    breaches = demo.by("personal_data_breach", "incident_id")
    incidents = []
    for incident in demo.rows("incident"):
        number = incident["id"]
        entries = [_copy(e, "incident_id", "author_id") for e in timeline.get(number, [])]
        own_actions = [
            _copy(a, "organisation_id", "incident_id", *NUMBERED) for a in actions.get(number, [])
        ]
        caused = breaches.get(number, [])
        incidents.append(
            IncidentTemplate(
                row=_copy(incident, "organisation_id", *NUMBERED),
                timeline=entries,
                tokens=[t["token"] for t in tokens.get(number, [])],
                actions=own_actions,
                breaches=caused,
                span=_latest([_copy(incident), *entries]) - incident["detected_at"],
            )
        )
    return incidents


def read_demo(writer: Writer) -> DemoRecords:
    """Load the demo into its throw-away database, copy its catalogue into the scaled one, and
    keep its other records to copy."""
    measure = writer.tables["hygiene_measure"]
    # Both databases hold the shipped measures: matched by reference.
    refs = dict(writer.session.execute(sa.select(measure.c.ref, measure.c.id)).all())
    with ExitStack() as stack:
        demo = DemoReader(lambda: stack.enter_context(demo_session()).connection(), writer.tables)
        vendor_ids, application_ids = copy_catalogue(writer, demo)
        measure_ids = {m["id"]: refs[m["ref"]] for m in demo.rows("hygiene_measure")}
        measure_links = demo.by("roadmap_action_measure", "action_id")
        roadmap = demo.rows("roadmap")[0]
        actions = [a for a in demo.rows("roadmap_action") if a["roadmap_id"] == roadmap["id"]]
        ends = ("source_application_id", "target_application_id")
        return DemoRecords(
            organisations=[o for o in demo.rows("organisation") if not o["is_host"]],
            templates=_templates(demo, vendor_ids, application_ids),
            incidents=_incidents(demo),
            breaches=demo.rows("personal_data_breach"),
            notifications=demo.by("breach_notification", "breach_id"),
            roadmap=_copy(roadmap, "organisation_id"),
            roadmap_actions=[
                (
                    _copy(action, "roadmap_id", "organisation_id"),
                    [
                        measure_ids[link["measure_id"]]
                        for link in measure_links.get(action["id"], [])
                    ],
                )
                for action in actions
            ],
            interfaces=[
                _copy(i, **dict.fromkeys(ends, application_ids)) for i in demo.rows("interface")
            ],
        )


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


def _plain(value):
    """An enumeration member left by a bind processor, as its value (the drivers take it so
    through SQLAlchemy's own executemany too)."""
    return value.value if isinstance(value, enum.Enum) else value


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
        self.kinds: dict[int, str] = {}  # organisation id -> kind
        self.summaries: dict[tuple, dict] = {}

    def insert(self, name: str, rows: list[dict], *, returning: bool = False) -> list[int]:
        """Insert `rows` into table `name` (the columns they do not give take their defaults);
        with `returning`, their new ids, in order.

        Below SQLAlchemy's executemany: each value goes through its column type's bind
        processor (encryption, JSON, enumerations, dates), then the rows are sent in one
        PostgreSQL COPY, or one executemany of the SQLite driver. The ids are taken first (the
        table's sequence on PostgreSQL, after the largest id on SQLite, where this connection
        is the only writer), so that the rows carry them."""
        if not rows:
            return []
        table = self.tables[name]
        if name not in self.defaults:
            self.defaults[name] = _column_defaults(table, self.now)
        defaults = self.defaults[name]
        connection = self.session.connection()
        dialect = connection.dialect
        ids = self._ids(connection, table, len(rows)) if returning else []
        names = (["id"] if ids else []) + list(defaults)
        processors = [table.c[column].type._cached_bind_processor(dialect) for column in names]
        records = []
        for index, row in enumerate(rows):
            merged = {**defaults, **row}
            if ids:
                merged["id"] = ids[index]
            records.append(
                tuple(
                    _plain(process(merged[column]) if process else merged[column])
                    for column, process in zip(names, processors, strict=True)
                )
            )
        quote = dialect.identifier_preparer.quote
        columns = ", ".join(quote(column) for column in names)
        cursor = connection.connection.cursor()
        try:
            if dialect.name == "postgresql":
                with cursor.copy(f"COPY {quote(table.name)} ({columns}) FROM STDIN") as copy:
                    for record in records:
                        copy.write_row(record)
            else:
                marks = ", ".join("?" for _ in names)
                cursor.executemany(
                    f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})", records
                )
        finally:
            cursor.close()
        return ids

    @staticmethod
    def _ids(connection, table: sa.Table, count: int) -> list[int]:
        if connection.dialect.name == "postgresql":
            sequence = connection.scalar(
                sa.select(sa.func.pg_get_serial_sequence(table.name, "id"))
            )
            return list(
                connection.scalars(
                    sa.select(sa.func.nextval(sequence)).select_from(
                        sa.func.generate_series(1, count)
                    )
                )
            )
        largest = connection.scalar(sa.select(sa.func.max(table.c.id))) or 0
        return list(range(largest + 1, largest + 1 + count))

    # organisations -------------------------------------------------------------------------

    def organisations(self, first: int, count: int, demo: DemoRecords) -> list[int]:
        """Copies of the demo's member organisations, numbered."""
        rows = []
        for number in range(first, first + count):
            original = self.rng.choice(demo.organisations)
            name = f"{original['name']} n° {number:04d}"
            rows.append(
                {
                    "name": name,
                    "slug": slugify(name),
                    "kind": original["kind"],
                    "dpo_name": "Délégué national à la protection des données",
                    "is_host": False,
                    "is_active": True,
                    "version": 1,
                }
            )
        ids = self.insert("organisation", rows, returning=True)
        self.kinds.update(zip(ids, (row["kind"] for row in rows), strict=True))
        return ids

    def organisation(self, name: str, *, is_host: bool = False, kind=OrganisationKind.COMMUNE):
        row = {"name": name, "slug": slugify(name), "kind": kind, "is_host": is_host}
        organisation_id = self.insert("organisation", [row], returning=True)[0]
        self.kinds[organisation_id] = kind
        return organisation_id

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
        values.update(self._summary(values, template, self.kinds[organisation_id]))
        return values

    def _summary(self, values: dict, template: Template, kind) -> dict:
        """compute.stored_summary of a copy: the same for the copies of one demo activity in
        organisations of one kind with one DPIA status (the name is never blank)."""
        from registers.processing import compute

        key = (id(template), kind, values["dpia_status"])
        if key not in self.summaries:
            subject = compute.activity_from_rows(values, template.children)
            self.summaries[key] = compute.stored_summary(subject, SimpleNamespace(kind=kind))
        return self.summaries[key]

    def _children(self, activity_ids: list[int], plan: list[Template]) -> None:
        tables = CHILD_TABLES
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

    def security(self, registers: dict, incidents: int, demo: DemoRecords) -> int:
        """Per organisation: `incidents` copies of the demo's incidents (timeline, affected
        applications, blind search index) at other dates, one of its corrective actions for two
        in five, a copy of a demo breach for those that exposed personal data (and one in ten
        of the others), and a roadmap of ten of the demo's actions. Returns the number of
        incidents."""
        rng = self.rng
        rows, plans = [], []
        for organisation_id, (applications, _activities) in registers.items():
            for _ in range(incidents):
                original = rng.choice(demo.incidents)
                # Early enough that the incident's story is in the past.
                detected = (
                    self.now
                    - original.span
                    - timedelta(days=rng.randint(1, 1000), minutes=rng.randint(0, 1440))
                )
                delta = detected - original.row["detected_at"]
                reference, number = self._reference("INC", detected.year)
                rows.append(
                    {
                        **_shifted(original.row, delta),
                        "reference": reference,
                        "reference_year": detected.year,
                        "reference_number": number,
                        "organisation_id": organisation_id,
                    }
                )
                chosen = rng.sample(applications, k=min(len(applications), rng.randint(1, 2)))
                plans.append((organisation_id, original, delta, chosen))
        ids = self.insert("incident", rows, returning=True)
        links, affected, entries, tokens, actions, breach_rows, breach_plan = ([] for _ in range(7))
        for incident_id, (organisation_id, original, delta, chosen) in zip(ids, plans, strict=True):
            links += [{"incident_id": incident_id, "application_id": a} for a in chosen]
            affected.append({"incident_id": incident_id, "organisation_id": organisation_id})
            entries += [
                {**_shifted(entry, delta), "incident_id": incident_id}
                for entry in original.timeline
            ]
            tokens += [{"incident_id": incident_id, "token": t} for t in original.tokens]
            if original.actions and rng.random() < 0.4:
                action = rng.choice(original.actions)
                actions.append(self._corrective_action(organisation_id, incident_id, action, delta))
            if original.row["personal_data"] or rng.random() < BREACH_RATE:
                breach = rng.choice(original.breaches or demo.breaches)
                at = original.row["detected_at"] + delta + timedelta(hours=rng.randint(1, 12))
                breach_rows.append(self._breach(organisation_id, incident_id, breach, at))
                breach_plan.append(breach)
        self.insert("incident_application", links)
        self.insert("incident_organisation", affected)
        self.insert("incident_timeline_entry", entries)
        self.insert("incident_search_token", tokens)
        self.insert("corrective_action", actions)
        breach_ids = self.insert("personal_data_breach", breach_rows, returning=True)
        notifications = []
        for breach_id, row, breach in zip(breach_ids, breach_rows, breach_plan, strict=True):
            delta = row["awareness_at"] - breach["awareness_at"]
            notifications += [
                {**_shifted(_copy(n, "breach_id"), delta), "breach_id": breach_id}
                for n in demo.notifications.get(breach["id"], [])
            ]
        self.insert("breach_notification", notifications)
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
        self._roadmaps(registers, demo)
        return len(ids)

    def _corrective_action(self, organisation_id: int, incident_id: int, action, delta) -> dict:
        opened = action["opened_on"] + timedelta(days=delta.days)
        reference, number = self._reference("CA", opened.year)
        return {
            **_shifted(action, delta),
            "reference": reference,
            "reference_year": opened.year,
            "reference_number": number,
            "organisation_id": organisation_id,
            "incident_id": incident_id,
        }

    def _breach(self, organisation_id: int, incident_id: int, breach: dict, awareness) -> dict:
        reference, number = self._reference("VDP", awareness.year)
        return {
            **_shifted(
                _copy(breach, "organisation_id", "incident_id", *NUMBERED),
                awareness - breach["awareness_at"],
            ),
            "reference": reference,
            "reference_year": awareness.year,
            "reference_number": number,
            "organisation_id": organisation_id,
            "incident_id": incident_id,
        }

    def _roadmaps(self, registers: dict, demo: DemoRecords) -> None:
        """The demo's roadmap for each organisation, with ten of its actions (the demo's
        dates are relative to the day it is loaded: they are kept)."""
        roadmap_ids = self.insert(
            "roadmap",
            [{**demo.roadmap, "organisation_id": o} for o in registers],
            returning=True,
        )
        actions, measures = [], []
        for roadmap_id, organisation_id in zip(roadmap_ids, registers, strict=True):
            for number in range(ROADMAP_ACTIONS):
                action, measure_ids = demo.roadmap_actions[number % len(demo.roadmap_actions)]
                actions.append(
                    {
                        **action,
                        "roadmap_id": roadmap_id,
                        "organisation_id": organisation_id,
                        "code": f"A-{number + 1:02d}",
                    }
                )
                measures.append(measure_ids)
        action_ids = self.insert("roadmap_action", actions, returning=True)
        self.insert(
            "roadmap_action_measure",
            [
                {"action_id": action_id, "measure_id": measure_id}
                for action_id, measure_ids in zip(action_ids, measures, strict=True)
                for measure_id in measure_ids
            ],
        )

    def interfaces(self, application_ids: list[int], demo: DemoRecords) -> None:
        """The demo's interfaces, and copies of them between other applications up to
        INTERFACES."""
        rows = list(demo.interfaces)
        pairs = {(r["source_application_id"], r["target_application_id"]) for r in rows}
        most = len(application_ids) * (len(application_ids) - 1)
        while len(pairs) < min(INTERFACES, most):
            source, target = self.rng.sample(application_ids, 2)
            if (source, target) not in pairs:
                pairs.add((source, target))
                rows.append(
                    {
                        **self.rng.choice(demo.interfaces),
                        "source_application_id": source,
                        "target_application_id": target,
                    }
                )
        self.insert("interface", rows)


# --- building a database ------------------------------------------------------------------------


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
    engine = app.extensions["db"].engine
    engine.dispose()  # the connections of the upgrade: the next ones write fast
    event.listen(engine, "connect", _fast_writes)
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
    from registers.processing import tally

    if session.scalar(sa.select(sa.func.count()).select_from(Organisation)):
        raise SystemExit(f"{url} already has organisations: give an empty database")
    # The FTS tables are filled in one pass at the end, not row by row by their triggers.
    search.suspend_for_bulk_load(session.connection())
    writer = Writer(session, seed)
    demo_records = read_demo(writer)
    session.commit()
    application_ids = sorted(session.scalars(sa.select(Application.id)))
    templates = demo_records.templates
    dpo_id = _user(session, DPO_EMAIL, "Délégué national à la protection des données")
    referent_id = _user(session, REFERENT_EMAIL, "Référente d'une commune")
    writer.dpo_id = dpo_id
    token = _api_token(session, dpo_id)
    host_id = writer.organisation(
        "Syndicat national des services numériques", is_host=True, kind=OrganisationKind.SYNDICATE
    )
    writer.memberships(dpo_id, [host_id], Role.DPO)
    writer.interfaces(application_ids, demo_records)
    session.commit()

    # The referent's organisation opens the middle chunk, and it and the large register are
    # written from random generators of their own: their contents are then the same at every
    # size, so that the pages they show can be compared from one size to another.
    referent_index = organisations // 2 // CHUNK_ORGANISATIONS * CHUNK_ORGANISATIONS
    referent_org_id = None
    started, total, incident_count = time.perf_counter(), 0, 0
    for first in range(0, organisations, CHUNK_ORGANISATIONS):
        count = min(CHUNK_ORGANISATIONS, organisations - first)
        if first == referent_index:
            writer.rng = random.Random(f"{seed}-referent")
        ids = writer.organisations(first + 1, count, demo_records)
        writer.memberships(dpo_id, ids, Role.DPO)
        if first <= referent_index < first + count:
            referent_org_id = ids[referent_index - first]
            writer.memberships(referent_id, [referent_org_id], Role.REFERENT)
        registers = writer.registers(ids, activities, templates, application_ids)
        total += sum(len(owned) for _deployed, owned in registers.values())
        incident_count += writer.security(registers, incidents, demo_records)
        session.commit()
        log(
            f"  {first + count}/{organisations} organisations, {total} activities, "
            f"{incident_count} incidents ({time.perf_counter() - started:.0f} s)"
        )
    writer.rng = random.Random(f"{seed}-large-register")
    big_id = writer.organisation("Métropole du Grand Registre", kind=OrganisationKind.EPT)
    writer.memberships(dpo_id, [big_id], Role.DPO)
    writer.registers([big_id], big_register, templates, application_ids)
    search.refill_after_bulk_load(session.connection())
    # The rows went in below the ORM: the stored counts of every organisation, in one pass.
    tally.recount(session.connection())
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


def _fast_writes(dbapi_connection, _record) -> None:
    """While the data is built (a failed build is thrown away): on SQLite, no rollback journal
    and no waiting for the disk (the measurements' application sets its own journal mode
    again); on PostgreSQL, commits that do not wait for the WAL flush. A pool's `connect`
    listener, after the application's own."""
    cursor = dbapi_connection.cursor()
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor.execute("PRAGMA journal_mode=OFF")
        cursor.execute("PRAGMA synchronous=OFF")
    else:
        cursor.execute("SET synchronous_commit = off")
        dbapi_connection.commit()
    cursor.close()


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
    """PostgreSQL's autovacuum would vacuum and analyse the new rows within a minute (since
    PostgreSQL 13 inserts alone trigger it): do it now, so that the plans measured are those of
    a database in service (statistics, and the visibility map index-only scans rely on). SQLite
    is left as an application leaves it (it never runs ANALYZE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.commit()
        engine = session.get_bind()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")


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
