"""Art. 30(1)(a): the register names the controller and the DPO with their contact details."""

from __future__ import annotations

from compliance.admin import services as admin_services
from registers.processing import compute


def test_missing_identity_items_are_listed(organisation):
    missing = [str(item) for item in compute.controller_missing(organisation)]
    assert "les coordonnées du délégué à la protection des données" in missing
    assert "son représentant légal" in missing


def test_nothing_missing_once_filled_in(session, organisation):
    admin_services.update_organisation(
        session,
        organisation,
        {
            "address": "Esplanade Georges Marrane, 94200 Ivry-sur-Seine",
            "legal_representative": "Le maire",
            "dpo_name": "Service mutualisé DPO",
            "dpo_contact": "dpd@ivry.example, 01 02 03 04 05",
        },
        actor="test",
    )
    assert compute.controller_missing(organisation) == []


def test_register_page_says_what_the_cover_lacks(client, login_as, organisation):
    login_as("dpo", organisation)
    page = client.get(f"/processing/registers/{organisation.slug}/").get_data(as_text=True)
    assert "Identité du responsable de traitement" in page
    assert "coordonnées du délégué" in page
