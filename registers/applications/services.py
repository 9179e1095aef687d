"""Writes to the application map: create, update, archive and restore applications, vendors,
deployments and interfaces. Each function flushes and audits, never commits, and trusts its
caller to have checked the permission (see queries.py)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlmodel import select

from compliance import audit
from compliance.admin.services import ServiceError
from compliance.db import check_version, utcnow
from compliance.i18n import of_name
from compliance.permissions import Action, Register
from compliance.registry import run_hooks
from compliance.schemas import validate
from compliance.services import FieldErrors
from compliance.tenancy import Organisation, unknown_reference_message, visible_reference
from compliance.types import normalise_key
from registers.applications.models import (
    Application,
    ApplicationFunction,
    Deployment,
    Interface,
    Vendor,
)
from registers.applications.schemas import (
    ApplicationCreate,
    ApplicationUpdate,
    DeploymentCreate,
    DeploymentUpdate,
    InterfaceCreate,
    InterfaceUpdate,
    VendorCreate,
    VendorUpdate,
)

__all__ = ["FieldErrors", "ServiceError"]

REGISTER = Register.APPLICATIONS

# The hooks the map runs for the registers that follow it (compliance.registry.Hook).
RENAMED_HOOK = "application_renamed"
DEPLOYED_HOOK = "application_deployed"
DEPLOYMENT_ARCHIVED_HOOK = "deployment_archived"
DEPLOYMENT_RESTORED_HOOK = "deployment_restored"


def vendor_key(name: str | None) -> str:
    """The identity of a vendor: `BERGER-LEVRAULT` and `Berger Levrault` give the same key."""
    return normalise_key(name)


def application_key(name: str | None) -> str:
    return normalise_key(name)


def _changes(changes) -> dict:
    """The values an update sets: those it was given, blanks included."""
    return changes.model_dump(exclude_unset=True)


def _apply(record, cleaned: dict) -> None:
    for key, value in cleaned.items():
        setattr(record, key, value)


def _audit_update(session: Session, record, summary: str, *, actor, extra: dict | None = None):
    audit.describe(session, record, actor=actor, summary=summary, changes=extra or None)


def _audit_create(session: Session, record, summary: str, *, actor, extra: dict | None = None):
    session.add(record)
    audit.record(
        session, action="create", actor=actor, target=record, summary=summary, changes=extra
    )


def _set_archived(session: Session, record, archived: bool, summary: str, *, actor, version):
    check_version(record, version)
    if (record.archived_at is not None) == archived:
        return record
    record.archived_at = utcnow() if archived else None
    audit.describe(
        session, record, action="archive" if archived else "restore", actor=actor, summary=summary
    )
    return record


# --- vendors ----------------------------------------------------------------------------------


def find_vendor(session: Session, name: str) -> Vendor | None:
    key = vendor_key(name)
    return session.scalar(select(Vendor).where(Vendor.key == key)) if key else None


def create_vendor(session: Session, values: VendorCreate, *, actor) -> Vendor:
    if find_vendor(session, values.name) is not None:
        raise FieldErrors({"name": _("le fournisseur « %(name)s » existe déjà", name=values.name)})
    vendor = Vendor(key=vendor_key(values.name), **values.model_dump())
    _audit_create(session, vendor, f"Vendor {vendor.name}", actor=actor)
    return vendor


def get_or_create_vendor(session: Session, name: str, *, actor, **data) -> Vendor:
    """The vendor whose normalised key matches `name`, created (with `data`) if new."""
    vendor = find_vendor(session, name)
    if vendor is not None:
        return vendor
    return create_vendor(session, validate(VendorCreate, {**data, "name": name}), actor=actor)


def update_vendor(
    session: Session, vendor: Vendor, changes: VendorUpdate, *, actor, version=None
) -> Vendor:
    check_version(vendor, version)
    cleaned = _changes(changes)
    if "name" in cleaned:
        key = vendor_key(cleaned["name"])
        other = session.scalar(select(Vendor).where(Vendor.key == key, Vendor.id != vendor.id))
        if other is not None:
            raise FieldErrors(
                {"name": _("le fournisseur « %(name)s » existe déjà", name=other.name)}
            )
        vendor.key = key
    _apply(vendor, cleaned)
    _audit_update(session, vendor, f"Vendor {vendor.name}", actor=actor)
    return vendor


def archive_vendor(session: Session, vendor: Vendor, *, actor, version=None) -> Vendor:
    return _set_archived(
        session, vendor, True, f"Vendor {vendor.name}", actor=actor, version=version
    )


def restore_vendor(session: Session, vendor: Vendor, *, actor, version=None) -> Vendor:
    return _set_archived(
        session, vendor, False, f"Vendor {vendor.name}", actor=actor, version=version
    )


# --- applications -----------------------------------------------------------------------------


def find_application(session: Session, name: str) -> Application | None:
    key = application_key(name)
    return session.scalar(select(Application).where(Application.name_key == key)) if key else None


def _check_vendor(session: Session, cleaned: dict, *, actor, current=None) -> None:
    vendor_id = cleaned.get("vendor_id")
    if vendor_id is not None and vendor_id != current:
        visible_reference(session, Vendor, vendor_id, REGISTER, user=actor, field="vendor_id")


def _check_name(session: Session, name: str | None, *, exclude_id: int | None = None) -> str:
    key = application_key(name)
    if not key:
        raise FieldErrors({"name": _("est obligatoire")})
    statement = select(Application).where(Application.name_key == key)
    if exclude_id is not None:
        statement = statement.where(Application.id != exclude_id)
    other = session.scalar(statement)
    if other is not None:
        raise FieldErrors({"name": _("l'application « %(name)s » existe déjà", name=other.name)})
    return key


def _named_vendor(session: Session, cleaned: dict, vendor_name, given: set, *, actor) -> None:
    """A vendor named rather than pointed at: found by its key, created if new."""
    if vendor_name and "vendor_id" not in given:
        cleaned["vendor_id"] = get_or_create_vendor(session, vendor_name, actor=actor).id


def _pairs(functions, main_domain: str | None) -> list[tuple[str, str]]:
    """The (domain, name) pairs of `functions` (ApplicationCreate.functions), in order, without
    duplicates; a bare name is in `main_domain`."""
    pairs: list[tuple[str, str]] = []
    for domain, name in functions or ():
        domain = main_domain if domain is None else domain
        if not name:
            raise FieldErrors({"functions": _("une fonctionnalité doit avoir un nom")})
        if not domain:
            raise FieldErrors(
                {
                    "functions": _(
                        "la fonctionnalité « %(name)s » doit avoir un domaine métier", name=name
                    )
                }
            )
        if (domain, name) not in pairs:
            pairs.append((domain, name))
    return pairs


def _function_pairs(application: Application) -> list[list[str]]:
    return [[function.domain, function.name] for function in application.functions]


def _set_functions(application: Application, pairs: list[tuple[str, str]]) -> dict:
    """Replace the application's functions by `pairs`, keeping the rows that stay.

    Returns the audit change, empty when nothing changed."""
    before = _function_pairs(application)
    wanted = list(dict.fromkeys(pairs))
    kept = [fn for fn in application.functions if (fn.domain, fn.name) in wanted]
    existing = {(fn.domain, fn.name) for fn in kept}
    added = [ApplicationFunction(domain=d, name=n) for d, n in wanted if (d, n) not in existing]
    application.functions = kept + added
    after = _function_pairs(application)
    if sorted(before) == sorted(after):
        return {}
    # The functions live in their own table: touch the row so its version moves too.
    application.updated_at = utcnow()
    return {"functions": {"before": before, "after": after}}


def create_application(session: Session, values: ApplicationCreate, *, actor) -> Application:
    """`values.functions`: (domain, name) pairs, a bare name being in the application's domain;
    `values.vendor_name` names the vendor (created if new) when no `vendor_id` is given."""
    cleaned = values.model_dump(exclude={"functions", "vendor_name"})
    _named_vendor(session, cleaned, values.vendor_name, values.model_fields_set, actor=actor)
    _check_vendor(session, cleaned, actor=actor)
    key = _check_name(session, cleaned["name"])
    pairs = _pairs(values.functions, cleaned.get("domain"))
    if not cleaned.get("domain") and pairs:
        cleaned["domain"] = pairs[0][0]
    application = Application(name_key=key, **cleaned)
    application.functions = [ApplicationFunction(domain=d, name=n) for d, n in pairs]
    extra = {"functions": {"before": None, "after": [list(p) for p in pairs]}} if pairs else None
    _audit_create(session, application, f"Application {application.name}", actor=actor, extra=extra)
    return application


def update_application(
    session: Session,
    application: Application,
    changes: ApplicationUpdate,
    *,
    actor,
    version: int | None = None,
) -> Application:
    """Partial update: only the fields given in `changes` change."""
    check_version(application, version)
    cleaned = _changes(changes)
    functions = cleaned.pop("functions", None)
    vendor_name = cleaned.pop("vendor_name", None)
    _named_vendor(session, cleaned, vendor_name, changes.model_fields_set, actor=actor)
    _check_vendor(session, cleaned, actor=actor, current=application.vendor_id)
    pairs = None
    if "functions" in changes.model_fields_set:
        pairs = _pairs(functions, cleaned.get("domain", application.domain))
    if "name" in cleaned:
        application.name_key = _check_name(session, cleaned["name"], exclude_id=application.id)
    renamed = "name" in cleaned or "vendor_id" in cleaned
    _apply(application, cleaned)
    extra = _set_functions(application, pairs) if pairs is not None else {}
    _audit_update(session, application, f"Application {application.name}", actor=actor, extra=extra)
    if renamed:
        # What names the application changed (the security watch matches advisories by it).
        run_hooks(RENAMED_HOOK, session, application)
    return application


def archive_application(session: Session, application: Application, *, actor, version=None):
    summary = f"Application {application.name}"
    return _set_archived(session, application, True, summary, actor=actor, version=version)


def restore_application(session: Session, application: Application, *, actor, version=None):
    summary = f"Application {application.name}"
    return _set_archived(session, application, False, summary, actor=actor, version=version)


# --- deployments ------------------------------------------------------------------------------


def _check_deployment_functions(application: Application, names: Iterable[str]) -> None:
    known = {function.name for function in application.functions}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise FieldErrors(
            {
                "functions": _(
                    "ne sont pas des fonctionnalités %(of_application)s : %(names)s",
                    of_application=of_name(application.name),
                    names=", ".join(unknown),
                )
            }
        )


def find_deployment(session: Session, organisation_id: int, application_id: int):
    return session.scalar(
        select(Deployment).where(
            Deployment.organisation_id == organisation_id,
            Deployment.application_id == application_id,
        )
    )


def create_deployment(session: Session, values: DeploymentCreate, *, actor) -> Deployment:
    cleaned = values.model_dump()
    errors = {}
    try:
        organisation = visible_reference(
            session,
            Organisation,
            values.organisation_id,
            REGISTER,
            Action.CREATE,
            user=actor,
            field="organisation_id",
        )
    except FieldErrors as error:
        errors.update(error.errors)
    # Any application of the shared catalogue: a member starts using one it did not see yet.
    application = session.get(Application, values.application_id)
    if application is None:
        errors["application_id"] = unknown_reference_message([values.application_id])
    if errors:
        raise FieldErrors(errors)
    if find_deployment(session, organisation.id, application.id) is not None:
        raise FieldErrors(
            {
                "application_id": _(
                    "%(organisation)s utilise déjà %(application)s",
                    organisation=organisation.name,
                    application=application.name,
                )
            }
        )
    _check_deployment_functions(application, values.functions)
    deployment = Deployment(**cleaned)
    _audit_create(
        session, deployment, f"{application.name} used by {organisation.name}", actor=actor
    )
    # A member starts using the application (the security watch treats its advisories there).
    run_hooks(DEPLOYED_HOOK, session, deployment)
    return deployment


def update_deployment(
    session: Session, deployment: Deployment, changes: DeploymentUpdate, *, actor, version=None
) -> Deployment:
    """Partial update of since, functions, hosting and notes (not of its organisation or
    application: archive it and create another)."""
    check_version(deployment, version)
    cleaned = _changes(changes)
    if "functions" in cleaned:
        cleaned["functions"] = cleaned["functions"] or []
        _check_deployment_functions(deployment.application, cleaned["functions"])
    _apply(deployment, cleaned)
    _audit_update(session, deployment, _deployment_summary(deployment), actor=actor)
    return deployment


def _deployment_summary(deployment: Deployment) -> str:
    return f"{deployment.application.name} used by {deployment.organisation.name}"


def archive_deployment(session: Session, deployment: Deployment, *, actor, version=None):
    summary = _deployment_summary(deployment)
    live = deployment.archived_at is None
    _set_archived(session, deployment, True, summary, actor=actor, version=version)
    if live:
        session.flush()
        run_hooks(DEPLOYMENT_ARCHIVED_HOOK, session, deployment)
    return deployment


def restore_deployment(session: Session, deployment: Deployment, *, actor, version=None):
    summary = _deployment_summary(deployment)
    archived = deployment.archived_at is not None
    _set_archived(session, deployment, False, summary, actor=actor, version=version)
    if archived:
        session.flush()
        run_hooks(DEPLOYMENT_RESTORED_HOOK, session, deployment)
    return deployment


# --- interfaces -------------------------------------------------------------------------------


def _check_interface_ends(session: Session, source_id, target_id, *, actor, current=None):
    errors = {}
    for field, value in (
        ("source_application_id", source_id),
        ("target_application_id", target_id),
    ):
        if value is None or (current is not None and value == getattr(current, field)):
            continue
        try:
            visible_reference(session, Application, value, REGISTER, user=actor, field=field)
        except FieldErrors as error:
            errors.update(error.errors)
    if source_id is not None and source_id == target_id:
        errors["target_application_id"] = _("doit différer de l'application source")
    if errors:
        raise FieldErrors(errors)


def _interface_summary(interface: Interface) -> str:
    return f"Interface {interface.source.name} → {interface.target.name}"


def create_interface(session: Session, values: InterfaceCreate, *, actor) -> Interface:
    _check_interface_ends(
        session, values.source_application_id, values.target_application_id, actor=actor
    )
    interface = Interface(**values.model_dump())
    session.add(interface)
    session.flush()  # loads both ends for the summary
    _audit_create(session, interface, _interface_summary(interface), actor=actor)
    return interface


def update_interface(
    session: Session, interface: Interface, changes: InterfaceUpdate, *, actor, version=None
) -> Interface:
    check_version(interface, version)
    cleaned = _changes(changes)
    _check_interface_ends(
        session,
        cleaned.get("source_application_id", interface.source_application_id),
        cleaned.get("target_application_id", interface.target_application_id),
        actor=actor,
        current=interface,
    )
    _apply(interface, cleaned)
    session.flush()
    # The ends may have moved: read them again for the summary.
    session.expire(interface, ["source", "target"])
    audit.describe(session, interface, actor=actor, summary=_interface_summary(interface))
    return interface


def archive_interface(session: Session, interface: Interface, *, actor, version=None):
    summary = _interface_summary(interface)
    return _set_archived(session, interface, True, summary, actor=actor, version=version)


def restore_interface(session: Session, interface: Interface, *, actor, version=None):
    summary = _interface_summary(interface)
    return _set_archived(session, interface, False, summary, actor=actor, version=version)
