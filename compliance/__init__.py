"""Registre: the compliance register of a shared DPO and CISO service."""

from __future__ import annotations

import logging

from flask import Flask

from compliance.config import ensure_secrets, load_settings


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
    register_registers(app)
    register_errorhandlers(app)
    register_security(app)
    return app


def register_extensions(app: Flask) -> None:
    import compliance.audit  # noqa: F401 (installs the session hooks of the audit trail)
    from compliance import crypto, i18n, inputs
    from compliance.db import Database
    from compliance.login import init_login
    from compliance.ratelimit import make_throttle
    from compliance.registry import Registry
    from compliance.schema import init_schema_check

    Database(app)
    inputs.init_app(app)
    app.extensions["registry"] = Registry()
    app.extensions["login_throttle"] = make_throttle(app)
    crypto.init_app(app)
    i18n.init_app(app)
    init_login(app)
    init_schema_check(app)


def register_blueprints(app: Flask) -> None:
    from compliance import account, admin, api, document_views, mfa_views, web

    app.register_blueprint(web.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(mfa_views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(document_views.verify_bp)
    app.register_blueprint(document_views.templates_bp)


def register_registers(app: Flask) -> None:
    """The registers this application mounts (the only place that lists them)."""
    registry = app.extensions["registry"]
    app.extensions["register_names"] = list(REGISTERS)
    for module in _register_modules():
        module.init_app(app, registry)


# The registers this application mounts, in navigation order.
REGISTERS: list[str] = ["applications", "incidents", "roadmap", "processing", "breaches"]


def _register_modules() -> list:
    import importlib

    return [importlib.import_module(f"registers.{name}") for name in REGISTERS]


def load_models():
    """Import every table so SQLModel.metadata is complete; returns that metadata."""
    import importlib

    from sqlmodel import SQLModel

    import compliance.audit
    import compliance.auth
    import compliance.documents
    import compliance.numbering
    import compliance.ratelimit
    import compliance.tenancy  # noqa: F401

    for name in REGISTERS:
        importlib.import_module(f"registers.{name}.models")
    return SQLModel.metadata


def register_errorhandlers(app: Flask) -> None:
    from compliance.errors import init_errors

    init_errors(app)


def register_security(app: Flask) -> None:
    from compliance.security import init_security

    init_security(app)
