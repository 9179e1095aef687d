"""The awareness and training sessions: the list of a year with its filters, create, edit,
archive (the page's "delete") and restore."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed_on, get_or_404, require
from compliance.auth import can
from compliance.db import get_session
from compliance.forms import submit
from compliance.pagination import paginate_param
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.schemas import FilterError
from compliance.tenancy import selected_organisation_id, visible_organisations
from registers.annual import forms, services
from registers.annual.models import AwarenessSession
from registers.annual.queries import REGISTER, session_filters, visible_sessions
from registers.annual.schemas import (
    AwarenessSessionCreate,
    AwarenessSessionFilters,
    AwarenessSessionUpdate,
)
from registers.annual.views.helpers import current_year, year_choices

routes = Routes()
PAGE_SIZE = 50


@routes.get("/sessions")
def sessions():
    args = request.args.to_dict()
    args.setdefault("year", str(current_year()))
    try:
        filters = session_filters(args)
    except FilterError as error:
        return _render_list(AwarenessSessionFilters(year=current_year()), None, error), 400
    page = paginate_param(get_session(), visible_sessions(filters), "page", per_page=PAGE_SIZE)
    return _render_list(filters, page)


def _render_list(filters, page, error=None):
    return render_template(
        "annual/sessions.html",
        filters=filters,
        page=page,
        error=error,
        years=year_choices(filters.year or current_year()),
        may_create=can(REGISTER, Action.CREATE),
        editable={r.id for r in (page.items if page else []) if allowed_on(r, Action.EDIT)},
        archive_form=forms.ArchiveForm(formdata=None),
    )


@routes.route("/sessions/new", methods=["GET", "POST"])
def create_session():
    require(REGISTER, Action.CREATE)
    organisations = visible_organisations(REGISTER, Action.CREATE)
    form = forms.SessionForm()
    form.organisation_id.choices = [("", "—")] + [(o.id, o.name) for o in organisations]
    if not form.is_submitted():
        chosen = selected_organisation_id()
        form.organisation_id.data = next((o.id for o in organisations if o.id == chosen), None)
    created = []

    def write():
        values = form.checked(AwarenessSessionCreate)
        created.append(services.create_session(get_session(), values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(_("Session enregistrée."), "success")
        return redirect(url_for(".sessions", year=created[0].held_on.year))
    return render_template("annual/session_form.html", form=form, record=None), status


@routes.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id: int):
    record = get_or_404(AwarenessSession, session_id, Action.EDIT)
    form = forms.SessionEditForm(obj=record)
    done, conflict, status = submit(
        form,
        lambda: services.update_session(
            get_session(),
            record,
            form.checked(AwarenessSessionUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(AwarenessSession, session_id),
    )
    if done:
        flash(_("Session enregistrée."), "success")
        return redirect(url_for(".sessions", year=record.held_on.year))
    return render_template(
        "annual/session_form.html", form=form, record=record, conflict=conflict
    ), status


def _set_archived(session_id: int, archived: bool):
    record = get_or_404(AwarenessSession, session_id, Action.EDIT)
    version = forms.ArchiveForm().submitted_version()
    if version is None:  # a form without the version it was shown at: refused, as elsewhere
        abort(400)
    db = get_session()
    services.set_session_archived(db, record, archived, actor=current_user, version=version)
    db.commit()
    flash(_("Session archivée.") if archived else _("Session rétablie."), "success")
    return redirect(url_for(".sessions", year=record.held_on.year))


@routes.post("/sessions/<int:session_id>/archive")
def archive_session(session_id: int):
    return _set_archived(session_id, True)


@routes.post("/sessions/<int:session_id>/restore")
def restore_session(session_id: int):
    return _set_archived(session_id, False)
