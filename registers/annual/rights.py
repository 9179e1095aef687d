"""The rights requests' section of the report, behind one adapter: the rights register answers
`annual_figures(session, organisation_ids, year)` with its counts, and the report reads only
what that answer promises (the counts of KEYS and `by_right`), each right with its label."""

from __future__ import annotations

from sqlalchemy.orm import Session

from registers.rights.queries import annual_figures
from registers.rights.schemas import RightKind

KEYS = (
    "received",
    "answered_on_time",
    "answered_late",
    "extended",
    "refused",
    "withdrawn",
    "open",
)


def rights_figures(session: Session, organisation_ids, year: int) -> dict:
    """The rights requests the organisations received during the year: the counts of KEYS
    and `by_right` ({right code: count}, every right listed, in the register's order)."""
    answer = annual_figures(session, list(organisation_ids), year)
    figures = {key: int(answer.get(key) or 0) for key in KEYS}
    by_right = answer.get("by_right") or {}
    figures["by_right"] = {kind.value: int(by_right.get(kind.value) or 0) for kind in RightKind}
    return figures


def right_labels() -> dict[str, str]:
    return {kind.value: str(kind.label) for kind in RightKind}
