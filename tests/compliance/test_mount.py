"""How registers are mounted: URL rules declared per module, each register's spec mounted on
the application (its API nested in the kernel's, behind its authentication) and on the CLI."""

from __future__ import annotations

from flask import Blueprint, Flask

from compliance import REGISTERS
from compliance.cli import export_group, import_group, main
from compliance.mount import register_specs
from compliance.routes import Routes, blueprint


def test_routes_are_added_to_a_blueprint_in_declaration_order():
    routes = Routes()

    @routes.get("/")
    def index():
        return "index"

    @routes.route("/new", methods=["GET", "POST"])
    def create():
        return "create"

    @routes.post("/<int:record_id>/archive", endpoint="remove")
    def archive(record_id):
        return f"archive {record_id}"

    module = type("Module", (), {"routes": routes})
    app = Flask(__name__)
    app.register_blueprint(blueprint("things", __name__, module, url_prefix="/things"))
    rules = [
        (rule.endpoint, rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}))
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
    ]
    assert rules == [
        ("things.index", "/things/", ["GET"]),
        ("things.create", "/things/new", ["GET", "POST"]),
        ("things.remove", "/things/<int:record_id>/archive", ["POST"]),
    ]
    assert app.test_client().post("/things/3/archive").text == "archive 3"


def test_every_register_declares_a_spec_in_the_order_of_the_composition_root():
    specs = register_specs(REGISTERS)
    assert [spec.name for spec in specs] == REGISTERS
    for spec in specs:
        assert spec.blueprints and all(isinstance(bp, Blueprint) for bp in spec.blueprints)
        assert spec.api is not None and spec.api.url_prefix is None
        assert spec.demo is not None


def test_the_registers_apis_are_nested_in_the_kernels(app):
    api_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")]
    assert api_rules
    assert all(rule.endpoint.startswith("api.") for rule in api_rules)
    for spec in register_specs(REGISTERS):
        assert app.blueprints[f"api.{spec.api.name}"] is spec.api
    assert {"api.incidents.incident", "api.applications.application", "api.me"} <= {
        rule.endpoint for rule in api_rules
    }


def test_a_nested_api_rule_needs_a_token_and_is_never_cached(client):
    response = client.get("/api/v1/incidents")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_registers_navigation_panels_and_documents_are_mounted(app):
    registry = app.extensions["registry"]
    registers = {spec.register.value for spec in register_specs(REGISTERS)}
    assert [item.endpoint for item in registry.nav if item.register in registers] == [
        "applications.index",
        "processing.index",
        "dpia.index",
        "incidents.index",
        "watch.index",
        "breaches.index",
        "rights.index",
        "risks.index",
        "roadmap.index",
        "audits.index",
        "annual.index",
    ]
    # The DPO's incidents awaiting a breach decision come first, then the 72-hour clocks and
    # the rights requests' due dates.
    assert [order for order, _provider in registry.panels["dashboard"]] == [
        14,
        15,
        16,
        18,
        20,
        30,
        40,
    ]
    assert [check.__name__ for check in registry.gates["incident_close"]] == ["closing_errors"]
    assert "api.incidents.incidents" in app.view_functions
    assert "countdown_formats" in app.jinja_env.globals


def test_the_cli_mounts_every_registers_commands():
    assert {"applications", "processing"} <= set(import_group.commands)
    assert {
        "application-map",
        "incident",
        "incidents",
        "corrective-actions",
        "register",
        "processor-register",
        "roadmap",
        "breaches",
        "breach",
        "annual-report",
    } <= set(export_group.commands)
    assert "incidents" in main.commands


def test_review_inputs_are_mounted_in_order_and_skip_registers_with_nothing_to_say():
    from datetime import date

    from compliance.mount import mount_registers
    from compliance.permissions import Register
    from compliance.registry import (
        RegisterSpec,
        Registry,
        ReviewFigure,
        ReviewInput,
        ReviewPeriod,
        ReviewSection,
    )

    def counted(session, period):
        figure = ReviewFigure("n", "n", period.start.day)
        return ReviewSection("counted", "c) 1)", "Comptés", (figure,))

    app = Flask(__name__)
    app.extensions["registry"] = Registry()
    spec = RegisterSpec(
        name="things",
        register=Register.INCIDENTS,
        review_inputs=(
            ReviewInput("silent", lambda session, period: None, order=5),
            ReviewInput("counted", counted, order=1),
        ),
    )
    mount_registers(app, [spec])
    period = ReviewPeriod(date(2026, 1, 1), date(2026, 12, 31))
    sections = app.extensions["registry"].review_sections(None, period)
    assert [section.key for section in sections] == ["counted"]
    assert sections[0].figure("n").value == 1
    assert sections[0].figure("missing") is None


def test_a_review_period_s_previous_period_has_the_same_length_and_ends_the_day_before():
    from datetime import date

    from compliance.registry import ReviewPeriod

    period = ReviewPeriod(date(2026, 1, 1), date(2026, 12, 31), (3,))
    previous = period.previous()
    assert previous == ReviewPeriod(date(2025, 1, 1), date(2025, 12, 31), (3,))
    assert previous.end - previous.start == period.end - period.start
