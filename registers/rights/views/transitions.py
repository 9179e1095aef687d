"""The detail page of a request and its transitions: start, extend (Art. 12(3)), answer,
refuse, withdraw, close (Art. 19) and reopen, each an explicit POST behind its gate in the
services. A refused transition shows the detail page again with the form's messages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from compliance.access import allowed_on, get_or_404
from compliance.db import ConflictError, get_session
from compliance.forms import submit
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.services import FieldErrors
from registers.rights import forms, services
from registers.rights.models import RightsRequest
from registers.rights.queries import DETAIL_OPTIONS
from registers.rights.schemas import (
    OPEN_STATUSES,
    Answer,
    Closing,
    Extension,
    Refusal,
    RightsStatus,
    Withdrawal,
)
from registers.rights.views.helpers import suggested_applications

routes = Routes()

# Each transition with a form: its form class, the schema its values go through, the service.
FORMS = {
    "extend": (forms.ExtensionForm, Extension, services.extend_request),
    "answer": (forms.AnswerForm, Answer, services.answer_request),
    "refuse": (forms.RefusalForm, Refusal, services.refuse_request),
    "withdraw": (forms.WithdrawalForm, Withdrawal, services.withdraw_request),
    "close": (forms.ClosingForm, Closing, services.close_request),
}
MESSAGES = {
    "extend": lambda: _("Délai prolongé de deux mois."),
    "answer": lambda: _("Réponse enregistrée."),
    "refuse": lambda: _("Refus enregistré."),
    "withdraw": lambda: _("Retrait de la demande enregistré."),
    "close": lambda: _("Demande clôturée."),
}


def _available(record) -> set[str]:
    """The transitions the request's status allows."""
    if record.status in OPEN_STATUSES:
        names = {"answer", "refuse", "withdraw"}
        if record.extended_due_on is None:
            names.add("extend")
        if record.status == RightsStatus.RECEIVED:
            names.add("start")
        return names
    if record.status == RightsStatus.CLOSED:
        return {"reopen"}
    return {"close"}


def render_detail(record, *, failed: str | None = None, failed_form=None, status=200):
    editing = allowed_on(record, Action.EDIT)
    available = _available(record) if editing else set()
    transition_forms = {}
    for name, (form_cls, _schema, _service) in FORMS.items():
        if name not in available:
            continue
        if name == failed:
            transition_forms[name] = failed_form
            continue
        defaults = {"version": record.version}
        if name == "close":
            defaults |= {
                "recipients_informed": record.recipients_informed,
                "recipients_informed_on": record.recipients_informed_on,
            }
        transition_forms[name] = form_cls(formdata=None, **defaults)
    return render_template(
        "rights/detail.html",
        record=record,
        editable=editing and record.status != RightsStatus.CLOSED,
        available=available,
        transition_forms=transition_forms,
        action_form=forms.ActionForm(formdata=None, version=record.version),
        suggested=suggested_applications(record),
        needs_recipients=services.needs_recipients(record),
        may_export=allowed_on(record, Action.EXPORT),
    ), status


def _transition(request_id: int, name: str):
    record = get_or_404(RightsRequest, request_id, Action.EDIT, options=DETAIL_OPTIONS)
    form_cls, schema, service = FORMS[name]
    form = form_cls()
    done, _conflict, status = submit(
        form,
        lambda: service(
            get_session(),
            record,
            form.checked(schema),
            actor=current_user,
            version=form.submitted_version(),
        ),
        reload=lambda: get_or_404(RightsRequest, request_id),
    )
    if not done:
        if status == 409:
            flash(_("La demande a changé entre-temps : vérifiez-la, puis recommencez."), "error")
        fresh = get_or_404(RightsRequest, request_id, options=DETAIL_OPTIONS)
        return render_detail(fresh, failed=name, failed_form=form, status=status)
    flash(MESSAGES[name](), "success")
    if name in ("answer", "refuse") and record.refusal_late:
        flash(
            _(
                "Refus notifié après l'échéance du premier mois (%(due)s) : les motifs du refus "
                "sont dus dans le mois, même quand le délai est prolongé (article 12.4). Le "
                "refus est enregistré comme tardif.",
                due=format_date(record.due_on, "long"),
            ),
            "info",
        )
    return redirect(url_for(".detail", request_id=request_id, _anchor="suite"))


def _simple(request_id: int, change, message: str):
    record = get_or_404(RightsRequest, request_id, Action.EDIT)
    form = forms.ActionForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    try:
        change(db, record, actor=current_user, version=form.submitted_version())
        db.commit()
    except ConflictError:
        db.rollback()
        flash(_("La demande a changé entre-temps : vérifiez-la, puis recommencez."), "error")
        return redirect(url_for(".detail", request_id=request_id))
    except FieldErrors as error:
        db.rollback()
        for text in error.errors.values():
            flash(text[:1].upper() + text[1:] + ".", "error")
        return redirect(url_for(".detail", request_id=request_id))
    flash(message, "success")
    return redirect(url_for(".detail", request_id=request_id, _anchor="suite"))


@routes.post("/<int:request_id>/start")
def start(request_id: int):
    return _simple(request_id, services.start_request, _("Traitement de la demande commencé."))


@routes.post("/<int:request_id>/extend")
def extend(request_id: int):
    return _transition(request_id, "extend")


@routes.post("/<int:request_id>/answer")
def answer(request_id: int):
    return _transition(request_id, "answer")


@routes.post("/<int:request_id>/refuse")
def refuse(request_id: int):
    return _transition(request_id, "refuse")


@routes.post("/<int:request_id>/withdraw")
def withdraw(request_id: int):
    return _transition(request_id, "withdraw")


@routes.post("/<int:request_id>/close")
def close(request_id: int):
    return _transition(request_id, "close")


@routes.post("/<int:request_id>/reopen")
def reopen(request_id: int):
    return _simple(request_id, services.reopen_request, _("Demande rouverte."))
