"""The application map's JSON API under /api/v1/: applications, vendors, deployments and
interfaces, with the pages' permissions and scoping (see queries.py)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from compliance.access import CATALOGUE_EDITOR, get_or_404, require
from compliance.api import answer, body, list_json, write
from compliance.db import get_session
from compliance.openapi import documented
from compliance.permissions import Action
from compliance.schemas import FilterError
from compliance.tenancy import organisation_for
from registers.applications import queries as q
from registers.applications import services
from registers.applications.models import Application, Deployment, Interface, Vendor
from registers.applications.schemas import (
    CONTROL,
    ApplicationCreate,
    ApplicationDetail,
    ApplicationFilters,
    ApplicationPatch,
    ApplicationRead,
    ApplicationUpdate,
    DeploymentCreate,
    DeploymentFilters,
    DeploymentPatch,
    DeploymentRead,
    DeploymentUpdate,
    InterfaceCreate,
    InterfaceFilters,
    InterfacePatch,
    InterfaceRead,
    InterfaceUpdate,
    VendorCreate,
    VendorDetail,
    VendorFilters,
    VendorPatch,
    VendorRead,
    VendorUpdate,
)

__all__ = ["bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("applications", __name__)

# Why a write to the shared catalogue is refused (CATALOGUE_EDITOR).
CATALOGUE_REFUSAL = _l("Modifier le catalogue partagé demande ce droit dans l'organisation hôte.")

# Keys a client may send back as it read them; they are ignored, never written.
READ_ONLY = {
    "id",
    "created_at",
    "updated_at",
    "archived_at",
    "vendor",
    "organisation",
    "application",
    "source",
    "target",
    "deployments",
    "interfaces",
    "applications",
}


# --- serialisation ----------------------------------------------------------------------------


def application_json(application) -> dict:
    return answer(ApplicationRead, application)


def vendor_json(vendor) -> dict:
    return answer(VendorRead, vendor)


def deployment_json(deployment) -> dict:
    return answer(DeploymentRead, deployment)


def interface_json(interface) -> dict:
    return answer(InterfaceRead, interface)


# --- helpers ----------------------------------------------------------------------------------


def _invalid(errors: dict[str, str]):
    response = jsonify(
        error="invalid", message=_("Certaines valeurs sont invalides."), errors=errors
    )
    response.status_code = 422
    return response


def _filters(filter_cls):
    try:
        return filter_cls.from_args(request.args)
    except FilterError as error:
        response = jsonify(
            error="bad_request", message=str(error), errors={error.field: error.message}
        )
        response.status_code = 400
        abort(response)


def _list(statement, serialise):
    return list_json(statement, serialise)


def _checked(schema):
    """The request's body checked by `schema`: the checked values, or the 422 to answer."""
    try:
        return body(schema, ignore=READ_ONLY), None
    except services.FieldErrors as error:
        return None, _invalid(error.errors)


def _patch(record, schema, update_schema, update, archive, restore, serialise):
    """PATCH: the changes, then the archive switch, at the version the client read."""
    patch, invalid = _checked(schema)
    if invalid is not None:
        return invalid
    values = patch.model_dump(exclude_unset=True, exclude=CONTROL)
    changes = update_schema.model_construct(_fields_set=set(values), **values)

    def change(session):
        update(session, record, changes, actor=current_user, version=patch.version)
        if patch.archived is True:
            archive(session, record, actor=current_user)
        elif patch.archived is False:
            restore(session, record, actor=current_user)
        return record

    return write(change, serialise)


def _location(kind: str):
    return lambda record: url_for(f"api.applications.{kind}", record_id=record.id)


def _create(schema, create, serialise, kind: str):
    values, invalid = _checked(schema)
    if invalid is not None:
        return invalid
    return write(
        lambda session: create(session, values, actor=current_user),
        serialise,
        status=201,
        location=_location(kind),
    )


# --- applications -----------------------------------------------------------------------------


@bp.get("/applications")
@documented(answer=ApplicationRead, query=ApplicationFilters, paged=True)
def applications():
    """Applications of the catalogue the token's user sees"""
    return _list(
        q.visible_applications(current_user, _filters(ApplicationFilters)), application_json
    )


@bp.post("/applications")
@documented(body=ApplicationCreate, answer=ApplicationRead, status=201)
def create_application():
    """Create an application of the shared catalogue (host organisation)"""
    require(rule=CATALOGUE_EDITOR, action=Action.CREATE, message=str(CATALOGUE_REFUSAL))
    return _create(ApplicationCreate, services.create_application, application_json, "application")


@bp.get("/applications/<int:record_id>")
@documented(answer=ApplicationDetail)
def application(record_id: int):
    """An application, with its visible deployments and interfaces"""
    record = get_or_404(Application, record_id, options=q.APPLICATION_OPTIONS)
    deployments = q.visible_deployments(
        current_user, DeploymentFilters(application_id=record.id), selected=False
    )
    interfaces = q.visible_interfaces(current_user, application_id=record.id)
    session = get_session()
    return answer(
        ApplicationDetail,
        {
            **ApplicationRead.model_validate(record).model_dump(),
            "deployments": list(session.scalars(deployments)),
            "interfaces": list(session.scalars(interfaces)),
        },
    )


@bp.patch("/applications/<int:record_id>")
@documented(body=ApplicationPatch, answer=ApplicationRead)
def update_application(record_id: int):
    """Change, archive or restore an application (host organisation)"""
    record = get_or_404(Application, record_id, Action.EDIT, options=q.APPLICATION_OPTIONS)
    return _patch(
        record,
        ApplicationPatch,
        ApplicationUpdate,
        services.update_application,
        services.archive_application,
        services.restore_application,
        application_json,
    )


# --- vendors ----------------------------------------------------------------------------------


@bp.get("/vendors")
@documented(answer=VendorRead, query=VendorFilters, paged=True)
def vendors():
    """Vendors the token's user sees"""
    return _list(q.visible_vendors(current_user, _filters(VendorFilters)), vendor_json)


@bp.post("/vendors")
@documented(body=VendorCreate, answer=VendorRead, status=201)
def create_vendor():
    """Create a vendor (host organisation)"""
    require(rule=CATALOGUE_EDITOR, action=Action.CREATE, message=str(CATALOGUE_REFUSAL))
    return _create(VendorCreate, services.create_vendor, vendor_json, "vendor")


@bp.get("/vendors/<int:record_id>")
@documented(answer=VendorDetail)
def vendor(record_id: int):
    """A vendor, with its applications the token's user sees"""
    record = get_or_404(Vendor, record_id)
    statement = q.vendor_applications(record, current_user)
    return answer(
        VendorDetail,
        {
            **VendorRead.model_validate(record).model_dump(),
            "applications": list(get_session().scalars(statement)),
        },
    )


@bp.patch("/vendors/<int:record_id>")
@documented(body=VendorPatch, answer=VendorRead)
def update_vendor(record_id: int):
    """Change, archive or restore a vendor (host organisation)"""
    record = get_or_404(Vendor, record_id, Action.EDIT)
    return _patch(
        record,
        VendorPatch,
        VendorUpdate,
        services.update_vendor,
        services.archive_vendor,
        services.restore_vendor,
        vendor_json,
    )


# --- deployments ------------------------------------------------------------------------------


@bp.get("/deployments")
@documented(answer=DeploymentRead, query=DeploymentFilters, paged=True)
def deployments():
    """Deployments in the organisations the token's user sees"""
    statement = q.visible_deployments(current_user, _filters(DeploymentFilters), selected=False)
    return _list(statement, deployment_json)


@bp.post("/deployments")
@documented(body=DeploymentCreate, answer=DeploymentRead, status=201)
def create_deployment():
    """Record that an organisation uses an application"""
    require(q.REGISTER, Action.CREATE)
    values, invalid = _checked(DeploymentCreate)
    if invalid is not None:
        return invalid
    organisation_for(
        get_session(), values.organisation_id, q.REGISTER, Action.CREATE, user=current_user
    )
    return write(
        lambda session: services.create_deployment(session, values, actor=current_user),
        deployment_json,
        status=201,
        location=_location("deployment"),
    )


@bp.get("/deployments/<int:record_id>")
@documented(answer=DeploymentRead)
def deployment(record_id: int):
    """A deployment"""
    return deployment_json(get_or_404(Deployment, record_id, options=q.DEPLOYMENT_OPTIONS))


@bp.patch("/deployments/<int:record_id>")
@documented(body=DeploymentPatch, answer=DeploymentRead)
def update_deployment(record_id: int):
    """Change, archive or restore a deployment"""
    record = get_or_404(Deployment, record_id, Action.EDIT, options=q.DEPLOYMENT_OPTIONS)
    return _patch(
        record,
        DeploymentPatch,
        DeploymentUpdate,
        services.update_deployment,
        services.archive_deployment,
        services.restore_deployment,
        deployment_json,
    )


# --- interfaces -------------------------------------------------------------------------------


@bp.get("/interfaces")
@documented(answer=InterfaceRead, query=InterfaceFilters, paged=True)
def interfaces():
    """Interfaces between applications the token's user sees"""
    try:
        filters = InterfaceFilters.from_args(request.args)
    except FilterError as error:
        abort(400, str(error))
    statement = q.visible_interfaces(current_user, application_id=filters.application_id)
    return _list(statement, interface_json)


@bp.post("/interfaces")
@documented(body=InterfaceCreate, answer=InterfaceRead, status=201)
def create_interface():
    """Create an interface between two applications (host organisation)"""
    require(rule=CATALOGUE_EDITOR, action=Action.CREATE, message=str(CATALOGUE_REFUSAL))
    return _create(InterfaceCreate, services.create_interface, interface_json, "interface")


@bp.get("/interfaces/<int:record_id>")
@documented(answer=InterfaceRead)
def interface(record_id: int):
    """An interface"""
    return interface_json(get_or_404(Interface, record_id, options=q.INTERFACE_OPTIONS))


@bp.patch("/interfaces/<int:record_id>")
@documented(body=InterfacePatch, answer=InterfaceRead)
def update_interface(record_id: int):
    """Change, archive or restore an interface (host organisation)"""
    record = get_or_404(Interface, record_id, Action.EDIT, options=q.INTERFACE_OPTIONS)
    return _patch(
        record,
        InterfacePatch,
        InterfaceUpdate,
        services.update_interface,
        services.archive_interface,
        services.restore_interface,
        interface_json,
    )
