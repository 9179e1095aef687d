"""The second factor in a browser: enrolment, the codes shown once, the two-step login, and
the accessibility of each page; the demo user is left as found."""

from __future__ import annotations

import re

from compliance import demo as demo_data
from compliance import mfa
from tests.browser.conftest import DEMO_DOMAIN
from tests.browser.test_accessibility import _blocking_violations

USER = f"auditeur@{DEMO_DOMAIN}"


def _code(secret: str, offset: int = 0) -> str:
    return mfa.totp(secret, mfa.current_step() + offset)


def test_enrol_log_in_with_a_code_then_turn_it_off(page, log_in):
    log_in("auditeur")
    page.goto("/account")
    page.get_by_role("link", name="Activer la double authentification").click()
    assert _blocking_violations(page) == []
    page.get_by_role("button", name="Commencer l'activation").click()
    assert _blocking_violations(page) == []
    secret = re.search(r"secret=([A-Z2-7]+)", page.locator("#otpauth-uri").inner_text()).group(1)
    page.get_by_label("Code affiché par l'application").fill(_code(secret))
    page.get_by_role("button", name="Activer la double authentification").click()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    assert _blocking_violations(page) == []
    try:
        page.get_by_role("button", name="Se déconnecter").click()
        page.get_by_label("Adresse e-mail").fill(USER)
        page.get_by_label("Mot de passe").fill(demo_data.DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/login/code")
        assert _blocking_violations(page) == []
        page.get_by_label("Code").fill(_code(secret, +1))
        page.get_by_role("button", name="Vérifier").click()
        page.wait_for_url("**/")
    finally:
        page.goto("/account")
        page.get_by_label("Code actuel").fill(codes[0])
        page.get_by_role("button", name="Désactiver la double authentification").click()
    assert page.get_by_text("Double authentification désactivée.").is_visible()
