"""Pages of the management reviews: the list, a review with every register's section (figures,
trend against the previous period, table), the forms, "mark held" (which freezes the figures)
and the actions the review decides (each becomes a roadmap or a corrective action)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed_on, get_or_404, require
from compliance.auth import can
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.forms import submit
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.services import FieldErrors
from compliance.tenancy import visible_organisations
from registers.audits import export, forms, review, services
from registers.audits.models import ManagementReview
from registers.audits.queries import REGISTER, REVIEW_OPTIONS, visible_reviews
from registers.audits.schemas import DecidedActionCreate, ReviewCreate, ReviewUpdate
from registers.incidents.common import today

routes = Routes()


@routes.get("/")
def index():
    reviews = list(get_session().scalars(visible_reviews()))
    return render_template(
        "audits/reviews.html", reviews=reviews, may_create=can(REGISTER, Action.CREATE)
    )


@routes.route("/new", methods=["GET", "POST"])
def create():
    require(REGISTER, Action.CREATE)
    form = forms.ReviewForm()
    form.organisation_id.choices = [
        (o.id, o.name) for o in visible_organisations(REGISTER, Action.CREATE)
    ]
    if not form.is_submitted():
        year = today().year - 1
        form.period_start.data = today().replace(year=year, month=1, day=1)
        form.period_end.data = today().replace(year=year, month=12, day=31)
    created = []

    def write():
        values = form.checked(ReviewCreate)
        created.append(services.create_review(get_session(), values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(_("Revue %(reference)s créée.", reference=created[0].reference), "success")
        return redirect(url_for(".detail", review_id=created[0].id))
    return render_template("audits/review_form.html", form=form, record=None), status


@routes.get("/<int:review_id>")
def detail(review_id: int):
    return _render_detail(get_or_404(ManagementReview, review_id, options=REVIEW_OPTIONS))


def _render_detail(record, *, action_form=None, errors=None, status=200):
    return render_template(
        "audits/review.html",
        record=record,
        sections=review.sections_of(get_session(), record),
        editable=allowed_on(record, Action.EDIT),
        may_export=allowed_on(record, Action.EXPORT),
        action_form=action_form or forms.DecidedActionForm(prefix="decided"),
        errors=errors or {},
    ), status


@routes.route("/<int:review_id>/edit", methods=["GET", "POST"])
def edit(review_id: int):
    record = get_or_404(ManagementReview, review_id, Action.EDIT, options=REVIEW_OPTIONS)
    form = forms.ReviewForm(obj=record)
    form.organisation_id.choices = [(record.organisation_id, record.organisation.name)]
    done, conflict, status = submit(
        form,
        lambda: services.update_review(
            get_session(),
            record,
            form.checked(ReviewUpdate),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(ManagementReview, review_id),
    )
    if done:
        flash(_("Revue enregistrée."), "success")
        return redirect(url_for(".detail", review_id=record.id))
    return render_template(
        "audits/review_form.html", form=form, record=record, conflict=conflict
    ), status


@routes.post("/<int:review_id>/held")
def mark_held(review_id: int):
    record = get_or_404(ManagementReview, review_id, Action.EDIT, options=REVIEW_OPTIONS)
    session = get_session()
    try:
        services.mark_held(
            session, record, actor=current_user, version=request.form.get("version", type=int)
        )
        session.commit()
    except FieldErrors as error:
        session.rollback()
        record = get_or_404(ManagementReview, review_id, options=REVIEW_OPTIONS)
        return _render_detail(record, errors=error.errors, status=400)
    flash(_("Revue marquée tenue : ses chiffres sont figés."), "success")
    return redirect(url_for(".detail", review_id=record.id))


@routes.post("/<int:review_id>/actions")
def decide(review_id: int):
    record = get_or_404(ManagementReview, review_id, Action.EDIT, options=REVIEW_OPTIONS)
    form = forms.DecidedActionForm(prefix="decided")
    created = []

    def write():
        values = form.checked(DecidedActionCreate)
        created.append(services.decide_action(get_session(), record, values, actor=current_user))

    done, _conflict, status = submit(form, write)
    if done:
        flash(
            _(
                "Action décidée enregistrée : %(record)s.",
                record=created[0].record_reference or created[0].title,
            ),
            "success",
        )
        return redirect(url_for(".detail", review_id=record.id, _anchor="actions"))
    record = get_or_404(ManagementReview, review_id, options=REVIEW_OPTIONS)
    return _render_detail(record, action_form=form, status=status or 400)


@routes.post("/<int:review_id>/document")
def export_review(review_id: int):
    record = get_or_404(ManagementReview, review_id, Action.EXPORT, options=REVIEW_OPTIONS)
    if not forms.ExportForm().validate_on_submit():
        abort(400)
    db = get_session()
    data, exported = export.export_review(db, record, actor=current_user)
    response = send_document(db, data, exported, current_user)
    db.commit()
    return response
