"""Closed lists with their translated labels, declared in one place per enum."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext


class LabeledEnum(StrEnum):
    """A string enum whose members carry a translated label (`__labels__`)."""

    @property
    def label(self) -> str:
        labels = type(self).__labels__()
        return str(labels.get(self, self.value))

    @classmethod
    def __labels__(cls) -> dict:
        return {}

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


__all__ = ["LabeledEnum", "lazy_gettext"]
