"""Pages of the application map."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("applications", __name__, url_prefix="/applications")
