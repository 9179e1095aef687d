"""Dashboard, organisation selector, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from compliance.access import get_or_404
from compliance.admin.services import update_user
from compliance.auth import can
from compliance.db import get_session
from compliance.i18n import LANGUAGES
from compliance.permissions import Action, Register
from compliance.registry import get_registry
from compliance.security import safe_next
from compliance.tenancy import Organisation, selected_organisation_id, visible_organisations

bp = Blueprint("web", __name__)


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
        "selector_organisations": visible_organisations(Register.DASHBOARD),
        "selected_organisation_id": selected_organisation_id(),
    }


@bp.get("/")
@login_required
def dashboard():
    organisations = visible_organisations(Register.DASHBOARD)
    chosen = selected_organisation_id()
    shown = [org for org in organisations if chosen is None or org.id == chosen]
    widgets = get_registry().panels_for("dashboard", {"organisations": shown})
    return render_template(
        "dashboard.html", organisations=shown, widgets=widgets, all_count=len(organisations)
    )


@bp.get("/organisations/<slug>")
@login_required
def organisation_dashboard(slug: str):
    organisation = get_or_404(Organisation, slug, by="slug", register=Register.DASHBOARD)
    widgets = get_registry().panels_for("organisation", organisation)
    return render_template("organisation.html", organisation=organisation, widgets=widgets)


@bp.post("/select-organisation")
@login_required
def select_organisation():
    slug = request.form.get("organisation", "")
    if slug in ("", "all"):
        session.pop("organisation", None)
    else:
        get_or_404(Organisation, slug, by="slug", register=Register.DASHBOARD)
        session["organisation"] = slug
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
