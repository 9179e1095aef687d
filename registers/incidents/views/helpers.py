"""What the incident log's pages share: the template helpers of the blueprint, and the Word
download."""

from __future__ import annotations

from flask_babel import format_date
from flask_login import current_user

from compliance.document_views import send_document
from registers.incidents.common import today
from registers.incidents.models import Severity

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def template_helpers():
    return {
        "format_date": format_date,
        "today": today(),
        "Severity": Severity,
    }


def docx_response(db, data: bytes, record):
    """The Word file, or its PDF when the form asked for it; then the export is kept."""
    response = send_document(db, data, record, current_user)
    db.commit()
    return response
