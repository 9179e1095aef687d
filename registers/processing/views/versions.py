"""Published versions of an organisation's register: the DPO publishes the register as it stands
(a frozen snapshot), anyone who may read it lists the versions, and whoever may export it
downloads any version as the Word register, rendered from the snapshot, not from today's data."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import get_or_404
from compliance.auth import can
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.pagination import page_number, paginate
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation
from registers.processing import export, forms, publish
from registers.processing.queries import REGISTER
from registers.processing.schemas import VersionCreate
from registers.processing.views.exports import require_form

routes = Routes()


def _render(organisation, form, status=200):
    page = paginate(get_session(), publish.versions_query(organisation.id), page=page_number())
    return render_template(
        "processing/versions.html",
        organisation=organisation,
        page=page,
        form=form,
        intact={version.id: publish.is_intact(version) for version in page.items},
        may_export=can(REGISTER, Action.EXPORT, organisation.id),
    ), status


@routes.get("/registers/<slug>/versions")
def versions(slug: str):
    organisation = get_or_404(Organisation, slug, by="slug", register=REGISTER)
    may_publish = can(REGISTER, Action.VALIDATE, organisation.id)
    return _render(organisation, forms.PublishForm() if may_publish else None)


@routes.post("/registers/<slug>/versions")
def publish_version(slug: str):
    organisation = get_or_404(Organisation, slug, Action.VALIDATE, by="slug", register=REGISTER)
    form = forms.PublishForm()
    if not form.validate_on_submit():
        return _render(organisation, form, 400)
    db = get_session()
    values = form.checked(VersionCreate)
    version = publish.publish_register(db, organisation, values, actor=current_user)
    db.commit()
    flash(
        _(
            "Version %(number)d du registre publiée : %(count)d fiches figées à cette date.",
            number=version.number,
            count=version.activity_count,
        ),
        "success",
    )
    return redirect(url_for(".versions", slug=organisation.slug))


@routes.post("/registers/<slug>/versions/<int:number>/export")
def export_version(slug: str, number: int):
    organisation = get_or_404(Organisation, slug, Action.EXPORT, by="slug", register=REGISTER)
    version = publish.find_version(get_session(), organisation.id, number)
    if version is None:
        abort(404)
    require_form()
    db = get_session()
    data, record = export.export_register(db, organisation, actor=current_user, version=version)
    response = send_document(db, data, record, current_user)
    db.commit()
    return response
