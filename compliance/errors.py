"""Error pages in the house style, and JSON errors under /api/."""

from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from compliance.crypto import KeyRingError
from compliance.db import ConflictError, get_session
from compliance.pdf import PdfUnavailable
from compliance.services import FieldErrors

PAGES = {400, 403, 404, 405, 409, 413, 429, 500}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, description: str | None = None):
    if _wants_json():
        return jsonify(error=_error_name(status), message=description or ""), status
    template = f"errors/{status}.html" if status in PAGES else "errors/generic.html"
    return render_template(template, status=status, description=description), status


def error_response(status: int, description: str | None = None):
    """The error page (or JSON error under /api/) of `status`, saying `description`."""
    return _render(status, description)


def _error_name(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        422: "invalid",
        429: "too_many_requests",
    }.get(status, "server_error")


def init_errors(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error):
        return _render(400, error.description if _wants_json() else None)

    @app.errorhandler(ConflictError)
    def _conflict(error):
        return _render(409, str(error))

    @app.errorhandler(FieldErrors)
    def _field_errors(error):
        # Invalid values or a refused reference that no view caught (the session's last check
        # refused them): the request changed nothing, and says which field.
        get_session().rollback()
        if _wants_json():
            message = _("Certaines valeurs sont invalides.")
            return jsonify(error="invalid", message=message, errors=error.errors), 422
        return _render(400, "; ".join(error.errors.values()))

    @app.errorhandler(StaleDataError)
    def _stale(error):
        # A row changed or vanished between load and flush that no version check caught.
        app.logger.warning("stale data: %s", error)
        return _render(409, None)

    @app.errorhandler(PdfUnavailable)
    def _pdf_unavailable(error):
        # LibreOffice is missing, failed or took too long: nothing was exported.
        get_session().rollback()
        app.logger.warning("PDF not produced: %s", error)
        if _wants_json():
            return jsonify(error="pdf_unavailable", message=str(error.message)), 503
        return render_template("errors/pdf.html", status=503, message=error.message), 503

    @app.errorhandler(KeyRingError)
    def _keyring(error):
        # Not a bug of the request: the data cannot be read until the right ring is back.
        app.logger.error("encryption key ring: %s", error)
        message = _("Le trousseau de clés de chiffrement ne permet pas de lire ces données.")
        if _wants_json():
            return jsonify(error="key_ring", message=message), 503
        return render_template("errors/keyring.html", status=503), 503

    @app.errorhandler(HTTPException)
    def _http(error):
        if isinstance(error, InternalServerError):
            return _render(500, None)
        return _render(error.code or 500, error.description if _wants_json() else None)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("unhandled error")
        return _render(500, None)
