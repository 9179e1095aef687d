"""What the incident log's pages share: the reader check and the template helpers of the
blueprint, and the Word download."""

from __future__ import annotations

import io

from flask import abort, send_file
from flask_babel import format_date
from flask_login import login_required

from compliance.auth import can
from compliance.permissions import Action
from registers.incidents.common import today
from registers.incidents.models import Severity
from registers.incidents.queries import REGISTER, may_edit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
def require_reader():
    if not can(REGISTER, Action.READ):
        abort(403)


def template_helpers():
    return {
        "may_edit": may_edit,
        "format_date": format_date,
        "today": today(),
        "Severity": Severity,
    }


def docx_response(data: bytes, record):
    return send_file(
        io.BytesIO(data),
        mimetype=DOCX,
        as_attachment=True,
        download_name=record.filename,
    )
