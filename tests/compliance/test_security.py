"""Security headers on every response, pages without inline code, error pages and JSON errors."""

from __future__ import annotations

import re

import pytest

PUBLIC_PATHS = ["/login", "/healthz", "/no-such-page", "/api/v1/me", "/api/v1/openapi.json"]


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}


def test_security_headers_on_static_files(client):
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_security_headers_on_refused_posts(client):
    response = client.raw.post("/login", data={})
    assert response.status_code == 400
    assert "Content-Security-Policy" in response.headers


def test_html_pages_are_not_cached(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)


@pytest.mark.parametrize(
    "path",
    ["/login", "/", "/account", "/admin/organisations", "/admin/users", "/admin/audit"],
)
def test_pages_need_no_inline_script_or_style(client, login_as, organisation, path):
    # The CSP forbids them: a page relying on them would silently break in the browser.
    login_as("admin", organisation)
    if path == "/login":
        client.post("/logout")
    page = client.get(path).get_data(as_text=True)
    assert not INLINE_SCRIPT.search(page)
    assert not EVENT_HANDLER.search(page)
    assert not STYLE_ATTRIBUTE.search(page)


def test_not_found_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_forbidden_page(client, login_as, organisation):
    login_as("referent", organisation)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert response.mimetype == "text/html"


def test_errors_under_the_api_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    body = response.get_json()
    assert set(body) == {"error", "message"}
    assert body["error"] == "not_found"


def test_unexpected_errors_hide_their_details(app, client, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "web.healthz", explode)
    response = client.get("/healthz")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Content-Security-Policy" in response.headers
