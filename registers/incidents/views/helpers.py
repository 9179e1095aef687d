"""What the incident log's pages share: the template helpers of the blueprint, and the Word
download."""

from __future__ import annotations

import io

from flask import send_file
from flask_babel import format_date

from registers.incidents.common import today
from registers.incidents.models import Severity

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def template_helpers():
    return {
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
