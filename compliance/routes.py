"""URL rules declared by a view module, added to a blueprint by the package that builds it.

A view module declares its rules on its own collector (``routes = Routes()``,
``@routes.get("/incidents")``); the package's ``__init__`` builds the blueprint and adds each
module's rules explicitly, so no rule is registered by the side effect of an import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint


@dataclass(frozen=True)
class Rule:
    rule: str
    endpoint: str
    view: Callable
    options: dict


@dataclass
class Routes:
    """The URL rules of one view module, in the order they are declared."""

    rules: list[Rule] = field(default_factory=list)

    def route(self, rule: str, **options) -> Callable[[Callable], Callable]:
        def declare(view: Callable) -> Callable:
            endpoint = options.pop("endpoint", None) or view.__name__
            self.rules.append(Rule(rule, endpoint, view, options))
            return view

        return declare

    def get(self, rule: str, **options) -> Callable[[Callable], Callable]:
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options) -> Callable[[Callable], Callable]:
        return self.route(rule, methods=["POST"], **options)

    def add_to(self, blueprint: Blueprint) -> None:
        """Add these rules to `blueprint` (endpoint names relative to it)."""
        for rule in self.rules:
            blueprint.add_url_rule(rule.rule, rule.endpoint, rule.view, **rule.options)


def blueprint(name: str, import_name: str, *modules, **options) -> Blueprint:
    """A blueprint holding the rules of `modules` (each with a ``routes`` collector), in order."""
    built = Blueprint(name, import_name, **options)
    for module in modules:
        module.routes.add_to(built)
    return built
