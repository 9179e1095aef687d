"""Importing the application catalogue from a spreadsheet: plan first, then apply.

`plan_import` reads nothing but the database and says, for each vendor, application and
deployment, whether it would be created, updated or left alone, or lists every error with its
line number. `apply_import` writes a plan without errors through the services (so every change
is audited). One row is one business function of one software, as the syndicate publishes its
catalogue: rows of the same software (compared by normalised name) merge into one application,
vendors merge on their normalised key. An import adds and updates; it never deletes, archives
or restores, and an empty cell leaves the stored value alone, so re-importing a file changes
nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import Session
from sqlmodel import select

from compliance import audit
from compliance.admin.services import ServiceError
from compliance.schemas import FieldErrors, validate
from compliance.tenancy import Organisation, slugify
from compliance.types import parse_day
from registers.applications import services
from registers.applications.models import (
    Application,
    ApplicationStatus,
    Deployment,
    Hosting,
    Vendor,
    normalise_key,
)
from registers.applications.schemas import (
    ApplicationBase,
    ApplicationCreate,
    ApplicationUpdate,
    DeploymentCreate,
    DeploymentUpdate,
    VendorCreate,
)
from registers.applications.tables import Table, read_table

# Column header (normalised with normalise_key) -> field. The first four are required.
REQUIRED = ("domain", "function", "software", "vendor")
COLUMNS = {
    "domain": ("domaine", "domainemetier", "domain"),
    "function": ("fonctionnalite", "fonctionnalites", "fonction", "function"),
    "software": ("logiciel", "application", "software"),
    "vendor": ("fournisseur", "editeur", "vendor"),
    "description": ("description",),
    "software_version": ("version", "versionlogiciel"),
    "status": ("statut", "etat", "status"),
    "owner": ("responsable", "chefdeprojet", "proprietaire", "owner"),
    "hosting": ("hebergement", "hosting"),
    "hosting_country": ("pays", "payshebergement", "paysdhebergement", "country"),
    "outside_eu_safeguard": ("garanties", "garantiehorsue", "garantieshorsue", "safeguard"),
    "hds_required": ("hdsrequis", "hds"),
    "hds_certified": ("hdscertifie", "certificationhds"),
    "availability": ("disponibilite", "besoind", "d", "availability"),
    "integrity": ("integrite", "besoini", "i", "integrity"),
    "confidentiality": ("confidentialite", "besoinc", "c", "confidentiality"),
    "traceability": ("tracabilite", "preuve", "besoint", "t", "traceability"),
    "rto_hours": ("rto", "rtoheures", "dmia", "rtohours"),
    "rpo_hours": ("rpo", "rpoheures", "pdma", "rpohours"),
    "notes": ("notes", "remarques", "commentaire", "commentaires"),
    "organisation": ("organisation", "membre", "collectivite", "organisations"),
    "since": ("depuis", "dateutilisation", "miseenservice", "since"),
}
HEADER_FIELDS = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
# The columns read through the application's schema (the domain is read apart: the first
# row's is the application's main domain, later ones only qualify their function).
APPLICATION_COLUMNS = [
    name for name in COLUMNS if name in ApplicationBase.model_fields and name != "domain"
]

# French words (normalised) accepted for the closed lists, on top of the enum values.
WORDS = {
    "status": {
        ApplicationStatus.IN_SERVICE: ("enservice", "production", "active", "actif"),
        ApplicationStatus.DEPLOYING: (
            "encoursdedeploiement",
            "endeploiement",
            "deploiement",
            "projet",
        ),
        ApplicationStatus.RETIRED: ("retiree", "retire", "arretee", "arrete", "findevie"),
    },
    "hosting": {
        Hosting.SYNDICATE_DATACENTER: ("datacenterdusyndicat", "syndicat", "siim94", "interne"),
        Hosting.MEMBER_SITE: ("sitedumembre", "membre", "site", "local", "surplace"),
        Hosting.VENDOR_SAAS: ("saas", "saasdelediteur", "editeur", "cloud"),
        Hosting.OTHER_PROVIDER: ("autrehebergeur", "autre", "hebergeur", "tiers"),
    },
}
NEED_WORDS = {"faible": 1, "moyen": 2, "fort": 3, "eleve": 3, "tresfort": 4, "critique": 4}
NEED_FIELDS = ("availability", "integrity", "confidentiality", "traceability")


def _words(field_name: str) -> dict[str, str]:
    lookup = {}
    for member, words in WORDS[field_name].items():
        for word in (member.value, *words):
            lookup[normalise_key(word)] = member.value
    return lookup


WORD_LOOKUP = {name: _words(name) for name in WORDS}


# --- the plan ---------------------------------------------------------------------------------

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass
class PlanItem:
    kind: str  # "vendor", "application" or "deployment"
    action: str  # CREATE, UPDATE or UNCHANGED
    key: str
    label: str
    lines: list[int] = field(default_factory=list)
    # What to write (JSON-safe): every field for a creation, the changed ones for an update.
    values: dict[str, Any] = field(default_factory=dict)
    # field -> [before, after], for an update
    changes: dict[str, list] = field(default_factory=dict)


@dataclass
class ImportPlan:
    items: list[PlanItem] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def of(self, kind: str) -> list[PlanItem]:
        return [item for item in self.items if item.kind == kind]

    @property
    def vendors(self) -> list[PlanItem]:
        return self.of("vendor")

    @property
    def applications(self) -> list[PlanItem]:
        return self.of("application")

    @property
    def deployments(self) -> list[PlanItem]:
        return self.of("deployment")

    def counts(self) -> dict[str, dict[str, int]]:
        """{"application": {"create": 53, "update": 0, "unchanged": 0}, ...}"""
        result = {kind: dict.fromkeys((CREATE, UPDATE, UNCHANGED), 0) for kind in KINDS}
        for item in self.items:
            result[item.kind][item.action] += 1
        return result

    @property
    def has_changes(self) -> bool:
        return any(item.action != UNCHANGED for item in self.items)

    def to_dict(self) -> dict:
        """A JSON-serialisable form (for a preview step that carries the plan)."""
        return {
            "items": [asdict(item) for item in self.items],
            "errors": [list(error) for error in self.errors],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportPlan:
        return cls(
            items=[PlanItem(**item) for item in data.get("items", [])],
            errors=[(int(line), str(message)) for line, message in data.get("errors", [])],
        )

    def summary(self) -> list[str]:
        """One line per kind, e.g. 'applications: 53 to create, 0 to update, 0 unchanged'."""
        names = {"vendor": "vendors", "application": "applications", "deployment": "deployments"}
        return [
            f"{names[kind]}: {c[CREATE]} to create, {c[UPDATE]} to update, {c[UNCHANGED]} unchanged"
            for kind, c in self.counts().items()
        ]


KINDS = ("vendor", "application", "deployment")


# --- planning ---------------------------------------------------------------------------------


@dataclass
class _Draft:
    """What the rows of one application (or deployment) say, merged."""

    key: str
    label: str
    lines: list[int] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)  # field -> line that set it
    functions: list[list[str]] = field(default_factory=list)

    def merge(self, line: int, name: str, value, errors: list, label: str) -> None:
        if value in (None, ""):
            return
        if name in self.values and self.values[name] != value:
            errors.append(
                (
                    line,
                    _(
                        "%(column)s : « %(value)s » contredit « %(previous)s » donné pour "
                        "%(label)s à la ligne %(line)d",
                        column=label,
                        value=value,
                        previous=self.values[name],
                        label=self.label,
                        line=self.sources[name],
                    ),
                )
            )
            return
        self.values[name] = value
        self.sources.setdefault(name, line)

    def add_function(self, domain: str | None, name: str | None) -> None:
        if name and domain and [domain, name] not in self.functions:
            self.functions.append([domain, name])


def _map_header(header: list[str]) -> tuple[dict[str, int], list[tuple[int, str]]]:
    positions: dict[str, int] = {}
    errors = []
    for index, title in enumerate(header):
        name = HEADER_FIELDS.get(normalise_key(title))
        if name is None:
            continue
        if name in positions:
            errors.append(
                (1, _("deux colonnes donnent le même champ : « %(title)s »", title=title))
            )
        positions[name] = index
    missing = [COLUMNS[name][0] for name in REQUIRED if name not in positions]
    if missing:
        errors.append((1, _("colonne(s) manquante(s) : %(columns)s", columns=", ".join(missing))))
    return positions, errors


def _json_safe(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _checked_cells(raw: dict) -> tuple[dict, dict]:
    """(the values the application's schema accepts, {field: message} of those it refuses)."""
    try:
        return validate(ApplicationUpdate, raw).model_dump(exclude_unset=True), {}
    except FieldErrors as error:
        errors = error.errors
    good = {name: value for name, value in raw.items() if name not in errors}
    return validate(ApplicationUpdate, good).model_dump(exclude_unset=True), errors


def _translate(name: str, raw: str):
    """A cell's value as the field converters expect it (French words for the closed lists)."""
    if name in WORD_LOOKUP:
        return WORD_LOOKUP[name].get(normalise_key(raw), raw)
    if name in NEED_FIELDS:
        return NEED_WORDS.get(normalise_key(raw), raw)
    return raw


class _Planner:
    def __init__(self, session: Session, table: Table):
        self.session = session
        self.table = table
        self.errors: list[tuple[int, str]] = list(table.errors)
        self.vendors: dict[str, _Draft] = {}
        self.applications: dict[str, _Draft] = {}
        self.deployments: dict[tuple[str, str], _Draft] = {}
        self.organisations = self._organisations()

    def _organisations(self) -> dict[str, Organisation]:
        lookup = {}
        for organisation in self.session.scalars(select(Organisation)):
            lookup[organisation.slug] = organisation
            lookup.setdefault(slugify(organisation.name), organisation)
        return lookup

    def read(self) -> None:
        if self.errors or not self.table.header:
            return
        positions, header_errors = _map_header(self.table.header)
        if header_errors:
            self.errors.extend(header_errors)
            return
        for line, cells in self.table.rows:
            row = {name: cells[i] if i < len(cells) else "" for name, i in positions.items()}
            self._read_row(line, row)

    def _read_row(self, line: int, row: dict[str, str]) -> None:
        software, domain = row["software"], row["domain"]
        if not software:
            self.errors.append((line, _("nom du logiciel manquant (colonne logiciel)")))
            return
        if not domain:
            self.errors.append(
                (
                    line,
                    _(
                        "domaine métier manquant (colonne domaine) pour %(software)s",
                        software=software,
                    ),
                )
            )
            return
        app_key = normalise_key(software)
        draft = self.applications.setdefault(app_key, _Draft(app_key, software))
        draft.lines.append(line)
        draft.add_function(domain, row["function"])
        draft.values.setdefault("domain", domain)
        if row["vendor"]:
            vendor_key = normalise_key(row["vendor"])
            vendor = self.vendors.setdefault(vendor_key, _Draft(vendor_key, row["vendor"]))
            vendor.lines.append(line)
            draft.merge(line, "vendor_key", vendor_key, self.errors, "fournisseur")
        self._read_fields(line, row, draft)
        if row.get("organisation"):
            self._read_deployment(line, row, draft)

    def _read_fields(self, line: int, row: dict[str, str], draft: _Draft) -> None:
        raw = {name: _translate(name, row[name]) for name in APPLICATION_COLUMNS if row.get(name)}
        cleaned, errors = _checked_cells(raw)
        for name, message in errors.items():
            self.errors.append(
                (
                    line,
                    _(
                        "%(column)s : « %(value)s » %(message)s",
                        column=COLUMNS[name][0],
                        value=row[name],
                        message=message,
                    ),
                )
            )
        for name, value in cleaned.items():
            draft.merge(line, name, _json_safe(value), self.errors, COLUMNS[name][0])

    def _read_deployment(self, line: int, row: dict[str, str], draft: _Draft) -> None:
        since = None
        if row.get("since"):
            try:
                since = _json_safe(parse_day(row["since"]))
            except ValueError as error:
                self.errors.append(
                    (
                        line,
                        _(
                            "%(column)s : « %(value)s » %(message)s",
                            column="depuis",
                            value=row["since"],
                            message=error,
                        ),
                    )
                )
        for name in filter(None, (part.strip() for part in row["organisation"].split("|"))):
            organisation = self.organisations.get(slugify(name))
            if organisation is None:
                self.errors.append((line, _("organisation inconnue : « %(name)s »", name=name)))
                continue
            key = (organisation.slug, draft.key)
            label = f"{draft.label} ({organisation.name})"
            deployment = self.deployments.setdefault(key, _Draft("/".join(key), label))
            deployment.lines.append(line)
            if row["function"]:
                deployment.add_function(row["domain"], row["function"])
            deployment.merge(line, "since", since, self.errors, "depuis")

    # --- comparing with the database ---------------------------------------------------------

    def plan(self) -> ImportPlan:
        self.read()
        if self.errors:
            return ImportPlan(errors=sorted(self.errors))
        items = self._vendor_items() + self._application_items() + self._deployment_items()
        return ImportPlan(items=items)

    def _vendor_items(self) -> list[PlanItem]:
        existing = {
            v.key: v
            for v in self.session.scalars(select(Vendor).where(Vendor.key.in_(list(self.vendors))))
        }
        return [
            PlanItem(
                "vendor",
                UNCHANGED if key in existing else CREATE,
                key,
                existing[key].name if key in existing else draft.label,
                draft.lines,
                {} if key in existing else {"name": draft.label},
            )
            for key, draft in self.vendors.items()
        ]

    def _application_items(self) -> list[PlanItem]:
        statement = select(Application).where(Application.name_key.in_(list(self.applications)))
        existing = {a.name_key: a for a in self.session.scalars(statement)}
        vendor_keys = dict(self.session.execute(select(Vendor.id, Vendor.key)).all())
        items = []
        for key, draft in self.applications.items():
            application = existing.get(key)
            if application is None:
                values = {"name": draft.label, **draft.values, "functions": draft.functions}
                items.append(PlanItem("application", CREATE, key, draft.label, draft.lines, values))
                continue
            changes = self._application_changes(application, draft, vendor_keys)
            items.append(
                PlanItem(
                    "application",
                    UPDATE if changes else UNCHANGED,
                    key,
                    application.name,
                    draft.lines,
                    {name: after for name, (_before, after) in changes.items()},
                    changes,
                )
            )
        return items

    @staticmethod
    def _application_changes(application: Application, draft: _Draft, vendor_keys) -> dict:
        changes = {}
        for name, value in draft.values.items():
            if name == "vendor_key":
                before = vendor_keys.get(application.vendor_id)
            elif name == "domain" and application.domain:
                continue  # the main domain is chosen once; a file only adds functions
            else:
                before = _json_safe(getattr(application, name))
            if before != value:
                changes[name] = [before, value]
        current = [[fn.domain, fn.name] for fn in application.functions]
        added = [pair for pair in draft.functions if pair not in current]
        if added:
            changes["functions"] = [current, current + added]
        return changes

    def _deployment_items(self) -> list[PlanItem]:
        if not self.deployments:
            return []
        slugs = {slug for slug, _key in self.deployments}
        rows = self.session.execute(
            select(Deployment, Organisation.slug, Application.name_key)
            .join(Organisation, Organisation.id == Deployment.organisation_id)
            .join(Application, Application.id == Deployment.application_id)
            .where(Organisation.slug.in_(slugs))
        ).all()
        existing = {(slug, key): deployment for deployment, slug, key in rows}
        items = []
        for (slug, app_key), draft in self.deployments.items():
            functions = [name for _domain, name in draft.functions]
            deployment = existing.get((slug, app_key))
            if deployment is None:
                values = {"organisation": slug, "application": app_key, "functions": functions}
                values.update(draft.values)
                items.append(
                    PlanItem("deployment", CREATE, draft.key, draft.label, draft.lines, values)
                )
                continue
            changes = {}
            added = [name for name in functions if name not in deployment.functions]
            if added and deployment.functions:  # an empty list already means "all functions"
                changes["functions"] = [deployment.functions, deployment.functions + added]
            since = draft.values.get("since")
            if since and since != _json_safe(deployment.since):
                changes["since"] = [_json_safe(deployment.since), since]
            items.append(
                PlanItem(
                    "deployment",
                    UPDATE if changes else UNCHANGED,
                    draft.key,
                    draft.label,
                    draft.lines,
                    {name: after for name, (_before, after) in changes.items()},
                    changes,
                )
            )
        return items


def plan_import(session: Session, table: Table) -> ImportPlan:
    """What importing `table` (from read_table) would do; errors if any row is bad."""
    return _Planner(session, table).plan()


def plan_file(
    session: Session, data: bytes, filename: str = "", *, max_rows: int | None = None
) -> ImportPlan:
    """plan_import of the bytes of a CSV or XLSX file (at most `max_rows` rows, by default the
    IMPORT_MAX_ROWS setting)."""
    return plan_import(session, read_table(data, filename, max_rows=max_rows))


# --- applying ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_updated(self) -> int:
        return sum(self.updated.values())


def apply_import(session: Session, plan: ImportPlan, *, actor, source: str = "") -> ImportResult:
    """Write the plan through the services (each change audited); flushes, never commits.

    Records are found again by their keys, so a plan carried through a preview page still
    applies if the catalogue moved meanwhile; a plan with errors is refused."""
    if plan.errors:
        raise ServiceError(
            ngettext(
                "le fichier contient %(num)d erreur : rien n'a été importé",
                "le fichier contient %(num)d erreurs : rien n'a été importé",
                len(plan.errors),
            )
        )
    result = ImportResult()
    for item in plan.vendors:
        if item.action == CREATE and services.find_vendor(session, item.values["name"]) is None:
            services.create_vendor(session, validate(VendorCreate, item.values), actor=actor)
            result.created["vendor"] += 1
    for item in plan.applications:
        if item.action != UNCHANGED:
            _apply_application(session, item, result, actor=actor)
    for item in plan.deployments:
        if item.action != UNCHANGED:
            _apply_deployment(session, item, result, actor=actor)
    if result.total_created or result.total_updated:
        audit.record(
            session,
            action="import",
            actor=actor,
            object_type="Application",
            summary=(
                f"Application catalogue import{f' from {source}' if source else ''}: "
                f"{result.total_created} created, {result.total_updated} updated"
            ),
            changes={"created": result.created, "updated": result.updated},
        )
    return result


def _vendor_id(session: Session, values: dict) -> dict:
    values = dict(values)
    key = values.pop("vendor_key", None)
    if key is not None:
        vendor = session.scalar(select(Vendor).where(Vendor.key == key))
        if vendor is None:
            raise ServiceError(
                _("le fournisseur « %(key)s » a disparu : importez de nouveau le fichier", key=key)
            )
        values["vendor_id"] = vendor.id
    return values


def _apply_application(session: Session, item: PlanItem, result: ImportResult, *, actor) -> None:
    values = _vendor_id(session, item.values)
    application = services.find_application(session, item.key)
    if application is None:
        services.create_application(session, validate(ApplicationCreate, values), actor=actor)
        result.created["application"] += 1
        return
    if "functions" in values:
        # Add the file's functions to the current ones: an import never removes one.
        current = [[fn.domain, fn.name] for fn in application.functions]
        values["functions"] = current + [p for p in values["functions"] if p not in current]
    changes = validate(ApplicationUpdate, values)
    services.update_application(session, application, changes, actor=actor)
    result.updated["application"] += 1


def _apply_deployment(session: Session, item: PlanItem, result: ImportResult, *, actor) -> None:
    slug, app_key = item.key.split("/", 1)
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    application = services.find_application(session, app_key)
    if organisation is None or application is None:
        raise ServiceError(
            _("%(label)s : l'organisation ou l'application a disparu", label=item.label)
        )
    deployment = services.find_deployment(session, organisation.id, application.id)
    values = {k: v for k, v in item.values.items() if k not in {"organisation", "application"}}
    if deployment is None:
        values.update(organisation_id=organisation.id, application_id=application.id)
        services.create_deployment(session, validate(DeploymentCreate, values), actor=actor)
        result.created["deployment"] += 1
        return
    if "functions" in values and deployment.functions:
        values["functions"] = deployment.functions + [
            name for name in values["functions"] if name not in deployment.functions
        ]
    changes = validate(DeploymentUpdate, values)
    services.update_deployment(session, deployment, changes, actor=actor)
    result.updated["deployment"] += 1
