"""Axe scans (WCAG 2.1 A and AA rules) of the main pages: no serious or critical violation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

BLOCKING = {"serious", "critical"}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _blocking_violations(page) -> list[str]:
    results = Axe().run(page, options={**WCAG_AA, "resultTypes": ["violations"]})
    return [
        f"{violation['impact']}: {violation['id']} ({violation['help']}) at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def test_login_page(page):
    page.goto("/login")
    assert _blocking_violations(page) == []


def test_login_page_with_an_error(page):
    page.goto("/login")
    page.get_by_role("button", name="Se connecter").click()
    assert _blocking_violations(page) == []


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("dpo", "/"),
        ("referent.ivry", "/"),
        ("referent.ivry", "/organisations/ivry-sur-seine"),
        ("dpo", "/account"),
        ("admin", "/admin/organisations"),
        ("admin", "/admin/users"),
        ("admin", "/admin/audit?object_type=Organisation"),
    ],
)
def test_signed_in_pages(page, log_in, user, path):
    log_in(user)
    page.goto(path)
    assert _blocking_violations(page) == []


def test_admin_edit_forms(page, log_in):
    log_in("admin")
    for path in ("/admin/organisations/1", "/admin/users/1", "/admin/organisations/new"):
        page.goto(path)
        assert _blocking_violations(page) == [], path


def test_error_page(page, log_in):
    log_in("referent.ivry")
    assert page.goto("/organisations/gentilly").status == 404
    assert _blocking_violations(page) == []
