"""Registre: the compliance register of a shared DPO and CISO service."""

from __future__ import annotations

import importlib
import logging

from flask import Flask
from sqlalchemy import MetaData
from sqlmodel import SQLModel

# audit installs the session hooks of the audit trail; with auth, documents, notices,
# numbering, ratelimit and tenancy, it holds the kernel's tables (see load_models).
from compliance import (  # noqa: F401
    account,
    admin,
    audit,
    auth,
    crypto,
    document_views,
    documents,
    i18n,
    inputs,
    mfa_views,
    notices,
    numbering,
    ratelimit,
    tenancy,
    web,
)
from compliance.config import ensure_secrets, load_settings
from compliance.db import Database
from compliance.errors import init_errors
from compliance.login import init_login
from compliance.mount import mount_registers, register_specs
from compliance.ratelimit import make_throttle
from compliance.registry import Registry
from compliance.schema import init_schema_check
from compliance.security import init_security

# The registers this application mounts, in navigation order (the only place that lists them).
REGISTERS: list[str] = [
    "applications",
    "incidents",
    "roadmap",
    "processing",
    "breaches",
    "dpia",
    "rights",
    "annual",
    "watch",
    "risks",
    "audits",
]


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="static",
        instance_relative_config=False,
    )
    app.config.update(load_settings())
    if config:
        app.config.update(config)
    ensure_secrets(app.config)
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    logging.getLogger("alembic").setLevel(logging.WARNING)
    register_extensions(app)
    register_blueprints(app)
    mount_registers(app, register_specs(REGISTERS))
    init_errors(app)
    init_security(app)
    return app


def register_extensions(app: Flask) -> None:
    Database(app)
    inputs.init_app(app)
    app.extensions["registry"] = Registry()
    app.extensions["login_throttle"] = make_throttle(app)
    crypto.init_app(app)
    i18n.init_app(app)
    init_login(app)
    init_schema_check(app)


def register_blueprints(app: Flask) -> None:
    """The kernel's pages (its API is mounted with the registers', which nest in it)."""
    app.register_blueprint(web.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(mfa_views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(document_views.verify_bp)
    app.register_blueprint(document_views.templates_bp)


def load_models() -> MetaData:
    """Import every table so SQLModel.metadata is complete; returns that metadata."""
    # The kernel's tables are imported above; the registers' are looked up by name.
    for name in REGISTERS:
        importlib.import_module(f"registers.{name}.models")
    return SQLModel.metadata
