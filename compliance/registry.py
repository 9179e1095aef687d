"""How registers plug into shared pages without the kernel importing them.

A register says, for example, "on an application's page, here is my panel" or "on the
dashboard, here is my widget"; the page asks the registry and renders what it gets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field


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
    # OpenAPI path items contributed by each register's api module
    api_paths: dict[str, dict] = field(default_factory=dict)
    api_schemas: dict[str, dict] = field(default_factory=dict)

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


def get_registry() -> Registry:
    from flask import current_app

    return current_app.extensions["registry"]
