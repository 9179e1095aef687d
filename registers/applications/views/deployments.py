"""Pages of the deployments: which member uses which application of the catalogue, and how."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404
from compliance.db import get_session
from compliance.permissions import Action
from compliance.routes import Routes
from registers.applications import forms, services
from registers.applications.models import Application, Deployment
from registers.applications.queries import (
    APPLICATION_OPTIONS,
    DEPLOYMENT_OPTIONS,
)
from registers.applications.schemas import DeploymentCreate, DeploymentUpdate
from registers.applications.views.applications import (
    new_deployment_form,
    render_detail,
)
from registers.applications.views.helpers import (
    archive_form,
    submit_form,
)

routes = Routes()


@routes.post("/<int:application_id>/deployments")
def add_deployment(application_id: int):
    application = get_or_404(Application, application_id, options=APPLICATION_OPTIONS)
    form = new_deployment_form(application, request.form)
    if form is None:
        abort(403)
    done, _conflict, status = submit_form(
        form,
        lambda: services.create_deployment(
            get_session(),
            form.checked(DeploymentCreate, application_id=application.id),
            actor=current_user,
        ),
    )
    if not done:
        return render_detail(application, deployment_form=form, status=status)
    flash(_("Déploiement ajouté."), "success")
    return redirect(url_for(".detail", application_id=application.id, _anchor="deployments"))


@routes.route("/deployments/<int:deployment_id>/edit", methods=["GET", "POST"])
def edit_deployment(deployment_id: int):
    deployment = get_or_404(Deployment, deployment_id, Action.EDIT, options=DEPLOYMENT_OPTIONS)
    form = forms.DeploymentEditForm(
        obj=deployment, functions=[f.name for f in deployment.application.functions]
    )
    done, conflict, status = submit_form(
        form,
        lambda: services.update_deployment(
            get_session(),
            deployment,
            form.checked(DeploymentUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Deployment, deployment_id, options=DEPLOYMENT_OPTIONS),
    )
    if done:
        flash(_("Déploiement enregistré."), "success")
        return redirect(
            url_for(".detail", application_id=deployment.application_id, _anchor="deployments")
        )
    return render_template(
        "applications/deployment_form.html", form=form, deployment=deployment, conflict=conflict
    ), status


@routes.post("/deployments/<int:deployment_id>/archive")
def archive_deployment(deployment_id: int):
    deployment = get_or_404(Deployment, deployment_id, Action.EDIT, options=DEPLOYMENT_OPTIONS)
    version = archive_form().submitted_version()
    db = get_session()
    services.archive_deployment(db, deployment, actor=current_user, version=version)
    db.commit()
    flash(_("Déploiement retiré."), "success")
    return redirect(
        url_for(".detail", application_id=deployment.application_id, _anchor="deployments")
    )


@routes.post("/deployments/<int:deployment_id>/restore")
def restore_deployment(deployment_id: int):
    deployment = get_or_404(Deployment, deployment_id, Action.EDIT, options=DEPLOYMENT_OPTIONS)
    version = archive_form().submitted_version()
    db = get_session()
    services.restore_deployment(db, deployment, actor=current_user, version=version)
    db.commit()
    flash(_("Déploiement rétabli."), "success")
    return redirect(
        url_for(".detail", application_id=deployment.application_id, _anchor="deployments")
    )
