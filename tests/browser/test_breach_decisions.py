"""In Chromium, the DPO's duty on a personal-data incident: the demo's lost laptop (open, on the
housing software used by Valdevy and Coop'Ivry Habitat) is on the DPO's dashboard; the CISO
cannot close it while a controller is undecided; the DPO opens Valdevy's breach through the
fan-out and records "no breach" for Coop'Ivry Habitat with its reason; then it closes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LAPTOP = "Perte d'un ordinateur portable non chiffré"
OTHER = "Coop'Ivry Habitat"
REASON = (
    "Le portable perdu appartenait à Valdevy et ne contenait que ses exports ; aucune donnée "
    "de Coop'Ivry Habitat n'y figurait (inventaire du poste vérifié avec le référent)."
)

LESSONS = "Les postes nomades n'étaient pas chiffrés : chiffrement généralisé engagé."


def _log_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/login**")


def _duty_card(page):
    return page.locator(
        "section.card",
        has=page.get_by_role("heading", name="Incidents à évaluer : données personnelles"),
    )


def _phase(page, summary: str):
    details = page.locator("details", has=page.get_by_text(summary, exact=True))
    details.locator("summary").click()
    return details


def test_dpo_decides_for_every_controller_then_the_incident_closes(page, log_in):
    # The DPO's dashboard: the lost laptop waits, two controllers to decide.
    log_in("dpo")
    card = _duty_card(page)
    item = card.locator("li", has_text=LAPTOP)
    expect(item).to_contain_text("2 responsables à décider")
    expect(item).to_contain_text(OTHER)
    item.get_by_role("link").click()
    incident_url = page.url.split("#")[0]
    decisions = page.locator("#breaches")
    expect(decisions.get_by_role("row", name=re.compile("^Valdevy"))).to_contain_text("À décider")
    expect(decisions.get_by_role("row", name=re.compile("^" + OTHER))).to_contain_text("À décider")
    _log_out(page)

    # The CISO ends the response; closing is refused while a controller is undecided.
    log_in("rssi")
    page.goto(incident_url)
    _phase(page, "Réponse terminée : passer au retour d'expérience").get_by_role(
        "button", name="Passer au retour d'expérience"
    ).click()
    expect(page.get_by_text("Incident passé en phase « Retour d'expérience ».")).to_be_visible()
    closing = _phase(page, "Clore l'incident")
    closing.get_by_label("Retour d'expérience").fill(LESSONS)
    closing.get_by_role("button", name="Clore l'incident").click()
    expect(page.locator(".error-summary")).to_contain_text(f"Reste à décider : {OTHER}, Valdevy.")
    _log_out(page)

    # The DPO opens Valdevy's breach through the fan-out…
    log_in("dpo")
    page.goto(incident_url)
    page.get_by_role("link", name="Évaluer la violation de données personnelles").click()
    page.get_by_label(f"Ouvrir une violation pour {OTHER}").set_checked(False)
    page.get_by_label("Ouvrir une violation pour Valdevy").set_checked(True)
    page.get_by_role("button", name="Ouvrir les violations cochées").click()
    expect(page.get_by_role("status")).to_contain_text("1 violation ouverte")

    # …and records "no breach" for Coop'Ivry Habitat: "x" is no reason.
    page.goto(incident_url)
    page.get_by_role("link", name="Consigner « pas de violation »").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Consigner l'absence de violation de données"
    )
    page.get_by_label(OTHER).check()
    page.get_by_label("Motif").select_option(
        label="Aucune donnée personnelle de ce responsable n'est en cause"
    )
    page.get_by_label("Raison").fill("x")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.locator(".field-errors").first).to_contain_text("phrase")
    page.get_by_label(OTHER).check()
    page.get_by_label("Raison").fill(REASON)
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_role("status")).to_contain_text("pas de violation")
    decisions = page.locator("#breaches")
    row = decisions.get_by_role("row", name=re.compile("^" + OTHER))
    expect(row).to_contain_text("Pas de violation")
    expect(row).to_contain_text("inventaire du poste vérifié")
    expect(decisions.get_by_role("row", name=re.compile("^Valdevy"))).to_contain_text(
        re.compile(r"VDP-\d{4}-\d{3}")
    )
    page.goto("/")
    expect(_duty_card(page).locator("li", has_text=LAPTOP)).to_have_count(0)
    _log_out(page)

    # Every controller decided: the CISO closes the incident.
    log_in("rssi")
    page.goto(incident_url)
    closing = _phase(page, "Clore l'incident")
    closing.get_by_label("Retour d'expérience").fill(LESSONS)
    closing.get_by_role("button", name="Clore l'incident").click()
    expect(page.get_by_text("Incident passé en phase « Clos ».")).to_be_visible()
