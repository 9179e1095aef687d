"""Security headers on every response; CSRF protection; trusted proxies."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

csrf = CSRFProtect()


def safe_next(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None: the one check of every redirect
    to a user-given address (`next`), against open redirects.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so a slash,
    a tab and a slash, or a slash and a backslash, would leave the site: any control
    character, whitespace or backslash refuses the target instead of being cleaned away.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(
        character.isspace() or unicodedata.category(character) in ("Cc", "Cf")
        for character in target
    ):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def init_security(app) -> None:
    csrf.init_app(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if response.mimetype == "text/html":
            headers.setdefault("Cache-Control", "no-store")
        return response
