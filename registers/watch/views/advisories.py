"""Pages of the advisories: the list with its exposure counts, an advisory, entering and editing
one by hand, and uploading one JSON document. Each view loads and checks access, validates,
calls one service, commits and redirects."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed, get_or_404, require
from compliance.db import get_session
from compliance.forms import submit
from compliance.pagination import page_number, paginate
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.schemas import FilterError, validate
from registers.watch import forms, services
from registers.watch.importer import import_document
from registers.watch.models import WATCH_EDITOR, Advisory
from registers.watch.queries import matches_of, treatments_of, visible_advisories
from registers.watch.schemas import (
    AdvisoryCreate,
    AdvisoryFilters,
    AdvisorySeverity,
    AdvisorySource,
    AdvisoryUpdate,
    MatchState,
)

routes = Routes()
ALIASES = {"products": "products_text"}


def may_write() -> bool:
    return allowed(WATCH_EDITOR, action=Action.CREATE)


@routes.get("/")
def index():
    try:
        filters = AdvisoryFilters.from_args(request.args)
    except FilterError as error:
        return _render_index(AdvisoryFilters(), None, error=error), 400
    statement = visible_advisories(filters)
    page = paginate(get_session(), statement, page=page_number(), rows=True)
    return _render_index(filters, page)


def _render_index(filters, page, *, error=None):
    return render_template(
        "watch/index.html",
        filters=filters,
        page=page,
        error=error,
        severities=AdvisorySeverity,
        sources=AdvisorySource,
        match_states=MatchState,
        may_write=may_write(),
        upload=forms.UploadForm() if may_write() else None,
    )


@routes.get("/<int:advisory_id>")
def detail(advisory_id: int):
    advisory = get_or_404(Advisory, advisory_id)
    session = get_session()
    return render_template(
        "watch/detail.html",
        advisory=advisory,
        matches=matches_of(session, advisory),
        treatments=treatments_of(session, advisory),
        may_write=allowed(WATCH_EDITOR, action=Action.EDIT),
    )


@routes.route("/new", methods=["GET", "POST"])
def create():
    require(rule=WATCH_EDITOR, action=Action.CREATE)
    form = forms.AdvisoryForm()
    created = []

    def write():
        values = validate(AdvisoryCreate, form.advisory_values())
        created.append(services.create_advisory(get_session(), values, actor=current_user))

    done, _conflict, status = submit(form, write, aliases=ALIASES)
    if done:
        flash(_("Avis %(reference)s enregistré.", reference=created[0].reference), "success")
        return redirect(url_for(".detail", advisory_id=created[0].id))
    return render_template("watch/form.html", form=form, advisory=None), status


@routes.route("/<int:advisory_id>/edit", methods=["GET", "POST"])
def edit(advisory_id: int):
    advisory = get_or_404(Advisory, advisory_id, Action.EDIT)
    form = forms.AdvisoryForm(obj=advisory)
    if not form.is_submitted():
        form.products_text.data = forms.products_text(advisory.products)
        form.cve_ids.data = " ".join(advisory.cve_ids or [])
    done, conflict, status = submit(
        form,
        lambda: services.update_advisory(
            get_session(),
            advisory,
            validate(AdvisoryUpdate, form.advisory_values()),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Advisory, advisory_id),
        aliases=ALIASES,
    )
    if done:
        flash(_("Avis enregistré."), "success")
        return redirect(url_for(".detail", advisory_id=advisory.id))
    return render_template(
        "watch/form.html", form=form, advisory=advisory, conflict=conflict
    ), status


@routes.post("/import")
def upload():
    require(rule=WATCH_EDITOR, action=Action.CREATE)
    form = forms.UploadForm()
    if not form.validate_on_submit():
        for message in form.document.errors or [_("Choisissez un fichier.")]:
            flash(message, "error")
        return redirect(url_for(".index")), 303
    document = form.document.data
    session = get_session()
    outcome = import_document(
        session, document.read(), document.filename or "document.json", actor=current_user
    )
    if outcome.status == "refused":
        session.rollback()
        flash(outcome.line(), "error")
        return redirect(url_for(".index")), 303
    session.commit()
    flash(outcome.line(), "success" if outcome.status in ("created", "updated") else "info")
    return redirect(url_for(".detail", advisory_id=outcome.advisory.id))
