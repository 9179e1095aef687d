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
            "siren": "123456782",
            "address": "Esplanade Georges Marrane, 94200 Ivry-sur-Seine",
            "legal_representative": "Le maire",
            "dpo_name": "Service mutualisé DPO",
            "dpo_cnil_number": "DPO-12345",
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


def test_siren_and_cnil_designation_number_are_counted(organisation):
    """Art. 30(1)(a): the controller is identified (SIREN) and the DPO designated (the number
    of the CNIL's designation receipt)."""
    missing = [str(item) for item in compute.controller_missing(organisation)]
    assert "le numéro SIREN du responsable de traitement" in missing
    assert "le numéro de désignation du délégué auprès de la CNIL" in missing


def _fill_cover(session, organisation, **changes):
    values = {
        "siren": "123456782",
        "address": "Esplanade Georges Marrane, 94200 Ivry-sur-Seine",
        "legal_representative": "Le maire",
        "dpo_name": "Service mutualisé DPO",
        "dpo_cnil_number": "DPO-12345",
        "dpo_contact": "dpd@ivry.example",
    }
    admin_services.update_organisation(session, organisation, {**values, **changes}, actor="t")


def test_register_figure_is_not_100_while_the_cover_is_blank(session, organisation, make_activity):
    activity = make_activity(organisation)
    assert compute.completeness(activity).is_complete
    _fill_cover(session, organisation, siren=None, dpo_cnil_number=None)
    result = compute.register_completeness([activity], organisation)
    assert result.score < 100 and not result.is_complete
    assert len(result.controller_missing) == 2
    _fill_cover(session, organisation)
    result = compute.register_completeness([activity], organisation)
    assert result.score == 100 and result.is_complete


def test_register_page_figure_and_link_to_the_organisation(
    session, client, login_as, organisation, make_activity
):
    make_activity(organisation)
    _fill_cover(session, organisation, siren=None)
    session.commit()
    login_as("admin", organisation)
    page = client.get(f"/processing/registers/{organisation.slug}/").get_data(as_text=True)
    assert '<p class="big-score"><span class="score score-full">' not in page
    assert "le numéro SIREN du responsable de traitement" in page
    assert f"/admin/organisations/{organisation.id}" in page
    _fill_cover(session, organisation)
    session.commit()
    page = client.get(f"/processing/registers/{organisation.slug}/").get_data(as_text=True)
    assert "Identité du responsable de traitement" not in page
    assert '<p class="big-score"><span class="score score-full">100&nbsp;%' in page


def test_word_cover_lists_what_the_controller_lacks(session, organisation, make_activity):
    from registers.processing import export

    make_activity(organisation)
    _fill_cover(session, organisation, legal_representative=None)
    context = export.live_register_context(session, organisation)
    assert context["summary"]["completeness"] < 100
    cover = context["missing"][0]
    assert "responsable du traitement" in cover["activity"]
    assert "son représentant légal" in cover["elements"]
