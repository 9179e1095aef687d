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
from datetime import date, timedelta
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
    # the inputs of the management review (ISO 27001 9.3.2), in the order the review lists them
    review_inputs: list[ReviewInput] = field(default_factory=list)

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

    def add_review_input(self, entry: ReviewInput) -> None:
        self.review_inputs.append(entry)
        self.review_inputs.sort(key=lambda known: known.order)

    def review_sections(self, session, period: ReviewPeriod) -> list[ReviewSection]:
        """What every register contributes to a management review of `period`."""
        sections = []
        for entry in self.review_inputs:
            section = entry.provider(session, period)
            if section is not None:
                sections.append(section)
        return sections

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
class ReviewPeriod:
    """The period a management review looks back on, both days included, and the scope it
    reads: every organisation (None) or the ids given."""

    start: date
    end: date
    organisation_ids: tuple[int, ...] | None = None

    def previous(self) -> ReviewPeriod:
        """The period of the same length just before, for the trends."""
        length = self.end - self.start
        end = self.start - timedelta(days=1)
        return ReviewPeriod(end - length, end, self.organisation_ids)


@dataclass(frozen=True)
class ReviewFigure:
    """One figure of a review input: a stable key (for the trend against the previous period
    and the tests), its French label and its value."""

    key: str
    label: object  # a translated string
    value: int | float | str | None


@dataclass(frozen=True)
class ReviewSection:
    """What one register contributes to the management review: the 9.3.2 item it answers
    ("c) 1)", ...), a title, its figures, and optionally a table (header labels and rows of
    plain values) and the page that lists the records behind it."""

    key: str
    clause: str
    title: object
    figures: tuple[ReviewFigure, ...] = ()
    header: tuple[object, ...] = ()
    rows: tuple[tuple[object, ...], ...] = ()
    endpoint: str | None = None

    def figure(self, key: str) -> ReviewFigure | None:
        return next((figure for figure in self.figures if figure.key == key), None)


@dataclass(frozen=True)
class ReviewInput:
    """An input a register gives the management review: provider(session, period: ReviewPeriod)
    -> ReviewSection or None, computed from the register's records in the period and scope."""

    key: str
    provider: Callable
    order: int = 100


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
    review_inputs: tuple[ReviewInput, ...] = ()
    document_types: tuple[DocumentType, ...] = ()
    # `compliance <command>`, `compliance import <command>`, `compliance export <command>`
    commands: tuple[click.Command, ...] = ()
    import_commands: tuple[click.Command, ...] = ()
    export_commands: tuple[click.Command, ...] = ()
    demo: Callable | None = None  # load(session, *, actor): the demo data, idempotent
    template_globals: Mapping[str, Any] = field(default_factory=dict)  # for every page
