"""How registers plug into shared pages without the kernel importing them.

A register says, for example, "on an application's page, here is my panel" or "on the
dashboard, here is my widget"; the page asks the registry and renders what it gets. It may also
hold a gate on another register's change of state ("an incident closes only once each
controller has decided"): the service making the change asks the registry for the gate's
messages, so the page, the API and the command line all obey it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import click
from flask import Blueprint, current_app

from compliance.documents import DocumentType
from compliance.notices import NoticeKind
from compliance.permissions import Register


@dataclass
class NavItem:
    endpoint: str
    label: object  # a lazy translated string
    register: str
    order: int = 100


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    # slot name ("application", "incident", "dashboard", ...) -> [(order, provider)]
    panels: dict[str, list[tuple[int, Callable]]] = field(default_factory=lambda: defaultdict(list))
    # gate name ("incident_close", ...) -> [check(session, record) -> {field: message}]
    gates: dict[str, list[Callable]] = field(default_factory=lambda: defaultdict(list))
    # the kinds of e-mail reminder (`compliance notify`), in the order the messages list them
    notice_kinds: list[NoticeKind] = field(default_factory=list)
    # hook name ("processing_changed", ...) -> [react(session, record, **details)]
    hooks: dict[str, list[Callable]] = field(default_factory=lambda: defaultdict(list))

    def add_nav(self, endpoint: str, label, register: str, order: int = 100) -> None:
        self.nav.append(NavItem(endpoint, label, register, order))
        self.nav.sort(key=lambda item: item.order)

    def add_panel(self, slot: str, provider: Callable, order: int = 100) -> None:
        """provider(record_or_context) returns None or a dict(title=..., template=..., **data)."""
        self.panels[slot].append((order, provider))
        self.panels[slot].sort(key=lambda pair: pair[0])

    def panels_for(self, slot: str, subject) -> list[dict]:
        result = []
        for _order, provider in self.panels.get(slot, []):
            panel = provider(subject)
            if panel:
                result.append(panel)
        return result

    def add_notice_kind(self, kind: NoticeKind) -> None:
        self.notice_kinds.append(kind)
        self.notice_kinds.sort(key=lambda known: known.order)

    def add_gate(self, name: str, check: Callable) -> None:
        self.gates[name].append(check)

    def gate_errors(self, name: str, session, record) -> dict[str, str]:
        """The messages of every check of the gate `name` on `record` (empty: it may pass)."""
        errors: dict[str, str] = {}
        for check in self.gates.get(name, []):
            errors.update(check(session, record) or {})
        return errors

    def add_hook(self, name: str, react: Callable) -> None:
        self.hooks[name].append(react)

    def run_hooks(self, name: str, session, record, **details) -> None:
        for react in self.hooks.get(name, []):
            react(session, record, **details)


def get_registry() -> Registry:
    return current_app.extensions["registry"]


def gate_errors(name: str, session, record) -> dict[str, str]:
    """What the registers' checks of the gate `name` say against `record` (see `Gate`)."""
    return get_registry().gate_errors(name, session, record)


def run_hooks(name: str, session, record, **details) -> None:
    """Let the registers react to a change another register made (see `Hook`)."""
    get_registry().run_hooks(name, session, record, **details)


# --- what a register declares -----------------------------------------------------------------


@dataclass(frozen=True)
class Nav:
    """A navigation entry: the page it opens, its label and its place in the menu."""

    endpoint: str
    label: object  # a lazy translated string
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """What a register shows on another page: the slot ("application", "dashboard", ...), the
    provider (record_or_context -> None or dict(title=..., template=..., **data)) and its rank."""

    slot: str
    provider: Callable
    order: int = 100


@dataclass(frozen=True)
class Gate:
    """A check a register holds on another register's change of state: the gate's name
    ("incident_close", ...) and the check (session, record -> {field: French message}, empty
    when the change may go on). The service making the change runs every check of the gate."""

    name: str
    check: Callable


@dataclass(frozen=True)
class Hook:
    """A register's reaction to another register's change ("processing_changed", ...): the
    service making the change runs every reaction (session, record, **details) in its own
    transaction, and the reacting register writes what follows from it (flush, never commit)."""

    name: str
    react: Callable


@dataclass(frozen=True)
class RegisterSpec:
    """Everything the application and the command line mount for one register.

    Each ``registers/<name>/__init__.py`` declares its ``SPEC``; the kernel mounts every spec
    the same way (``compliance.mount``), and imports no register by name."""

    name: str
    register: Register  # the permission area of its pages
    blueprints: tuple[Blueprint, ...] = ()
    # Nested under the kernel's API blueprint (/api/v1), behind its authentication.
    api: Blueprint | None = None
    nav: tuple[Nav, ...] = ()
    panels: tuple[Panel, ...] = ()
    gates: tuple[Gate, ...] = ()
    # The e-mail reminders it sends (`compliance notify`): each kind, its role and its source.
    notices: tuple[NoticeKind, ...] = ()
    hooks: tuple[Hook, ...] = ()
    document_types: tuple[DocumentType, ...] = ()
    # `compliance <command>`, `compliance import <command>`, `compliance export <command>`
    commands: tuple[click.Command, ...] = ()
    import_commands: tuple[click.Command, ...] = ()
    export_commands: tuple[click.Command, ...] = ()
    demo: Callable | None = None  # load(session, *, actor): the demo data, idempotent
    template_globals: Mapping[str, Any] = field(default_factory=dict)  # for every page
