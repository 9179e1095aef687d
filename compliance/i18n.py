"""French first, English available: the locale is the user's preference, then the default."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, session
from flask_babel import Babel, format_datetime, get_locale
from flask_login import current_user

from compliance.text import de

LANGUAGES = {"fr": "Français", "en": "English"}
PARIS = ZoneInfo("Europe/Paris")


# English dates are written day first, as the users' counterparts in Europe expect.
BABEL_LOCALES = {"fr": "fr", "en": "en_GB"}


def select_locale() -> str:
    return BABEL_LOCALES[_language()]


def _language() -> str:
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default if default in LANGUAGES else "fr"
    if getattr(current_user, "is_authenticated", False) and current_user.language in LANGUAGES:
        return current_user.language
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    return default if default in LANGUAGES else "fr"


def local_datetime(value, fmt: str = "short") -> str:
    """An instant shown in Europe/Paris, in the user's language."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def of_name(name) -> str:
    """A name after "of", in the user's language: « d'Ivry-sur-Seine » in French (through
    compliance.text.de), "of Ivry-sur-Seine" in English. Messages say « Registre %(of_name)s »."""
    if _language() == "fr":
        return de(name)
    return f"of {name or ''}".strip()


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["de"] = of_name
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
