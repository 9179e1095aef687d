"""Pages of the application map: applications, deployments, interfaces, the diagram, vendors
and the catalogue import. Each view loads and checks access (404, then 403), validates its form,
calls one service, commits and redirects."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from compliance.auth import can
from compliance.db import get_session
from compliance.forms import attach_errors, submit
from compliance.pagination import page_number, paginate
from compliance.permissions import Action
from compliance.registry import get_registry
from compliance.schemas import FieldErrors, validate
from compliance.tenancy import Organisation, visible_organisations
from registers.applications import diagram, forms, services
from registers.applications.counts import application_counts, deployment_counts
from registers.applications.models import (
    ApplicationStatus,
    DpaStatus,
    Hosting,
    need_label,
)
from registers.applications.queries import (
    REGISTER,
    ApplicationFilters,
    DeploymentFilters,
    FilterError,
    VendorFilters,
    application_or_404,
    can_edit_catalogue,
    deployment_or_404,
    interface_or_404,
    vendor_applications,
    vendor_or_404,
    visible_applications,
    visible_deployments,
    visible_domains,
    visible_interfaces,
    visible_vendors,
)
from registers.applications.schemas import (
    ApplicationCreate,
    ApplicationUpdate,
    DeploymentCreate,
    DeploymentUpdate,
    InterfaceCreate,
    VendorCreate,
    VendorUpdate,
)

bp = Blueprint("applications", __name__, url_prefix="/applications")


@bp.before_request
@login_required
def _require_reader():
    if not can(REGISTER, Action.READ):
        abort(403)


@bp.context_processor
def _helpers():
    return {
        "format_date": format_date,
        "need_label": need_label,
        "may_edit_catalogue": can_edit_catalogue(),
    }


# --- shared steps -----------------------------------------------------------------------------

# Service field -> form field, where their names differ.
FORM_FIELDS = {
    "functions": "functions_text",
    "source_application_id": "other_application_id",
    "target_application_id": "other_application_id",
}


def _attach_errors(form, error: FieldErrors) -> None:
    attach_errors(form, error, FORM_FIELDS)


def _submit(form, write: Callable[[], object], reload: Callable[[], object] | None = None):
    return submit(form, write, reload, aliases=FORM_FIELDS)


def _require_catalogue_editor(action: Action = Action.EDIT) -> None:
    if not can_edit_catalogue(action=action):
        abort(403)


def _archive_form() -> forms.ArchiveForm:
    form = forms.ArchiveForm()
    if not form.validate_on_submit():
        abort(400)
    return form


def _vendors():
    return list(get_session().scalars(visible_vendors()))


# --- applications -----------------------------------------------------------------------------


@bp.get("/")
def index():
    try:
        filters = ApplicationFilters.from_args(request.args)
    except FilterError as error:
        return _render_index(ApplicationFilters(), None, error=error), 400
    page = paginate(get_session(), visible_applications(filters=filters), page=page_number())
    return _render_index(filters, page)


def _render_index(filters, page, *, error=None):
    return render_template(
        "applications/index.html",
        filters=filters,
        page=page,
        error=error,
        counts=deployment_counts(a.id for a in page.items) if page else {},
        domains=visible_domains(),
        vendors=_vendors(),
        organisations=visible_organisations(REGISTER),
        statuses=ApplicationStatus,
        hostings=Hosting,
    )


@bp.get("/<int:application_id>")
def detail(application_id: int):
    return _render_detail(application_or_404(application_id))


def _deployable_organisations(application=None):
    """Organisations where the user may add a deployment (of `application`, if given)."""
    organisations = visible_organisations(REGISTER, Action.CREATE)
    if application is None:
        return organisations
    taken = {d.organisation_id for d in application.deployments}
    return [o for o in organisations if o.id not in taken]


def _deployment_form(application, formdata=None):
    organisations = _deployable_organisations(application)
    if not organisations:
        return None
    return forms.DeploymentForm(
        formdata,
        prefix="deployment",
        organisations=organisations,
        functions=[f.name for f in application.functions],
    )


def _interface_form(application, formdata=None):
    if not can_edit_catalogue(action=Action.CREATE):
        return None
    others = [a for a in get_session().scalars(visible_applications()) if a.id != application.id]
    return forms.InterfaceForm(formdata, prefix="interface", applications=others)


def _render_detail(application, *, deployment_form=None, interface_form=None, status=200):
    db = get_session()
    filters = DeploymentFilters(application_id=application.id, include_archived=True)
    return render_template(
        "applications/detail.html",
        application=application,
        deployments=list(db.scalars(visible_deployments(filters=filters))),
        interfaces=list(db.scalars(visible_interfaces(application_id=application.id))),
        panels=get_registry().panels_for("application", application),
        deployment_form=deployment_form or _deployment_form(application),
        interface_form=interface_form or _interface_form(application),
        may_edit_deployment=lambda d: can(REGISTER, Action.EDIT, d.organisation_id),
    ), status


@bp.route("/new", methods=["GET", "POST"])
def create():
    _require_catalogue_editor(Action.CREATE)
    form = forms.ApplicationForm(vendors=_vendors())
    created = []

    def write():
        data = form.checked(ApplicationCreate)
        created.append(services.create_application(get_session(), data, actor=current_user))

    done, _conflict, status = _submit(form, write)
    if done:
        flash(_("Application « %(name)s » créée.", name=created[0].name), "success")
        return redirect(url_for(".detail", application_id=created[0].id))
    return _render_form(form, None, status=status)


def _render_form(form, application, *, conflict=None, status=200):
    return render_template(
        "applications/form.html",
        form=form,
        application=application,
        conflict=conflict,
        domains=visible_domains(),
    ), status


@bp.route("/<int:application_id>/edit", methods=["GET", "POST"])
def edit(application_id: int):
    application = application_or_404(application_id, Action.EDIT)
    form = forms.ApplicationForm(obj=application, vendors=_vendors())
    done, conflict, status = _submit(
        form,
        lambda: services.update_application(
            get_session(),
            application,
            form.checked(ApplicationUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: application_or_404(application_id),
    )
    if done:
        flash(_("Application enregistrée."), "success")
        return redirect(url_for(".detail", application_id=application.id))
    return _render_form(form, application, conflict=conflict, status=status)


@bp.post("/<int:application_id>/archive")
def archive(application_id: int):
    application = application_or_404(application_id, Action.EDIT)
    version = _archive_form().submitted_version()
    db = get_session()
    services.archive_application(db, application, actor=current_user, version=version)
    db.commit()
    flash(_("Application archivée : elle n'apparaît plus dans la liste par défaut."), "success")
    return redirect(url_for(".detail", application_id=application.id))


@bp.post("/<int:application_id>/restore")
def restore(application_id: int):
    application = application_or_404(application_id, Action.EDIT)
    version = _archive_form().submitted_version()
    db = get_session()
    services.restore_application(db, application, actor=current_user, version=version)
    db.commit()
    flash(_("Application restaurée."), "success")
    return redirect(url_for(".detail", application_id=application.id))


# --- deployments ------------------------------------------------------------------------------


@bp.post("/<int:application_id>/deployments")
def add_deployment(application_id: int):
    application = application_or_404(application_id)
    form = _deployment_form(application, request.form)
    if form is None:
        abort(403)
    done, _conflict, status = _submit(
        form,
        lambda: services.create_deployment(
            get_session(),
            form.checked(DeploymentCreate, application_id=application.id),
            actor=current_user,
        ),
    )
    if not done:
        return _render_detail(application, deployment_form=form, status=status)
    flash(_("Déploiement ajouté."), "success")
    return redirect(url_for(".detail", application_id=application.id, _anchor="deployments"))


@bp.route("/deployments/<int:deployment_id>/edit", methods=["GET", "POST"])
def edit_deployment(deployment_id: int):
    deployment = deployment_or_404(deployment_id, Action.EDIT)
    form = forms.DeploymentEditForm(
        obj=deployment, functions=[f.name for f in deployment.application.functions]
    )
    done, conflict, status = _submit(
        form,
        lambda: services.update_deployment(
            get_session(),
            deployment,
            form.checked(DeploymentUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: deployment_or_404(deployment_id),
    )
    if done:
        flash(_("Déploiement enregistré."), "success")
        return redirect(
            url_for(".detail", application_id=deployment.application_id, _anchor="deployments")
        )
    return render_template(
        "applications/deployment_form.html", form=form, deployment=deployment, conflict=conflict
    ), status


@bp.post("/deployments/<int:deployment_id>/archive")
def archive_deployment(deployment_id: int):
    deployment = deployment_or_404(deployment_id, Action.EDIT)
    version = _archive_form().submitted_version()
    db = get_session()
    services.archive_deployment(db, deployment, actor=current_user, version=version)
    db.commit()
    flash(_("Déploiement retiré."), "success")
    return redirect(
        url_for(".detail", application_id=deployment.application_id, _anchor="deployments")
    )


@bp.post("/deployments/<int:deployment_id>/restore")
def restore_deployment(deployment_id: int):
    deployment = deployment_or_404(deployment_id, Action.EDIT)
    version = _archive_form().submitted_version()
    db = get_session()
    services.restore_deployment(db, deployment, actor=current_user, version=version)
    db.commit()
    flash(_("Déploiement rétabli."), "success")
    return redirect(
        url_for(".detail", application_id=deployment.application_id, _anchor="deployments")
    )


# --- interfaces -------------------------------------------------------------------------------


@bp.post("/<int:application_id>/interfaces")
def add_interface(application_id: int):
    application = application_or_404(application_id, Action.CREATE)
    form = _interface_form(application, request.form)
    data = form.interface_data(application.id)
    done, _conflict, status = _submit(
        form,
        lambda: services.create_interface(
            get_session(), validate(InterfaceCreate, data), actor=current_user
        ),
    )
    if not done:
        return _render_detail(application, interface_form=form, status=status)
    flash(_("Interface ajoutée."), "success")
    return redirect(url_for(".detail", application_id=application.id, _anchor="interfaces"))


@bp.post("/interfaces/<int:interface_id>/archive")
def archive_interface(interface_id: int):
    interface = interface_or_404(interface_id, Action.EDIT)
    version = _archive_form().submitted_version()
    db = get_session()
    services.archive_interface(db, interface, actor=current_user, version=version)
    db.commit()
    flash(_("Interface retirée."), "success")
    ends = {interface.source_application_id, interface.target_application_id}
    back = request.form.get("application_id", type=int)
    back = back if back in ends else interface.source_application_id
    return redirect(url_for(".detail", application_id=back, _anchor="interfaces"))


# --- the map ----------------------------------------------------------------------------------


@bp.get("/map")
def map_view():
    organisation = _map_organisation(request.args.get("organisation", "").strip())
    filters = ApplicationFilters(organisation_id=organisation.id if organisation else None)
    db = get_session()
    data = diagram.map_data(
        db.scalars(visible_applications(filters=filters)),
        db.scalars(visible_interfaces()),
        href=lambda application_id: url_for(".detail", application_id=application_id),
    )
    scope_name = organisation.name if organisation else _("l'ensemble du syndicat")
    svg = diagram.render_map_svg(
        data.nodes,
        data.edges,
        title=_("Cartographie applicative : %(scope)s", scope=scope_name),
        description=_(
            "%(apps)d applications réparties en %(domains)d domaines métier, reliées par "
            "%(flows)d interfaces. Le tableau qui suit la carte en donne le détail.",
            apps=len(data.nodes),
            domains=len(data.domains),
            flows=len(data.edges),
        ),
        legend=(_("flux à sens unique"), _("flux dans les deux sens")),
    )
    return render_template(
        "applications/map.html",
        svg=svg,
        data=data,
        organisation=organisation,
        organisations=visible_organisations(REGISTER),
    )


def _map_organisation(slug: str) -> Organisation | None:
    if not slug:
        return None
    organisation = get_session().scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None or not can(REGISTER, Action.READ, organisation.id):
        abort(404)
    return organisation


# --- vendors ----------------------------------------------------------------------------------


@bp.get("/vendors")
def vendors():
    filters, page, error, status = VendorFilters(), None, None, 200
    try:
        filters = VendorFilters.from_args(request.args)
    except FilterError as bad:
        error, status = bad, 400
    else:
        page = paginate(get_session(), visible_vendors(filters=filters), page=page_number())
    return render_template(
        "applications/vendors.html",
        filters=filters,
        page=page,
        error=error,
        counts=application_counts(v.id for v in page.items) if page else {},
        dpa_statuses=DpaStatus,
    ), status


@bp.get("/vendors/<int:vendor_id>")
def vendor(vendor_id: int):
    record = vendor_or_404(vendor_id)
    applications = list(get_session().scalars(vendor_applications(record)))
    return render_template(
        "applications/vendor.html",
        vendor=record,
        applications=applications,
        counts=deployment_counts(a.id for a in applications),
    )


@bp.route("/vendors/new", methods=["GET", "POST"])
def create_vendor():
    _require_catalogue_editor(Action.CREATE)
    form = forms.VendorForm()
    created = []

    def write():
        data = form.checked(VendorCreate)
        created.append(services.create_vendor(get_session(), data, actor=current_user))

    done, _conflict, status = _submit(form, write)
    if done:
        flash(_("Fournisseur « %(name)s » créé.", name=created[0].name), "success")
        return redirect(url_for(".vendor", vendor_id=created[0].id))
    return render_template("applications/vendor_form.html", form=form, vendor=None), status


@bp.route("/vendors/<int:vendor_id>/edit", methods=["GET", "POST"])
def edit_vendor(vendor_id: int):
    record = vendor_or_404(vendor_id, Action.EDIT)
    form = forms.VendorForm(obj=record)
    done, conflict, status = _submit(
        form,
        lambda: services.update_vendor(
            get_session(),
            record,
            form.checked(VendorUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: vendor_or_404(vendor_id),
    )
    if done:
        flash(_("Fournisseur enregistré."), "success")
        return redirect(url_for(".vendor", vendor_id=record.id))
    return render_template(
        "applications/vendor_form.html", form=form, vendor=record, conflict=conflict
    ), status


# The catalogue import lives in its own module; importing it registers its routes on `bp`.
from registers.applications import import_views  # noqa: E402, F401
