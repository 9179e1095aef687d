"""The application map's JSON API under /api/v1/: applications, vendors, deployments."""

from __future__ import annotations

from flask import Blueprint

from compliance import api as kernel_api
from compliance.security import csrf

bp = Blueprint("applications_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.before_request(kernel_api._authenticate)

PATHS: dict[str, dict] = {}
SCHEMAS: dict[str, dict] = {}
