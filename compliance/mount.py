"""Mounting the registers: each declares a ``RegisterSpec`` (``registers/<name>/__init__.py``);
the application and the command line mount every spec the same way, here.

The kernel names no register: the composition root (``compliance.REGISTERS``) lists them, and
their specs are looked up by name."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

import click
from flask import Flask

from compliance import api
from compliance.documents import register_document_type
from compliance.registry import RegisterSpec, Registry


def register_specs(names: Iterable[str]) -> list[RegisterSpec]:
    """The spec of each register named, in that order."""
    return [importlib.import_module(f"registers.{name}").SPEC for name in names]


def mount_registers(app: Flask, specs: Iterable[RegisterSpec]) -> None:
    """Register each spec's pages, its API (nested in the kernel's API blueprint), navigation,
    panels, gates, reminders, Word documents and template globals on `app`."""
    specs = list(specs)
    registry: Registry = app.extensions["registry"]
    app.extensions["register_names"] = [spec.name for spec in specs]
    for spec in specs:
        for blueprint in spec.blueprints:
            app.register_blueprint(blueprint)
        for entry in spec.nav:
            registry.add_nav(entry.endpoint, entry.label, spec.register.value, order=entry.order)
        for panel in spec.panels:
            registry.add_panel(panel.slot, panel.provider, order=panel.order)
        for gate in spec.gates:
            registry.add_gate(gate.name, gate.check)
        for kind in spec.notices:
            registry.add_notice_kind(kind)
        for hook in spec.hooks:
            registry.add_hook(hook.name, hook.react)
        for entry in spec.review_inputs:
            registry.add_review_input(entry)
        for document_type in spec.document_types:
            register_document_type(app, document_type)
        app.jinja_env.globals.update(spec.template_globals)
    app.register_blueprint(api.blueprint(spec.api for spec in specs if spec.api is not None))


def mount_commands(
    specs: Iterable[RegisterSpec],
    *,
    main: click.Group,
    import_group: click.Group,
    export_group: click.Group,
) -> None:
    """Add each spec's commands to `compliance`, `compliance import` and `compliance export`."""
    for spec in specs:
        for command in spec.commands:
            main.add_command(command)
        for command in spec.import_commands:
            import_group.add_command(command)
        for command in spec.export_commands:
            export_group.add_command(command)
