"""A real server on its own demo database, and Debian's Chromium driven by Playwright.

The browser tests must run, not skip: without Chromium they fail and say how to install it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from compliance import REGISTERS, create_app
from compliance import demo as demo_data
from compliance.db import get_session
from compliance.schema import upgrade

CHROMIUM = os.environ.get("COMPLIANCE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
DEMO_DOMAIN = demo_data.DEMO_DOMAIN


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """The application served over HTTP from a thread, on a fresh SQLite file with the demo."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'live.db'}",
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "browser-tests",
            "SESSION_COOKIE_SECURE": False,
        }
    )
    upgrade(app)
    with app.app_context():
        demo_data.load(get_session(), "tests", REGISTERS)
        get_session().commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()
    app.extensions["db"].engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium "
            "(run `make system-deps`, or `apt-get install chromium`)",
            pytrace=False,
        )
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    page = context.new_page()
    yield page
    # Let the last page's own requests (its favicon…) finish: a connection cut mid-response
    # leaves the server thread's open file to the garbage collector, a ResourceWarning that
    # the suite turns into an error in whichever test runs next.
    with contextlib.suppress(PlaywrightError):
        page.wait_for_load_state("networkidle", timeout=5_000)
    context.close()


@pytest.fixture
def log_in(page):
    """Log in through the form as a demo user (`dpo`, `referent.ivry`, `admin`...)."""

    def log_in(local_part: str) -> Page:
        page.goto("/login")
        page.get_by_label("Adresse e-mail").fill(f"{local_part}@{DEMO_DOMAIN}")
        page.get_by_label("Mot de passe").fill(demo_data.DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/")
        return page

    return log_in
