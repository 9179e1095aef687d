"""The risk register in a browser: the list with its heat maps, a risk and its form pass the
axe scan (WCAG 2.1 A and AA), and a heat map's count leads to the list of its cell."""

from __future__ import annotations

from tests.browser.test_accessibility import _blocking_violations


def test_the_risk_pages_are_accessible(page, log_in):
    log_in("rssi")
    for path in ("/risks/", "/risks/1", "/risks/1/edit", "/risks/new?organisation_id=1"):
        page.goto(path)
        assert _blocking_violations(page) == [], path


def test_a_heat_map_count_opens_its_cell(page, log_in):
    log_in("rssi")
    page.goto("/risks/")
    before = page.get_by_role("table", name="Avant traitement")
    before.get_by_role("link").first.click()
    assert "likelihood=" in page.url and "impact=" in page.url
    assert page.get_by_role("table", name="Risques").count() == 1
