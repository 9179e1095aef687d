"""Downloads of the record of processing activities: the Word register of an organisation, one
activity's sheet, the spreadsheet, and the processor's register (Art. 30(2)) of the host with
its page. Every Word export is recorded and audited; a download is a POST, since it writes that
record."""

from __future__ import annotations

import io

from flask import abort, render_template, request, send_file
from flask_login import current_user
from flask_wtf import FlaskForm

from compliance import audit
from compliance.access import get_or_404, require
from compliance.auth import can
from compliance.db import get_session
from compliance.document_views import DOCX_MIMETYPE, send_document
from compliance.permissions import Action
from compliance.routes import Routes
from compliance.tenancy import Organisation, slugify
from registers.processing import export, processor, spreadsheet
from registers.processing.models import ProcessingActivity
from registers.processing.queries import REGISTER, organisation_activities

routes = Routes()

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _send(data: bytes, filename: str, mimetype: str = DOCX_MIMETYPE):
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0
    )


def require_form():
    """A download button posts only its CSRF token."""
    if not FlaskForm().validate_on_submit():
        abort(400)


@routes.post("/registers/<slug>/export")
def export_register(slug: str):
    organisation = get_or_404(Organisation, slug, Action.EXPORT, by="slug", register=REGISTER)
    require_form()
    db = get_session()
    # Activities not validated go in an annex, unless the user asks to leave them out.
    include_pending = request.form.get("validated_only") != "1"
    data, record = export.export_register(
        db, organisation, actor=current_user, include_pending=include_pending
    )
    response = send_document(db, data, record, current_user)
    db.commit()
    return response


@routes.post("/activities/<int:activity_id>/export")
def export_activity(activity_id: int):
    activity = get_or_404(ProcessingActivity, activity_id, Action.EXPORT)
    require_form()
    db = get_session()
    data, record = export.export_activity(db, activity, actor=current_user)
    response = send_document(db, data, record, current_user)
    db.commit()
    return response


@routes.post("/registers/<slug>/export.xlsx")
def export_xlsx(slug: str):
    organisation = get_or_404(Organisation, slug, Action.EXPORT, by="slug", register=REGISTER)
    require_form()
    activities = organisation_activities(organisation.id)
    data = spreadsheet.export_xlsx(activities, title=organisation.name)
    db = get_session()
    audit.record(
        db,
        action="export",
        actor=current_user,
        target=organisation,
        summary=f"Spreadsheet of the register of {organisation.name} ({len(activities)} rows)",
    )
    db.commit()
    return _send(data, f"registre-{slugify(organisation.name)}.xlsx", XLSX_MIMETYPE)


# --- the processor's register -----------------------------------------------------------------


@routes.get("/processor")
def processor_register():
    host = processor.host_organisation(get_session())
    host = get_or_404(Organisation, getattr(host, "id", None), register=REGISTER)
    register = processor.processor_register(get_session(), host)
    return render_template(
        "processing/processor.html",
        host=host,
        register=register,
        context=export.processor_context(register),
        may_export=can(REGISTER, Action.EXPORT, host.id),
    )


@routes.post("/processor/export")
def export_processor_register():
    host = processor.host_organisation(get_session())
    host = get_or_404(Organisation, getattr(host, "id", None), register=REGISTER)
    require(REGISTER, Action.EXPORT, organisation_id=host.id)
    require_form()
    db = get_session()
    data, record = export.export_processor_register(db, actor=current_user)
    response = send_document(db, data, record, current_user)
    db.commit()
    return response
