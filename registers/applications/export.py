"""The data of the Word document "Cartographie applicative", as a plain dict for its template.

Scope: the whole catalogue for the command line and for whoever may export the map in the
host organisation (the syndicate); otherwise the applications deployed in the organisations
where the user may export it; with an organisation, only that member's applications.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from compliance.access import CATALOGUE_READER, allowed
from compliance.documents import DocumentImage, DocumentType, ExportRecord, export_document
from compliance.permissions import Action
from compliance.tenancy import Organisation, slugify, visible_organisations_query
from registers.applications import diagram
from registers.applications.models import (
    Application,
    ApplicationStatus,
    Deployment,
    Hosting,
    Interface,
    InterfaceDirection,
    need_label,
)
from registers.applications.queries import (
    APPLICATION_OPTIONS,
    DEPLOYMENT_OPTIONS,
    INTERFACE_OPTIONS,
    REGISTER,
)

DOCUMENT = "application-map"
TITLE = "Cartographie applicative"
DOCUMENT_TYPE = DocumentType(
    name=DOCUMENT,
    title=_l("Cartographie applicative"),
    register=REGISTER.value,
    # The map of the organisation as this user would export it (the catalogue for the host).
    context=lambda session, organisation, user: application_map_context(
        session, user, None if organisation.is_host else organisation
    ),
)


@dataclass(frozen=True)
class Scope:
    """Which applications a map shows: a SQL condition on Application.id, and its wording."""

    condition: sa.ColumnElement | None  # None: the whole catalogue
    organisations: sa.Select | None  # the organisations whose deployments are shown
    label: str
    organisation: Organisation | None


def _deployed_in(organisations) -> sa.Select:
    return sa.select(Deployment.application_id).where(
        Deployment.organisation_id.in_(organisations), Deployment.archived_at.is_(None)
    )


def map_scope(session: Session, user, organisation: Organisation | None = None) -> Scope:
    """The scope of a map exported by `user` (None: the command line, which sees everything).

    The caller has checked that the user may export the map of `organisation`.
    """
    if organisation is not None:
        ids = sa.select(Organisation.id).where(Organisation.id == organisation.id)
        return Scope(Application.id.in_(_deployed_in(ids)), ids, organisation.name, organisation)
    if user is None or allowed(CATALOGUE_READER, action=Action.EXPORT, user=user, session=session):
        host = session.scalar(sa.select(Organisation.name).where(Organisation.is_host).limit(1))
        whole = _("Ensemble du catalogue")
        return Scope(None, None, f"{host} : {whole.lower()}" if host else whole, None)
    organisations = visible_organisations_query(user, REGISTER, Action.EXPORT)
    names = session.scalars(
        sa.select(Organisation.name)
        .where(Organisation.id.in_(organisations))
        .order_by(Organisation.name)
    )
    return Scope(
        Application.id.in_(_deployed_in(organisations)), organisations, ", ".join(names), None
    )


def _applications(session: Session, scope: Scope) -> list[Application]:
    statement = (
        sa.select(Application)
        .options(*APPLICATION_OPTIONS)
        .where(Application.archived_at.is_(None))
        .order_by(Application.name_key, Application.id)
    )
    if scope.condition is not None:
        statement = statement.where(scope.condition)
    return list(session.scalars(statement))


def _deployments(session: Session, scope: Scope) -> list[Deployment]:
    statement = (
        sa.select(Deployment)
        .join(Organisation, Organisation.id == Deployment.organisation_id)
        .join(Application, Application.id == Deployment.application_id)
        .options(*DEPLOYMENT_OPTIONS)
        .where(Deployment.archived_at.is_(None), Application.archived_at.is_(None))
        .order_by(Organisation.name, Application.name_key, Deployment.id)
    )
    if scope.organisations is not None:
        statement = statement.where(Deployment.organisation_id.in_(scope.organisations))
    return list(session.scalars(statement))


def _interfaces(session: Session, scope: Scope) -> list[Interface]:
    statement = (
        sa.select(Interface)
        .options(*INTERFACE_OPTIONS)
        .where(Interface.archived_at.is_(None))
        .order_by(Interface.id)
    )
    if scope.condition is not None:
        # Both ends in the scope: the document never names an application outside it.
        in_scope = sa.select(Application.id).where(scope.condition)
        statement = statement.where(
            Interface.source_application_id.in_(in_scope),
            Interface.target_application_id.in_(in_scope),
        )
    rows = list(session.scalars(statement))
    live = [i for i in rows if not i.source.is_archived and not i.target.is_archived]
    return sorted(live, key=lambda i: (i.source.name_key, i.target.name_key, i.id))


def _application_row(application: Application, deployment: Deployment | None) -> dict:
    functions = [function.name for function in application.functions]
    hosting = application.hosting
    if deployment is not None:
        functions = deployment.functions or functions
        hosting = deployment.effective_hosting
    needs = {
        need: getattr(application, need)
        for need in ("availability", "integrity", "confidentiality", "traceability")
    }
    return {
        "name": application.name,
        "version": application.software_version or "",
        "domain": application.domain or "",
        "domains": ", ".join(application.domains),
        "functions": ", ".join(functions),
        "vendor": application.vendor.name if application.vendor else "",
        "hosting": Hosting(hosting).label,
        "country": application.hosting_country or "",
        "outside_eu": application.outside_eu,
        "safeguard": application.outside_eu_safeguard or "",
        **{need: level or 0 for need, level in needs.items()},
        "needs": " / ".join(str(level) if level else "–" for level in needs.values()),
        "needs_labels": {need: need_label(level) for need, level in needs.items()},
        "status": ApplicationStatus(application.status).label,
        "owner": application.owner or "",
        "rto_hours": application.rto_hours,
        "rpo_hours": application.rpo_hours,
        "description": application.description or "",
    }


def _domains(applications: list[Application]) -> list[dict]:
    names: dict[str, list[str]] = defaultdict(list)
    for application in applications:
        for domain in application.domains or [_("Non classé")]:
            names[domain].append(application.name)
    return [
        {"name": domain, "count": len(apps), "applications": ", ".join(apps)}
        for domain, apps in sorted(names.items(), key=lambda item: item[0].lower())
    ]


def _groups(rows: list[dict]) -> list[dict]:
    """The application rows under their main business domain."""
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["domain"] or _("Non classé")].append(row)
    return [
        {"domain": domain, "count": len(items), "applications": items}
        for domain, items in sorted(grouped.items(), key=lambda item: item[0].lower())
    ]


def _organisations(deployments: list[Deployment]) -> list[dict]:
    by_organisation: dict[int, list[Deployment]] = defaultdict(list)
    for deployment in deployments:
        by_organisation[deployment.organisation_id].append(deployment)
    result = []
    for items in by_organisation.values():
        organisation = items[0].organisation
        result.append(
            {
                "name": organisation.name,
                "kind": organisation.kind.label,
                "count": len(items),
                "applications": ", ".join(d.application.name for d in items),
            }
        )
    return result


def _deployment_row(deployment: Deployment) -> dict:
    application = deployment.application
    functions = deployment.functions or [function.name for function in application.functions]
    return {
        "organisation": deployment.organisation.name,
        "application": application.name,
        "since": deployment.since,
        "functions": ", ".join(functions),
        "hosting": Hosting(deployment.effective_hosting).label,
        "notes": deployment.notes or "",
    }


def _interface_row(interface: Interface) -> dict:
    two_way = interface.direction == InterfaceDirection.TWO_WAY
    return {
        "source": interface.source.name,
        "target": interface.target.name,
        "arrow": "↔" if two_way else "→",
        "direction": InterfaceDirection(interface.direction).label,
        "data": interface.data or "",
        "protocol": interface.protocol or "",
        "frequency": interface.frequency or "",
    }


def application_map_context(session: Session, user, organisation=None) -> dict:
    """Everything the "Cartographie applicative" template shows, as plain values."""
    with force_locale("fr"):
        return _context(session, map_scope(session, user, organisation))


def _context(session: Session, scope: Scope) -> dict:
    organisation = scope.organisation
    with force_locale("fr"):
        applications = _applications(session, scope)
        deployments = _deployments(session, scope)
        interfaces = _interfaces(session, scope)
        own = {d.application_id: d for d in deployments} if organisation else {}
        rows = [_application_row(a, own.get(a.id)) for a in applications]
        organisations = _organisations(deployments)
        return {
            "map": _map(applications, interfaces),
            "title": TITLE,
            "scope": {
                "label": scope.label,
                "is_member": organisation is not None,
                "organisation": organisation.name if organisation else "",
                "kind": organisation.kind.label if organisation else "",
            },
            "totals": {
                "applications": len(applications),
                "vendors": len({a.vendor_id for a in applications if a.vendor_id}),
                "organisations": len(organisations),
                "deployments": len(deployments),
                "interfaces": len(interfaces),
                "domains": len({row["domain"] for row in rows}),
            },
            "domains": _domains(applications),
            "groups": _groups(rows),
            "applications": rows,
            "organisations": organisations,
            "deployments": [_deployment_row(d) for d in deployments],
            "interfaces": [_interface_row(i) for i in interfaces],
        }


# The map fills the width of a landscape page at most, and leaves room for its caption.
MAP_MAX_WIDTH_MM = 260
MAP_MAX_HEIGHT_MM = 125


def _map(applications: list[Application], interfaces: list[Interface]) -> dict:
    """The map of the applications shown, as on the map page, as a picture with its legend
    (the numbers of the domains and applications it carries, with their names)."""
    if not applications:
        return {"picture": None, "domains": []}
    data = diagram.map_data(applications, interfaces, href=lambda _id: "")
    picture = diagram.render_map_png(data.nodes, data.edges, max_width=diagram.DEFAULT_MAX_WIDTH)
    width = min(MAP_MAX_WIDTH_MM, MAP_MAX_HEIGHT_MM * picture.width / picture.height)
    return {"picture": DocumentImage(picture.png, width), "domains": picture.domains}


def export_filename(organisation=None) -> str:
    suffix = slugify(organisation.name) if organisation else "catalogue"
    return f"cartographie-applicative-{suffix}.docx"


def export_application_map(
    session: Session, *, user, actor, organisation: Organisation | None = None
) -> tuple[bytes, ExportRecord]:
    """Render, record and audit the map (flushes, never commits).

    user=None is the command line: the whole catalogue. The caller has checked that the user
    may export the map of `organisation`.
    """
    with force_locale("fr"):
        scope = map_scope(session, user, organisation)
        context = _context(session, scope)
    # The syndicate publishes the whole catalogue: its restyled template applies.
    owner = organisation
    if owner is None and scope.condition is None:
        owner = session.scalar(sa.select(Organisation).where(Organisation.is_host).limit(1))
    title = f"{TITLE} — {scope.label}"
    return export_document(
        session,
        document=DOCUMENT,
        template=DOCUMENT,
        context=context,
        title=title,
        filename=export_filename(organisation),
        actor=actor,
        organisation=owner,
        parameters={
            "scope": "member"
            if organisation
            else ("catalogue" if scope.condition is None else "organisations"),
            "organisation": organisation.slug if organisation else None,
            "applications": context["totals"]["applications"],
        },
    )
