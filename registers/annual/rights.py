"""The rights requests' section of the report, behind one adapter: the rights register
answers `annual_figures(session, organisation_ids, year)` with its counts, and the report
only reads what that answer promises. Without the rights register, the section is left out
(None), never filled with made-up figures."""

from __future__ import annotations

import importlib

from sqlalchemy.orm import Session

KEYS = (
    "received",
    "answered_on_time",
    "answered_late",
    "extended",
    "refused",
    "withdrawn",
    "open",
)


def _provider():
    try:
        queries = importlib.import_module("registers.rights.queries")
    except ModuleNotFoundError:
        return None
    return getattr(queries, "annual_figures", None)


def available() -> bool:
    return _provider() is not None


def rights_figures(session: Session, organisation_ids, year: int) -> dict | None:
    """The rights requests of the organisations for the year: the counts of KEYS and
    `by_right` ({right code: count}); None when the product has no rights register."""
    provider = _provider()
    if provider is None:
        return None
    answer = provider(session, list(organisation_ids), year)
    figures = {key: int(answer.get(key, 0) or 0) for key in KEYS}
    figures["by_right"] = {
        str(code): int(count or 0) for code, count in (answer.get("by_right") or {}).items()
    }
    return figures
