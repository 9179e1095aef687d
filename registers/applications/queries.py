"""Who sees what of the application map: the SELECTs the pages, the API and the exports share.

Visibility rule. The catalogue (applications, vendors, interfaces) is shared by the syndicate:
- a user holding APPLICATIONS read in a host organisation (the syndicate, `is_host`) sees the
  whole catalogue;
- any other user sees only the applications deployed (deployment not archived) in an
  organisation where they hold APPLICATIONS read, the vendors of those applications, and the
  interfaces between two of them.
Deployments are member-owned, scoped by their organisation. The models declare these rules
(`__scope__`); the loaders here are the kernel's (`compliance.access`).
Writing the catalogue requires APPLICATIONS create/edit in a host organisation; writing a
deployment requires it in the deployment's organisation.

Every condition is a subquery on the user's memberships: no list of ids is loaded in Python.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy.orm import selectinload

from compliance import search
from compliance.access import CATALOGUE_READER, allowed, scope
from compliance.db import get_session
from compliance.permissions import Register
from compliance.tenancy import Organisation, visible_organisations_query
from registers.applications.models import (
    Application,
    ApplicationFunction,
    Deployment,
    Interface,
    Vendor,
    deployed_in,
    normalise_key,
)
from registers.applications.schemas import (
    AGREEMENT_IN_PLACE,
    ApplicationFilters,
    DeploymentFilters,
    InterfaceFilters,
    VendorFilters,
)

__all__ = [
    "ApplicationFilters",
    "DeploymentFilters",
    "InterfaceFilters",
    "VendorFilters",
]

REGISTER = Register.APPLICATIONS

# Loader options: related rows in a fixed number of queries, whatever the page size.
APPLICATION_OPTIONS = (
    selectinload(Application.vendor),
    selectinload(Application.functions),
)
DEPLOYMENT_OPTIONS = (
    selectinload(Deployment.application).selectinload(Application.vendor),
    selectinload(Deployment.organisation),
)
INTERFACE_OPTIONS = (
    selectinload(Interface.source),
    selectinload(Interface.target),
)


def _user(user):
    return current_user if user is None else user


def _session(session):
    return get_session() if session is None else session


# --- filters ----------------------------------------------------------------------------------


# --- applications -----------------------------------------------------------------------------


def visible_application_ids(user=None, *, session=None):
    """A SELECT of the application ids the user may see (None: the whole catalogue)."""
    user = _user(user)
    if allowed(CATALOGUE_READER, user=user, session=session):
        return None
    return deployed_in(visible_organisations_query(user, REGISTER))


def _restrict_to_visible(statement, column, user, session):
    ids = visible_application_ids(user, session=session)
    return statement if ids is None else statement.where(column.in_(ids))


def _application_filters(statement, filters: ApplicationFilters, user):
    if not filters.include_archived:
        statement = statement.where(Application.archived_at.is_(None))
    if filters.q:
        statement = statement.where(_search_condition(filters.q))
    if filters.domain:
        statement = statement.where(
            sa.or_(
                Application.domain == filters.domain,
                Application.functions.any(ApplicationFunction.domain == filters.domain),
            )
        )
    if filters.vendor_id is not None:
        statement = statement.where(Application.vendor_id == filters.vendor_id)
    if filters.hosting is not None:
        statement = statement.where(Application.hosting == filters.hosting)
    if filters.status is not None:
        statement = statement.where(Application.status == filters.status)
    if filters.organisation_id is not None:
        # Only organisations the user may read: the filter never reveals another's choices.
        readable = visible_organisations_query(user, REGISTER)
        statement = statement.where(
            Application.id.in_(
                deployed_in(readable).where(Deployment.organisation_id == filters.organisation_id)
            )
        )
    return statement


def _search_condition(q: str):
    key = normalise_key(q)
    lowered = q.lower()
    conditions = [
        search.matching(Application, (Application.name,), q),
        Application.vendor.has(search.matching(Vendor, (Vendor.name,), q)),
        Application.functions.any(
            sa.func.lower(ApplicationFunction.name).contains(lowered, autoescape=True)
        ),
    ]
    if key:
        # Accent-, case- and punctuation-blind: "melodie" finds "Mélodie".
        conditions.append(Application.name_key.contains(key, autoescape=True))
        conditions.append(Application.vendor.has(Vendor.key.contains(key, autoescape=True)))
    return sa.or_(*conditions)


APPLICATION_SORTS = {
    "name": (Application.name_key,),
    "domain": (Application.domain, Application.name_key),
    "vendor": (Vendor.key, Application.name_key),
    "status": (Application.status, Application.name_key),
    "updated": (Application.updated_at, Application.id),
}


def visible_applications(
    user=None, filters: ApplicationFilters | None = None, *, session=None
) -> sa.Select:
    """SELECT of the applications the user may see, filtered and sorted, related rows preloaded.

    Pass it to `compliance.pagination.paginate` or `session.scalars`."""
    user = _user(user)
    filters = filters or ApplicationFilters()
    statement = sa.select(Application).options(*APPLICATION_OPTIONS)
    statement = _restrict_to_visible(statement, Application.id, user, session)
    statement = _application_filters(statement, filters, user)
    descending = filters.sort.startswith("-")
    columns = APPLICATION_SORTS.get(filters.sort.lstrip("-"), APPLICATION_SORTS["name"])
    if filters.sort.lstrip("-") == "vendor":
        statement = statement.outerjoin(Vendor, Vendor.id == Application.vendor_id)
    order = [column.desc() if descending else column for column in columns]
    return statement.order_by(*order, Application.id)


def visible_domains(user=None, *, session=None) -> list[str]:
    """The business domains of the visible applications (for a filter's choices)."""
    session = _session(session)
    statement = sa.select(ApplicationFunction.domain).distinct()
    statement = _restrict_to_visible(statement, ApplicationFunction.application_id, user, session)
    return sorted(session.scalars(statement), key=normalise_key)


# --- vendors ----------------------------------------------------------------------------------


def visible_vendors(user=None, filters: VendorFilters | None = None, *, session=None) -> sa.Select:
    """SELECT of the vendors the user may see (those of visible applications), by name."""
    user = _user(user)
    filters = filters or VendorFilters()
    statement = sa.select(Vendor)
    ids = visible_application_ids(user, session=session)
    if ids is not None:
        statement = statement.where(
            Vendor.id.in_(sa.select(Application.vendor_id).where(Application.id.in_(ids)))
        )
    if not filters.include_archived:
        statement = statement.where(Vendor.archived_at.is_(None))
    if filters.q:
        key = normalise_key(filters.q)
        condition = search.matching(Vendor, (Vendor.name,), filters.q)
        if key:
            condition = sa.or_(condition, Vendor.key.contains(key, autoescape=True))
        statement = statement.where(condition)
    if filters.dpa_status is not None:
        statement = statement.where(Vendor.dpa_status == filters.dpa_status)
    if filters.without_agreement:
        statement = statement.where(Vendor.dpa_status.not_in(AGREEMENT_IN_PLACE))
    return statement.order_by(Vendor.key, Vendor.id)


def vendor_applications(vendor: Vendor, user=None, *, session=None) -> sa.Select:
    """The visible applications of one vendor."""
    filters = ApplicationFilters(vendor_id=vendor.id, include_archived=True)
    return visible_applications(user, filters, session=session)


# --- deployments ------------------------------------------------------------------------------


def visible_deployments(
    user=None,
    filters: DeploymentFilters | None = None,
    *,
    selected: bool = True,
) -> sa.Select:
    """SELECT of the deployments of the organisations the user may read (and, with
    selected=True, of the organisation picked in the selector), application and organisation
    preloaded, ordered by organisation then application."""
    filters = filters or DeploymentFilters()
    statement = (
        sa.select(Deployment)
        .join(Organisation, Organisation.id == Deployment.organisation_id)
        .join(Application, Application.id == Deployment.application_id)
        .options(*DEPLOYMENT_OPTIONS)
    )
    statement = scope(statement, model=Deployment, user=_user(user), selected=selected)
    if not filters.include_archived:
        statement = statement.where(Deployment.archived_at.is_(None))
    if filters.application_id is not None:
        statement = statement.where(Deployment.application_id == filters.application_id)
    if filters.organisation_id is not None:
        statement = statement.where(Deployment.organisation_id == filters.organisation_id)
    return statement.order_by(Organisation.name, Application.name_key, Deployment.id)


# --- interfaces -------------------------------------------------------------------------------


def visible_interfaces(
    user=None, *, application_id: int | None = None, include_archived: bool = False, session=None
) -> sa.Select:
    """SELECT of the interfaces between two applications the user may see (optionally those of
    one application, as source or target), both ends preloaded."""
    user = _user(user)
    statement = sa.select(Interface).options(*INTERFACE_OPTIONS)
    ids = visible_application_ids(user, session=session)
    if ids is not None:
        statement = statement.where(
            Interface.source_application_id.in_(ids), Interface.target_application_id.in_(ids)
        )
    if not include_archived:
        statement = statement.where(Interface.archived_at.is_(None))
    if application_id is not None:
        statement = statement.where(
            sa.or_(
                Interface.source_application_id == application_id,
                Interface.target_application_id == application_id,
            )
        )
    return statement.order_by(Interface.id)
