"""End to end in Chromium: a referent fills in a processing activity and submits it; the DPO
validates it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_accessibility import _blocking_violations

pytestmark = pytest.mark.browser

NAME = "Réservation des salles municipales"


def test_referent_fills_in_and_submits_then_dpo_validates(page, log_in):
    violations = []
    page.on("console", lambda message: violations.append(message.text))
    log_in("referent.ivry")
    page.get_by_role("link", name="Registre RGPD").click()
    expect(page).to_have_url(re.compile(r"/processing/registers/ivry-sur-seine/$"))
    page.get_by_role("link", name="Nouvelle fiche").click()

    page.get_by_label("Nom du traitement").fill(NAME)
    page.get_by_label("Service chargé de la mise en œuvre").fill("Service de la vie associative")
    page.locator("#purposes-0-description").fill("Attribuer les salles aux associations")
    page.locator("#purposes-0-legal_basis").select_option("public_task")
    page.locator("#purposes-0-legal_text").fill("CGCT, art. L. 2144-3")
    # "Add rows" works in place with the script: a second purpose without a round trip.
    page.get_by_role("button", name="Ajouter des lignes : Finalités et bases légales").click()
    expect(page.locator("#purposes-2-description")).to_be_focused()
    page.locator("#purposes-2-description").fill("Facturer les locations")
    page.locator("#purposes-2-legal_basis").select_option("contract")
    page.locator("#data_categories-0-category").select_option("identity")
    page.locator("#data_categories-0-description").fill("Nom du responsable, coordonnées")
    page.locator("#data_categories-0-active_period").fill("Durée de la réservation")
    page.locator("#data_categories-0-intermediate_period").fill("5 ans")
    page.locator("#data_categories-0-final_fate").select_option("destroy")
    # A commune is a public body: its archiving says where the periods come from.
    page.locator("#data_categories-0-retention_source").fill("Tableau de gestion communal")
    page.locator("#subjects-0-category").select_option("residents")
    page.locator("#subjects-0-estimated_number").fill("450")
    page.locator("#recipients-0-recipient_type").select_option("internal")
    page.locator("#recipients-0-name").fill("Service de la vie associative")
    page.locator("#security_measures-0-family").select_option("access_control")
    page.locator("#security_measures-0-details").fill("Comptes nominatifs")
    page.get_by_role("button", name="Créer la fiche").click()

    expect(page.get_by_text(f"Fiche « {NAME} » créée en brouillon.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_role("rowheader", name="Facturer les locations")).to_be_visible()
    activity_url = page.url
    page.get_by_role("button", name="Soumettre au délégué").click()
    expect(
        page.get_by_text("Fiche soumise au délégué à la protection des données.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Valider la fiche")).to_have_count(0)

    page.get_by_role("button", name="Se déconnecter").click()
    log_in("dpo")
    page.goto(activity_url)
    expect(page.locator(".sheet-status")).to_contain_text("Soumise au délégué")
    # No DPIA screening yet: the DPO sees it missing, follows the link and records it.
    expect(page.get_by_role("button", name="Valider la fiche")).to_have_count(0)
    gaps = page.locator("#validation-gaps")
    expect(gaps).to_contain_text("Criblage AIPD")
    gaps.get_by_role("link", name=re.compile("Criblage AIPD")).click()
    page.get_by_label("Observations du criblage").fill(
        "Aucun critère du CEPD : réservations de salles par des associations."
    )
    page.get_by_role("button", name=re.compile("Enregistrer")).click()
    expect(page.get_by_text("Criblage enregistré : AIPD non requise.")).to_be_visible()
    page.goto(activity_url)
    page.get_by_label("Remarques du délégué (facultatif)").fill("Durées conformes.")
    page.get_by_role("button", name="Valider la fiche").click()
    expect(page.get_by_text("Fiche validée.")).to_be_visible()
    expect(page.locator(".sheet-status")).to_contain_text("Validée")
    expect(page.get_by_text("Durées conformes.").first).to_be_visible()
    assert not [text for text in violations if "Content Security Policy" in text]


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("dpo", "/processing/"),
        ("dpo", "/processing/registers/ivry-sur-seine/"),
        ("dpo", "/processing/registers/ivry-sur-seine/versions"),
        ("dpo", "/processing/models"),
        ("dpo", "/processing/processor"),
        ("referent.ivry", "/processing/registers/ivry-sur-seine/new"),
        ("referent.ivry", "/processing/registers/ivry-sur-seine/import"),
    ],
)
def test_processing_pages_pass_axe(page, log_in, user, path):
    log_in(user)
    assert page.goto(path).status == 200
    assert _blocking_violations(page) == []


def test_sheet_edit_dpia_and_model_pages_pass_axe(page, log_in):
    log_in("dpo")
    page.goto("/processing/registers/ivry-sur-seine/")
    page.locator("table a").first.click()
    sheet = page.url
    for path in (sheet, sheet + "/edit", sheet + "/dpia"):
        assert page.goto(path).status == 200
        assert _blocking_violations(page) == [], path
    page.goto("/processing/models")
    page.locator("table a").first.click()
    assert _blocking_violations(page) == [], page.url
