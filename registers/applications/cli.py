"""`compliance import applications` (and the register's other commands)."""

from __future__ import annotations


def register_commands(*, import_group, export_group, main) -> None:
    """Mount this register's commands on the `compliance` groups."""
