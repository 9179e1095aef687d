"""The application map in Chromium: filter the list, open an application, see the diagram."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

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


def test_ciso_filters_opens_an_application_and_sees_the_map(page, log_in):
    log_in("rssi")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Cartographie"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cartographie applicative")

    page.get_by_label("Domaine métier").select_option("Finances")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"domain=Finances"))
    table = page.locator("table.applications-table")
    expect(table).to_contain_text("Sedit.GF")
    expect(table).not_to_contain_text("CONCERTO Opus")  # family billing: another domain

    page.get_by_role("link", name="Sedit.GF", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sedit.GF")
    expect(page.get_by_role("heading", name="Organisations utilisatrices")).to_be_visible()
    expect(page.get_by_role("heading", name="Interfaces")).to_be_visible()

    page.goto("/applications/")
    page.get_by_role("link", name="Carte", exact=True).click()
    diagram = page.get_by_role("group", name=re.compile("Cartographie applicative"))
    expect(diagram).to_be_visible()
    expect(diagram.locator("a.map-app")).to_have_count(53)
    expect(diagram.locator("g.map-domain")).to_have_count(13)
    assert diagram.locator("g.map-edge").count() > 0
    box = diagram.locator("a.map-app", has_text="Sedit.GF").bounding_box()
    assert box and box["width"] > 60 and box["height"] > 15

    # A box is a link to its application.
    diagram.locator("a.map-app", has_text="Sedit.GF").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sedit.GF")


def test_referent_sees_the_map_of_their_organisation_only(page, log_in):
    log_in("referent.ivry")
    page.goto("/applications/map")
    diagram = page.get_by_role("group", name=re.compile("Cartographie applicative"))
    shown = diagram.locator("a.map-app").count()
    assert 0 < shown < 53
    assert page.goto("/applications/map?organisation=gentilly").status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/applications/",
        "/applications/?domain=RH&q=sedit",
        "/applications/map",
        "/applications/vendors",
        "/applications/new",
        "/applications/import",
    ],
)
def test_pages_pass_axe(page, log_in, path):
    log_in("rssi")
    page.goto(path)
    assert _blocking_violations(page) == []


def test_detail_and_vendor_pages_pass_axe(page, log_in):
    log_in("rssi")
    page.goto("/applications/?q=sedit.gf")
    page.get_by_role("link", name="Sedit.GF", exact=True).click()
    assert _blocking_violations(page) == []
    page.locator("main").get_by_role("link", name=re.compile("BERGER", re.I)).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile("BERGER", re.I))
    assert _blocking_violations(page) == []
