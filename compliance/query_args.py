"""Reading list filters from a query string: a refused value is a FilterError naming its field."""

from __future__ import annotations

from flask_babel import gettext as _


class FilterError(ValueError):
    """A filter value that cannot be understood; `field` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def int_arg(args, name: str) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise FilterError(name, _("doit être un nombre entier")) from None


def enum_arg(args, name: str, enum_cls):
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_cls)
        raise FilterError(
            name, _("doit être l'une des valeurs : %(allowed)s", allowed=allowed)
        ) from None


def bool_arg(args, name: str) -> bool:
    return (args.get(name) or "").strip().lower() in {"1", "true", "yes", "on", "oui"}
