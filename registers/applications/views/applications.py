"""Pages of the application map: the applications and the diagram (deployments, interfaces,
vendors and the catalogue import have their own modules). Each view loads and checks access
(404, then 403), validates its form, calls one service, commits and redirects."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import CATALOGUE_EDITOR, allowed, allowed_on, get_or_404, require
from compliance.db import get_session
from compliance.pagination import page_number, paginate, paginate_param
from compliance.permissions import Action
from compliance.registry import get_registry
from compliance.routes import Routes
from compliance.schemas import FilterError
from compliance.tenancy import (
    Organisation,
    organisation_choices,
    visible_organisations_query,
)
from registers.applications import diagram, forms, services
from registers.applications.counts import deployment_counts
from registers.applications.models import (
    Application,
    ApplicationStatus,
    Deployment,
    Hosting,
)
from registers.applications.queries import (
    APPLICATION_OPTIONS,
    REGISTER,
    ApplicationFilters,
    DeploymentFilters,
    visible_applications,
    visible_deployments,
    visible_domains,
    visible_interfaces,
)
from registers.applications.schemas import ApplicationCreate, ApplicationUpdate
from registers.applications.views.helpers import (
    archive_form,
    submit_form,
    vendor_list,
)

routes = Routes()
# The deployments' list on an application's page pages apart from the panels under it.
DEPLOYMENTS_PAGE_PARAM = "deployments_page"


# --- shared steps -----------------------------------------------------------------------------

# Service field -> form field, where their names differ.


# --- applications -----------------------------------------------------------------------------


@routes.get("/")
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
        vendors=vendor_list(),
        organisations=organisation_choices(REGISTER),
        statuses=ApplicationStatus,
        hostings=Hosting,
    )


@routes.get("/<int:application_id>")
def detail(application_id: int):
    return render_detail(get_or_404(Application, application_id, options=APPLICATION_OPTIONS))


def deployable_organisations(application) -> sa.Select:
    """SELECT of the organisations where the user may add a deployment of `application`: the
    deployments already there are left out in SQL, never loaded."""
    taken = sa.select(Deployment.organisation_id).where(Deployment.application_id == application.id)
    return (
        sa.select(Organisation)
        .where(
            Organisation.id.in_(visible_organisations_query(current_user, REGISTER, Action.CREATE)),
            Organisation.id.not_in(taken),
        )
        .order_by(Organisation.name, Organisation.id)
    )


def new_deployment_form(application, formdata=None):
    """The form adding a deployment, its organisations offered by the kernel's selector (a
    search field beyond a few dozen); None when there is no organisation left to add."""
    form = forms.DeploymentForm(
        formdata, prefix="deployment", functions=[f.name for f in application.functions]
    )
    if not form.organisation_id.offer(deployable_organisations(application)):
        return None
    return form


def new_interface_form(application, formdata=None):
    if not allowed(CATALOGUE_EDITOR, action=Action.CREATE):
        return None
    others = [a for a in get_session().scalars(visible_applications()) if a.id != application.id]
    return forms.InterfaceForm(formdata, prefix="interface", applications=others)


def render_detail(application, *, deployment_form=None, interface_form=None, status=200):
    db = get_session()
    filters = DeploymentFilters(application_id=application.id, include_archived=True)
    return render_template(
        "applications/detail.html",
        application=application,
        deployments=paginate_param(
            db, visible_deployments(filters=filters), DEPLOYMENTS_PAGE_PARAM, per_page=25
        ),
        interfaces=list(db.scalars(visible_interfaces(application_id=application.id))),
        panels=get_registry().panels_for("application", application),
        deployment_form=deployment_form or new_deployment_form(application),
        interface_form=interface_form or new_interface_form(application),
        may_edit_deployment=lambda d: allowed_on(d, Action.EDIT),
    ), status


@routes.route("/new", methods=["GET", "POST"])
def create():
    require(rule=CATALOGUE_EDITOR, action=Action.CREATE)
    form = forms.ApplicationForm(vendors=vendor_list())
    created = []

    def write():
        values = form.checked(ApplicationCreate)
        created.append(services.create_application(get_session(), values, actor=current_user))

    done, _conflict, status = submit_form(form, write)
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


@routes.route("/<int:application_id>/edit", methods=["GET", "POST"])
def edit(application_id: int):
    application = get_or_404(Application, application_id, Action.EDIT, options=APPLICATION_OPTIONS)
    form = forms.ApplicationForm(obj=application, vendors=vendor_list())
    done, conflict, status = submit_form(
        form,
        lambda: services.update_application(
            get_session(),
            application,
            form.checked(ApplicationUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Application, application_id, options=APPLICATION_OPTIONS),
    )
    if done:
        flash(_("Application enregistrée."), "success")
        return redirect(url_for(".detail", application_id=application.id))
    return _render_form(form, application, conflict=conflict, status=status)


@routes.post("/<int:application_id>/archive")
def archive(application_id: int):
    application = get_or_404(Application, application_id, Action.EDIT, options=APPLICATION_OPTIONS)
    version = archive_form().submitted_version()
    db = get_session()
    services.archive_application(db, application, actor=current_user, version=version)
    db.commit()
    flash(_("Application archivée : elle n'apparaît plus dans la liste par défaut."), "success")
    return redirect(url_for(".detail", application_id=application.id))


@routes.post("/<int:application_id>/restore")
def restore(application_id: int):
    application = get_or_404(Application, application_id, Action.EDIT, options=APPLICATION_OPTIONS)
    version = archive_form().submitted_version()
    db = get_session()
    services.restore_application(db, application, actor=current_user, version=version)
    db.commit()
    flash(_("Application restaurée."), "success")
    return redirect(url_for(".detail", application_id=application.id))


# --- the map ----------------------------------------------------------------------------------


@routes.get("/map")
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
        organisations=organisation_choices(REGISTER),
    )


def _map_organisation(slug: str) -> Organisation | None:
    if not slug:
        return None
    return get_or_404(Organisation, slug, by="slug", register=REGISTER)
