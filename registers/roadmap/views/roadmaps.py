"""Pages of the roadmap: the roadmaps, each with its actions grouped by theme or quarter and its
timeline, the progress page and the Word report. Each view loads and checks access (404, then
403), validates its form, calls one service, commits and redirects. The action pages are in
actions.py, the hygiene self-assessment in hygiene.py."""

from __future__ import annotations

from collections import defaultdict

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed_on, get_or_404, require
from compliance.auth import can
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.forms import submit
from compliance.pagination import paginate_param
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.schemas import FilterError
from compliance.tenancy import selected_organisation_id
from registers.roadmap import compute, figures, forms, services
from registers.roadmap.catalogue import all_measures
from registers.roadmap.export import export_roadmap_report
from registers.roadmap.models import ActionStatus, Priority, Roadmap, RoadmapAction, Theme
from registers.roadmap.queries import (
    REGISTER,
    action_filters,
    assessments_of,
    organisation_actions,
    roadmap_actions,
    visible_actions,
    visible_roadmaps,
)
from registers.roadmap.schemas import (
    RoadmapActionFilters,
    RoadmapCreate,
    RoadmapUpdate,
)
from registers.roadmap.views.helpers import editable_organisations

routes = Routes()


GROUPINGS = ("theme", "quarter")
INDEX_PAGE_SIZE = 24


# --- shared steps -----------------------------------------------------------------------------


# --- roadmaps ---------------------------------------------------------------------------------


@routes.get("/")
def index():
    db = get_session()
    page = paginate_param(db, visible_roadmaps(), "page", per_page=INDEX_PAGE_SIZE)
    roadmaps = page.items
    # The actions of this page's roadmaps only, in one query.
    actions = db.scalars(
        visible_actions(options=()).where(RoadmapAction.roadmap_id.in_([r.id for r in roadmaps]))
    )
    on = compute.today()
    by_roadmap: dict[int, list] = defaultdict(list)
    for action in actions:
        by_roadmap[action.roadmap_id].append(action)
    return render_template(
        "roadmap/index.html",
        page=page,
        roadmaps=roadmaps,
        progress={r.id: compute.progress(by_roadmap[r.id], on) for r in roadmaps},
        may_create=can(REGISTER, Action.CREATE),
    )


@routes.route("/new", methods=["GET", "POST"])
def create():
    require(REGISTER, Action.CREATE)
    organisations = editable_organisations()
    form = forms.RoadmapForm(organisations=organisations)
    if not form.is_submitted():
        chosen = selected_organisation_id()
        form.organisation_id.data = next((o.id for o in organisations if o.id == chosen), None)
    created = []

    def write():
        values = form.checked(RoadmapCreate)
        created.append(services.create_roadmap(get_session(), values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(_("Feuille de route « %(title)s » créée.", title=created[0].title), "success")
        return redirect(url_for(".roadmap", roadmap_id=created[0].id))
    return render_template("roadmap/roadmap_form.html", form=form, roadmap=None), status


@routes.route("/<int:roadmap_id>/edit", methods=["GET", "POST"])
def edit(roadmap_id: int):
    record = get_or_404(Roadmap, roadmap_id, Action.EDIT)
    form = forms.RoadmapEditForm(obj=record)
    done, conflict, status = submit(
        form,
        lambda: services.update_roadmap(
            get_session(),
            record,
            form.checked(RoadmapUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(Roadmap, roadmap_id),
    )
    if done:
        flash(_("Feuille de route enregistrée."), "success")
        return redirect(url_for(".roadmap", roadmap_id=record.id))
    return render_template(
        "roadmap/roadmap_form.html", form=form, roadmap=record, conflict=conflict
    ), status


@routes.get("/<int:roadmap_id>")
def roadmap(roadmap_id: int):
    record = get_or_404(Roadmap, roadmap_id)
    group_by = request.args.get("group", "theme")
    if group_by not in GROUPINGS:
        abort(400)
    try:
        filters = action_filters(request.args)
    except FilterError as error:
        return _render_roadmap(record, RoadmapActionFilters(), [], group_by, error=error), 400
    filters.roadmap_id = record.id
    actions = list(get_session().scalars(visible_actions(filters=filters, selected=False)))
    return _render_roadmap(record, filters, actions, group_by)


def _render_roadmap(record, filters, actions, group_by, *, error=None):
    on = compute.today()
    return render_template(
        "roadmap/roadmap.html",
        roadmap=record,
        filters=filters,
        actions=actions,
        group_by=group_by,
        groups=figures.groups(actions, group_by),
        timeline=figures.timeline(
            actions,
            today=on,
            group_by=group_by,
            href=lambda a: url_for(".action", action_id=a.id),
        )
        if actions
        else None,
        progress=compute.progress(roadmap_actions(record), on),
        error=error,
        themes=Theme,
        statuses=ActionStatus,
        priorities=Priority,
        editable=allowed_on(record, Action.EDIT),
        may_export=allowed_on(record, Action.EXPORT),
        export_form=forms.ExportForm(formdata=None),
    )


@routes.get("/<int:roadmap_id>/progress")
def progress(roadmap_id: int):
    record = get_or_404(Roadmap, roadmap_id)
    db = get_session()
    on = compute.today()
    actions = roadmap_actions(record)
    rows = compute.measure_rows(
        all_measures(db),
        assessments_of(record.organisation_id),
        organisation_actions(record.organisation_id),
    )
    state = compute.progress(actions, on)
    money = compute.budget(actions, record)
    coverage = compute.coverage(rows)
    return render_template(
        "roadmap/progress.html",
        roadmap=record,
        progress=state,
        budget=money,
        coverage=coverage,
        coverage_sentence=figures.coverage_sentence(coverage),
        coverage_labels=figures.coverage_labels(),
        coverage_colours=figures.COLOURS,
        status_bars=figures.status_bars(state),
        budget_bars=figures.budget_bars(money),
        charts=figures.progress_charts(state, money, coverage),
        late=[a for a in actions if a.is_late(on)],
        themes=_theme_budget(actions),
        may_export=allowed_on(record, Action.EXPORT),
        export_form=forms.ExportForm(formdata=None),
    )


def _theme_budget(actions):
    rows = []
    for label, members in figures.groups(actions, "theme"):
        rows.append((label, len(members), compute.budget(members)))
    return rows


@routes.post("/<int:roadmap_id>/export")
def export(roadmap_id: int):
    record = get_or_404(Roadmap, roadmap_id, Action.EXPORT)
    if not forms.ExportForm().validate_on_submit():
        abort(400)
    db = get_session()
    data, exported = export_roadmap_report(db, record, actor=current_user)
    response = send_document(db, data, exported, current_user)
    db.commit()
    return response
