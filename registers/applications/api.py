"""The application map's JSON API under /api/v1/: applications, vendors, deployments and
interfaces, with the pages' permissions and scoping (see queries.py)."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.api import committed_json, json_body, page_args, page_json
from compliance.db import ConflictError, get_session
from compliance.pagination import paginate
from compliance.permissions import Action
from compliance.tenancy import organisation_for, require_somewhere
from registers.applications import fields as f
from registers.applications import queries as q
from registers.applications import services
from registers.applications.models import Application, Deployment, Interface, Vendor
from registers.applications.openapi import PATHS, SCHEMAS

__all__ = ["PATHS", "SCHEMAS", "bp"]

# Nested in the kernel's API blueprint (/api/v1), whose authentication applies to it.
bp = Blueprint("applications", __name__)

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
CONTROL = {"version", "archived"}


# --- serialisation ----------------------------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def _record(record) -> dict:
    return {
        "archived": record.archived_at is not None,
        "archived_at": _iso(record.archived_at),
        "version": record.version,
        "created_at": _iso(record.created_at),
        "updated_at": _iso(record.updated_at),
    }


def _ref(record, *names) -> dict | None:
    if record is None:
        return None
    return {"id": record.id, **{name: getattr(record, name) for name in names}}


def application_json(application: Application) -> dict:
    data = {"id": application.id}
    for name in f.APPLICATION_FIELDS:
        value = getattr(application, name)
        data[name] = _iso(value) if hasattr(value, "isoformat") else value
    data["vendor"] = _ref(application.vendor, "name")
    data["functions"] = [{"domain": fn.domain, "name": fn.name} for fn in application.functions]
    return {**data, **_record(application)}


def vendor_json(vendor: Vendor) -> dict:
    data = {"id": vendor.id, "key": vendor.key}
    for name in f.VENDOR_FIELDS:
        value = getattr(vendor, name)
        data[name] = _iso(value) if hasattr(value, "isoformat") else value
    return {**data, **_record(vendor)}


def deployment_json(deployment: Deployment) -> dict:
    return {
        "id": deployment.id,
        "organisation_id": deployment.organisation_id,
        "organisation": _ref(deployment.organisation, "slug", "name"),
        "application_id": deployment.application_id,
        "application": _ref(deployment.application, "name"),
        "since": _iso(deployment.since),
        "functions": list(deployment.functions),
        "hosting": deployment.hosting,
        "effective_hosting": deployment.effective_hosting,
        "notes": deployment.notes,
        **_record(deployment),
    }


def interface_json(interface: Interface) -> dict:
    data = {"id": interface.id}
    data.update({name: getattr(interface, name) for name in f.INTERFACE_FIELDS})
    data["source"] = _ref(interface.source, "name")
    data["target"] = _ref(interface.target, "name")
    return {**data, **_record(interface)}


# --- helpers ----------------------------------------------------------------------------------


def _invalid(errors: dict[str, str]):
    response = jsonify(
        error="invalid", message=_("Certaines valeurs sont invalides."), errors=errors
    )
    response.status_code = 422
    return response


def _body(spec, *extra) -> tuple[dict, dict]:
    """The JSON body and the unknown keys it holds (as field errors)."""
    data = json_body()
    allowed = set(spec) | set(extra) | CONTROL
    unknown = {
        key: _("champ inconnu") for key in data if key not in allowed and key not in READ_ONLY
    }
    return {k: v for k, v in data.items() if k not in READ_ONLY}, unknown


def _filters(filter_cls):
    try:
        return filter_cls.from_args(request.args)
    except q.FilterError as error:
        response = jsonify(
            error="bad_request", message=str(error), errors={error.field: error.message}
        )
        response.status_code = 400
        abort(response)


def _list(statement, serialise):
    page, per_page = page_args()
    return page_json(paginate(get_session(), statement, page=page, per_page=per_page), serialise)


def _write(action, serialise, status: int = 200):
    """Run a service call, commit and answer; field errors -> 422, conflicts -> 409."""
    session = get_session()
    try:
        record = action(session)
        session.flush()
    except services.FieldErrors as error:
        session.rollback()
        return _invalid(error.errors)
    except services.ServiceError as error:
        session.rollback()
        return _invalid({"_": str(error)})
    except ConflictError as error:
        session.rollback()
        session.refresh(error.record)
        response = jsonify(
            error="conflict",
            message=_(
                "La fiche a changé entre-temps : rechargez-la et appliquez de nouveau votre "
                "modification."
            ),
            current=serialise(error.record),
        )
        response.status_code = 409
        return response
    body = committed_json(session, serialise, record)
    return body, status


def _update(session, record, data: dict, update, archive, restore):
    version = data.pop("version", None)
    archived = data.pop("archived", None)
    if version is None:
        raise services.FieldErrors({"version": _("est obligatoire (la version que vous avez lue)")})
    if not isinstance(version, int) or isinstance(version, bool):
        raise services.FieldErrors({"version": _("doit être un nombre entier")})
    if archived not in (None, True, False):
        raise services.FieldErrors({"archived": _("doit valoir vrai ou faux")})
    update(session, record, data, actor=current_user, version=version)
    if archived is True:
        archive(session, record, actor=current_user)
    elif archived is False:
        restore(session, record, actor=current_user)
    return record


def _require_catalogue_write(action: Action) -> None:
    if not q.can_edit_catalogue(current_user, action):
        abort(
            403,
            _("Modifier le catalogue partagé demande ce droit dans l'organisation hôte."),
        )


def _vendor_from_name(session, data: dict) -> dict:
    name = data.pop("vendor_name", None)
    if name not in (None, "") and "vendor_id" not in data:
        if not isinstance(name, str):
            raise services.FieldErrors({"vendor_name": _("doit être du texte")})
        vendor = services.get_or_create_vendor(session, name, actor=current_user)
        data["vendor_id"] = vendor.id
    return data


# --- applications -----------------------------------------------------------------------------


@bp.get("/applications")
def applications():
    return _list(
        q.visible_applications(current_user, _filters(q.ApplicationFilters)), application_json
    )


@bp.post("/applications")
def create_application():
    _require_catalogue_write(Action.CREATE)
    data, unknown = _body(f.APPLICATION_FIELDS, "functions", "vendor_name")
    if unknown:
        return _invalid(unknown)

    def create(session):
        values = _vendor_from_name(session, data)
        return services.create_application(session, values, actor=current_user)

    return _created(_write(create, application_json, 201), "application")


def _created(result, kind: str):
    if not isinstance(result, tuple):
        return result, result.status_code
    data, status = result
    response = jsonify(data)
    response.status_code = status
    response.headers["Location"] = url_for(f"api.applications.{kind}", record_id=data["id"])
    return response, status


@bp.get("/applications/<int:record_id>")
def application(record_id: int):
    record = q.application_or_404(record_id)
    data = application_json(record)
    deployments = q.visible_deployments(
        current_user, q.DeploymentFilters(application_id=record.id), selected=False
    )
    interfaces = q.visible_interfaces(current_user, application_id=record.id)
    data["deployments"] = [deployment_json(d) for d in get_session().scalars(deployments)]
    data["interfaces"] = [interface_json(i) for i in get_session().scalars(interfaces)]
    return data


@bp.patch("/applications/<int:record_id>")
def update_application(record_id: int):
    record = q.application_or_404(record_id, Action.EDIT)
    data, unknown = _body(f.APPLICATION_FIELDS, "functions", "vendor_name")
    if unknown:
        return _invalid(unknown)

    def update(session):
        values = _vendor_from_name(session, data)
        return _update(
            session,
            record,
            values,
            services.update_application,
            services.archive_application,
            services.restore_application,
        )

    return _write(update, application_json)


# --- vendors ----------------------------------------------------------------------------------


@bp.get("/vendors")
def vendors():
    return _list(q.visible_vendors(current_user, _filters(q.VendorFilters)), vendor_json)


@bp.post("/vendors")
def create_vendor():
    _require_catalogue_write(Action.CREATE)
    data, unknown = _body(f.VENDOR_FIELDS)
    if unknown:
        return _invalid(unknown)
    result = _write(
        lambda session: services.create_vendor(session, data, actor=current_user), vendor_json, 201
    )
    return _created(result, "vendor")


@bp.get("/vendors/<int:record_id>")
def vendor(record_id: int):
    record = q.vendor_or_404(record_id)
    data = vendor_json(record)
    statement = q.vendor_applications(record, current_user)
    data["applications"] = [_ref(a, "name") for a in get_session().scalars(statement)]
    return data


@bp.patch("/vendors/<int:record_id>")
def update_vendor(record_id: int):
    record = q.vendor_or_404(record_id, Action.EDIT)
    data, unknown = _body(f.VENDOR_FIELDS)
    if unknown:
        return _invalid(unknown)
    return _write(
        lambda session: _update(
            session,
            record,
            data,
            services.update_vendor,
            services.archive_vendor,
            services.restore_vendor,
        ),
        vendor_json,
    )


# --- deployments ------------------------------------------------------------------------------


@bp.get("/deployments")
def deployments():
    statement = q.visible_deployments(current_user, _filters(q.DeploymentFilters), selected=False)
    return _list(statement, deployment_json)


@bp.post("/deployments")
def create_deployment():
    require_somewhere(q.REGISTER, Action.CREATE)
    data, unknown = _body(f.DEPLOYMENT_CREATE_FIELDS)
    if unknown:
        return _invalid(unknown)
    cleaned, errors = f.clean({"organisation_id": f.IDENTIFIER}, data)
    if errors or cleaned.get("organisation_id") is None:
        return _invalid(errors or {"organisation_id": _("est obligatoire")})
    organisation_for(
        get_session(), cleaned["organisation_id"], q.REGISTER, Action.CREATE, user=current_user
    )
    result = _write(
        lambda session: services.create_deployment(session, data, actor=current_user),
        deployment_json,
        201,
    )
    return _created(result, "deployment")


@bp.get("/deployments/<int:record_id>")
def deployment(record_id: int):
    return deployment_json(q.deployment_or_404(record_id))


@bp.patch("/deployments/<int:record_id>")
def update_deployment(record_id: int):
    record = q.deployment_or_404(record_id, Action.EDIT)
    data, unknown = _body(f.DEPLOYMENT_FIELDS)
    if unknown:
        return _invalid(unknown)
    return _write(
        lambda session: _update(
            session,
            record,
            data,
            services.update_deployment,
            services.archive_deployment,
            services.restore_deployment,
        ),
        deployment_json,
    )


# --- interfaces -------------------------------------------------------------------------------


@bp.get("/interfaces")
def interfaces():
    try:
        application_id = q.int_arg(request.args, "application_id")
    except q.FilterError as error:
        abort(400, str(error))
    statement = q.visible_interfaces(current_user, application_id=application_id)
    return _list(statement, interface_json)


@bp.post("/interfaces")
def create_interface():
    _require_catalogue_write(Action.CREATE)
    data, unknown = _body(f.INTERFACE_FIELDS)
    if unknown:
        return _invalid(unknown)
    result = _write(
        lambda session: services.create_interface(session, data, actor=current_user),
        interface_json,
        201,
    )
    return _created(result, "interface")


@bp.get("/interfaces/<int:record_id>")
def interface(record_id: int):
    return interface_json(q.interface_or_404(record_id))


@bp.patch("/interfaces/<int:record_id>")
def update_interface(record_id: int):
    record = q.interface_or_404(record_id, Action.EDIT)
    data, unknown = _body(f.INTERFACE_FIELDS)
    if unknown:
        return _invalid(unknown)
    return _write(
        lambda session: _update(
            session,
            record,
            data,
            services.update_interface,
            services.archive_interface,
            services.restore_interface,
        ),
        interface_json,
    )
