"""End to end in Chromium: the CISO logs an incident, writes its timeline, moves it through
the first phases and opens a corrective action from it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from compliance.i18n import PARIS


def _local(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def test_ciso_logs_an_incident_and_follows_it(page, log_in):
    log_in("rssi")
    page.get_by_role("link", name="Incidents", exact=True).click()
    page.get_by_role("link", name="Déclarer un incident").first.click()

    page.get_by_label("Intitulé").fill("Clé USB inconnue branchée sur un poste de la mairie")
    page.get_by_label("Organisation déclarante").select_option(label="Gentilly")
    page.get_by_label("Catégorie").select_option(label="Rançongiciel ou autre logiciel malveillant")
    page.get_by_label("Source de détection").select_option(label="Signalement d'un utilisateur")
    page.get_by_label("Gravité").select_option(label="3 · Modérée")
    now = datetime.now(PARIS)
    page.get_by_label("Détecté le").fill(_local(now - timedelta(hours=2)))
    page.get_by_label("Description").fill(
        "M. Bernard, agent d'accueil, a branché une clé trouvée sur le parking."
    )
    page.get_by_label("Courrier V5").check()
    page.get_by_role("button", name="Déclarer l'incident").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Clé USB inconnue")
    expect(page.get_by_text(re.compile(r"Incident INC-\d{4}-\d{3} enregistré"))).to_be_visible()
    # Gentilly reported it; Arcueil is affected through its use of Courrier V5.
    impact = page.locator("#impact")
    affected = impact.get_by_role("region", name=re.compile("Organisations touchées"))
    expect(affected.get_by_role("rowheader", name="Arcueil")).to_be_visible()
    # Arcueil uses it: a controller whose breach decision the DPO records.
    decisions = impact.get_by_role("region", name=re.compile("Décisions par responsable"))
    expect(decisions.get_by_role("row", name=re.compile("^Arcueil"))).to_contain_text("À décider")

    timeline = page.locator("#timeline")
    entry = page.get_by_role("region", name="Ajouter une entrée au fil")
    for kind, text in (
        ("Action", "Poste isolé du réseau, clé confisquée."),
        ("Communication", "Rappel des consignes aux agents d'accueil."),
    ):
        entry.get_by_label("Nature").select_option(label=kind)
        entry.get_by_label("Entrée").fill(text)
        entry.get_by_role("button", name="Ajouter l'entrée").click()
        expect(timeline.get_by_text(text)).to_be_visible()

    # An entry in the future is refused with its reason, and nothing is added.
    entry.get_by_label("Nature").select_option(label="Action")
    entry.get_by_label("Date et heure").fill(_local(now + timedelta(days=1)))
    entry.get_by_label("Entrée").fill("Entrée datée de demain")
    entry.get_by_role("button", name="Ajouter l'entrée").click()
    expect(page.get_by_text("ne peut pas être datée dans le futur").first).to_be_visible()
    expect(timeline.locator(".entry-text", has_text="Entrée datée de demain")).to_have_count(0)

    page.get_by_text("Évaluer : incident ou simple événement ?").click()
    page.get_by_label("Incident de sécurité").check()
    page.get_by_role("button", name="Enregistrer l'évaluation").click()
    expect(page.get_by_text("Incident passé en phase « Évalué ».")).to_be_visible()
    expect(timeline.get_by_text("Phase : Signalé → Évalué.")).to_be_visible()

    page.get_by_role("link", name="Ouvrir une action corrective").click()
    expect(page.get_by_role("combobox", name="Origine", exact=True)).to_have_value("incident")
    page.get_by_label("Intitulé").fill("Bloquer les supports amovibles")
    page.get_by_label("Non-conformité constatée").fill(
        "Les ports USB des postes d'accueil sont ouverts."
    )
    page.get_by_label("Classement").select_option(label="Non-conformité mineure")
    page.get_by_label("Action corrective").fill("Stratégie de blocage des supports amovibles.")
    page.get_by_label("Responsable").fill("Responsable du support (SIIM94)")
    page.get_by_label("Échéance").fill((now + timedelta(days=30)).strftime("%Y-%m-%d"))
    page.get_by_role("button", name="Ouvrir l'action").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Bloquer les supports amovibles")
    reference = page.get_by_role("heading", level=1).inner_text().split(" · ")[0]
    page.get_by_role("link", name=re.compile(r"INC-\d{4}-\d{3} · Clé USB")).click()
    expect(page.locator("#actions").get_by_role("link", name=reference)).to_be_visible()
    expect(timeline.get_by_text(f"Action corrective {reference} ouverte")).to_be_visible()
