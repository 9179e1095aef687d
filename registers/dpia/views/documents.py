"""A DPIA's documents: its Word export (or PDF), the CNIL PIA software's file, and a new DPIA
of an activity started from such a file."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired

from compliance.access import get_or_404, require
from compliance.db import get_session
from compliance.document_views import send_document
from compliance.forms import Form
from compliance.permissions import Action
from compliance.routes import Routes
from registers.dpia import pia_json, services
from registers.dpia.export import export_dpia
from registers.dpia.queries import REGISTER
from registers.dpia.views.helpers import load
from registers.processing.models import ProcessingActivity

routes = Routes()


class DownloadForm(Form):
    """A download that is recorded: a POST, so it carries the CSRF token."""


class PiaImportForm(Form):
    file = FileField(
        _l("Fichier exporté par le logiciel PIA de la CNIL (.json)"),
        validators=[FileRequired(_l("Choisissez un fichier."))],
    )


@routes.post("/<int:dpia_id>/export")
def export_word(dpia_id: int):
    dpia = load(dpia_id, Action.EXPORT)
    if not DownloadForm().validate_on_submit():
        abort(400)
    db = get_session()
    data, record = export_dpia(db, dpia, actor=current_user)
    response = send_document(db, data, record, current_user)
    db.commit()
    return response


@routes.post("/<int:dpia_id>/export/pia-json")
def export_pia_json(dpia_id: int):
    dpia = load(dpia_id, Action.EXPORT)
    if not DownloadForm().validate_on_submit():
        abort(400)
    db = get_session()
    data = pia_json.export_pia(db, dpia, actor=current_user)
    db.commit()
    return send_file(
        io.BytesIO(data),
        mimetype="application/json",
        as_attachment=True,
        download_name=pia_json.filename(dpia),
        max_age=0,
    )


@routes.route("/import/<int:activity_id>", methods=["GET", "POST"])
def import_pia(activity_id: int):
    activity = get_or_404(ProcessingActivity, activity_id)
    # The file brings the principles and the risks, which are the DPO's to write.
    require(REGISTER, Action.CREATE, organisation_id=activity.organisation_id)
    require(REGISTER, Action.VALIDATE, organisation_id=activity.organisation_id)
    form = PiaImportForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        try:
            dpia, content = pia_json.import_pia(
                db, form.file.data.read(pia_json.MAX_FILE_SIZE + 1), activity, actor=current_user
            )
        except services.PermissionDenied:
            db.rollback()
            abort(403)
        except (pia_json.PiaFileError, services.WorkflowError) as refused:
            db.rollback()
            error = _("Le fichier n'a pas été importé : %(error)s", error=str(refused))
            form.file.errors = [*form.file.errors, error]
        else:
            db.commit()
            flash(
                _(
                    "AIPD %(reference)s créée en brouillon depuis le fichier du logiciel PIA.",
                    reference=dpia.reference,
                ),
                "success",
            )
            if content["ignored_answers"] or content["comments"]:
                flash(
                    _(
                        "Non repris : %(answers)d réponse(s) hors de la structure de la CNIL, "
                        "%(comments)d commentaire(s).",
                        answers=content["ignored_answers"],
                        comments=content["comments"],
                    ),
                    "warning",
                )
            return redirect(url_for(".detail", dpia_id=dpia.id))
    elif form.is_submitted():
        error = True
    status = 400 if error else 200
    return render_template("dpia/import.html", activity=activity, form=form), status
