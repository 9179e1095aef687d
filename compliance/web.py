"""Dashboard, organisation selector, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from compliance.access import get_or_404
from compliance.admin.services import update_user
from compliance.auth import can
from compliance.db import get_session
from compliance.i18n import LANGUAGES
from compliance.pagination import paginate_param
from compliance.permissions import Action, Register
from compliance.registry import get_registry
from compliance.security import safe_next
from compliance.selector import (
    organisation_count,
    organisations_statement,
    remember_organisation,
    search_statement,
    selector,
)
from compliance.tenancy import (
    Organisation,
    selected_organisation_id,
    visible_organisations_query,
)

bp = Blueprint("web", __name__)
DASHBOARD_PAGE_SIZE = 30


def redirect_to_next(target: str | None):
    """Redirect to a user-given path on this site, or to the dashboard."""
    return redirect(safe_next(target) or url_for("web.dashboard"))


@bp.app_context_processor
def _layout_context():
    if not getattr(current_user, "is_authenticated", False):
        return {"can": can}
    registry = get_registry()
    return {
        "can": can,
        "nav_items": [item for item in registry.nav if can(item.register, Action.READ)],
        # Loaded lazily, once a request: pages without the layout (errors, files) skip it.
        "organisation_selector": selector,
        "selected_organisation": selected_organisation,
    }


def selected_organisation() -> Organisation | None:
    """The organisation picked in the selector (loaded once a request), or None; None too
    when the user no longer sees it (a membership ended since)."""
    chosen = selected_organisation_id()
    if chosen is None or not can(Register.DASHBOARD, Action.READ, chosen):
        return None
    return g.get("selected_organisation")


@bp.get("/")
@login_required
def dashboard():
    """The widgets over every organisation the user sees (or the one picked in the selector),
    and a page of those organisations' cards: one COUNT, one page, whatever their number."""
    chosen = selected_organisation()
    page = None
    if chosen is not None:
        shown = [chosen]
        ids = [chosen.id]
    else:
        page = paginate_param(
            get_session(), organisations_statement(), "page", per_page=DASHBOARD_PAGE_SIZE
        )
        shown = page.items
        ids = visible_organisations_query(current_user, Register.DASHBOARD)
    widgets = get_registry().panels_for(
        "dashboard", {"organisations": shown, "organisation_ids": ids}
    )
    return render_template(
        "dashboard.html",
        organisations=shown,
        page=page,
        widgets=widgets,
        all_count=organisation_count(),
    )


@bp.get("/organisations/")
@login_required
def organisations():
    """The organisations the user sees whose name holds `q`, a page of them, each with the
    button that picks it in the selector: the selector's search, without JavaScript."""
    q = request.args.get("q", "")[:200]
    page = paginate_param(get_session(), search_statement(q), "page", per_page=DASHBOARD_PAGE_SIZE)
    return render_template("organisations.html", q=q, page=page)


@bp.get("/organisations/<slug>")
@login_required
def organisation_dashboard(slug: str):
    organisation = get_or_404(Organisation, slug, by="slug", register=Register.DASHBOARD)
    remember_organisation(organisation)
    widgets = get_registry().panels_for("organisation", organisation)
    return render_template("organisation.html", organisation=organisation, widgets=widgets)


@bp.post("/select-organisation")
@login_required
def select_organisation():
    slug = request.form.get("organisation", "")
    if slug in ("", "all"):
        session.pop("organisation", None)
    else:
        organisation = get_or_404(Organisation, slug, by="slug", register=Register.DASHBOARD)
        session["organisation"] = slug
        remember_organisation(organisation)
    return redirect_to_next(request.form.get("next"))


@bp.post("/language")
def set_language():
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    session["language"] = language
    if current_user.is_authenticated:
        db = get_session()
        update_user(
            db, current_user._get_current_object(), {"language": language}, actor=current_user
        )
        db.commit()
    return redirect_to_next(request.form.get("next"))


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}
