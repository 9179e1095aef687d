"""The roadmap in Chromium: the CISO updates an action's progress and sees the timeline change;
the roadmap and progress pages pass the axe WCAG 2.1 AA scan."""

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


def _done_width(page, code: str) -> float:
    """The width of the dark (done) part of an action's bar in the timeline."""
    row = page.locator("svg.gantt a.gantt-row", has_text=code)
    return float(row.locator("rect").nth(2).get_attribute("width"))


def test_ciso_updates_progress_and_sees_the_timeline_change(page, log_in):
    log_in("rssi")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Feuille de route"
    ).click()
    page.get_by_role("link", name="Plan pluriannuel de renforcement de la cybersécurité").click()
    timeline = page.get_by_role("group", name="Calendrier des actions de la feuille de route")
    expect(timeline).to_be_visible()
    expect(page.locator("svg.gantt a.gantt-row.late")).not_to_have_count(0)
    before = _done_width(page, "A-07")
    assert "avancement 60 %" in page.locator("svg.gantt a.gantt-row", has_text="A-07").inner_html()

    page.get_by_role("link", name="A-07", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sensibilisation des agents")
    page.get_by_label("Avancement (%)").fill("90")
    page.get_by_role("button", name="Enregistrer l'avancement").click()

    expect(page).to_have_url(re.compile(r"/roadmap/\d+#timeline$"))
    expect(page.get_by_text("Avancement de A-07 enregistré.")).to_be_visible()
    after = _done_width(page, "A-07")
    assert after == pytest.approx(before * 90 / 60, rel=0.02)
    row = page.locator("svg.gantt a.gantt-row", has_text="A-07")
    assert "avancement 90 %" in row.inner_html()
    table_row = page.locator("table.roadmap-actions tr", has_text="A-07")
    expect(table_row).to_contain_text("90 %")


def test_roadmap_pages_pass_the_accessibility_scan(page, log_in):
    log_in("rssi")
    page.goto("/roadmap/")
    page.get_by_role("link", name="Plan pluriannuel de renforcement de la cybersécurité").click()
    assert _blocking_violations(page) == []
    page.get_by_role("link", name="Avancement et budget").click()
    expect(page.get_by_role("img", name="Actions par statut")).to_be_visible()
    assert _blocking_violations(page) == []
    page.get_by_role("link", name="Mesures d'hygiène ANSSI").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Auto-évaluation des mesures d'hygiène"
    )
    assert _blocking_violations(page) == []
