"""Demo data of the application map."""

from __future__ import annotations


def load(session, *, actor) -> None:
    """Idempotent: filled in with the shipped catalogue and the members' deployments."""
