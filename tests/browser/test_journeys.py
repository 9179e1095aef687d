"""End to end in Chromium: log in, dashboard, organisation selector, log out, scoping."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _organisation_cards(page):
    return page.locator("#organisations-title + ul.cards h3")


def _selector(page):
    return page.get_by_label("Organisation", exact=True)


def test_dpo_logs_in_switches_organisation_and_logs_out(page, log_in, live_server):
    log_in("dpo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(_organisation_cards(page)).to_have_count(12)

    _selector(page).select_option(label="Gentilly")
    expect(page.get_by_text("Vue limitée à Gentilly")).to_be_visible()
    expect(_organisation_cards(page)).to_have_text(["Gentilly"])
    expect(_selector(page)).to_have_value("gentilly")

    _selector(page).select_option("all")
    expect(_organisation_cards(page)).to_have_count(12)

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))


def test_referent_sees_only_their_organisation(page, log_in):
    log_in("referent.ivry")
    expect(_organisation_cards(page)).to_have_text(["Ivry-sur-Seine"])
    options = _selector(page).locator("option")
    expect(options).to_have_text(["Toutes mes organisations", "Ivry-sur-Seine"])
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    assert page.goto("/organisations/gentilly").status == 404
    assert page.goto("/admin/organisations").status == 403


def test_organisation_page_from_the_dashboard(page, log_in):
    log_in("referent.ivry")
    page.get_by_role("link", name="Ivry-sur-Seine").click()
    expect(page).to_have_url(re.compile(r"/organisations/ivry-sur-seine$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ivry-sur-Seine")


def test_wrong_password_is_announced(page):
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill("dpo@demo.registre.invalid")
    page.get_by_label("Mot de passe").fill("not-the-password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Adresse e-mail ou mot de passe incorrect.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))


def test_skip_link_is_the_first_stop_of_the_keyboard(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Aller au contenu")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_pages_run_no_blocked_script(page, log_in):
    # A CSP violation would mean a page depends on inline code the policy forbids.
    violations = []
    page.on("console", lambda message: violations.append(message.text))
    log_in("admin")
    for path in ("/", "/organisations/siim94", "/account", "/admin/users", "/admin/audit"):
        page.goto(path)
    assert not [text for text in violations if "Content Security Policy" in text]
