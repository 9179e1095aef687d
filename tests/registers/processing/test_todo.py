"""What awaits each person: the DPO's activities to validate across every member, the
referent's drafts, those sent back with the DPO's remarks, and the dashboard figures leading
there."""

from __future__ import annotations

import pytest

from registers.processing import services


@pytest.fixture
def world(session, organisation, other_organisation, make_activity):
    ours_submitted = make_activity(organisation, name="Inscriptions scolaires")
    services.submit_processing(session, ours_submitted, actor="test")
    theirs_submitted = make_activity(other_organisation, name="Fichier des locataires")
    services.submit_processing(session, theirs_submitted, actor="test")
    returned = make_activity(organisation, name="Vidéoprotection")
    services.submit_processing(session, returned, actor="test")
    services.send_back_processing(
        session, returned, actor="test", remarks="Précisez la durée de conservation des images."
    )
    draft = make_activity(organisation, name="Cantine scolaire")
    theirs_draft = make_activity(other_organisation, name="Attributions de logements")
    session.commit()
    return {
        "ours_submitted": ours_submitted,
        "theirs_submitted": theirs_submitted,
        "returned": returned,
        "draft": draft,
        "theirs_draft": theirs_draft,
    }


def section(page: str, anchor: str) -> str:
    start = page.index(f'id="{anchor}"')
    end = page.find("</section>", start)
    return page[start:end]


def test_dpo_sees_what_awaits_validation_across_members(
    client, login_as, host, organisation, other_organisation, world
):
    login_as("dpo", host, organisation, other_organisation)
    response = client.get("/processing/todo")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    to_validate = section(page, "a-valider")
    for name in ("ours_submitted", "theirs_submitted"):
        activity = world[name]
        assert f'href="/processing/activities/{activity.id}"' in to_validate
    assert "Vidéoprotection" not in to_validate and "Cantine scolaire" not in to_validate
    assert 'id="a-completer"' not in page


def test_referent_sees_drafts_sent_back_with_remarks_and_what_the_dpo_holds(
    client, login_as, organisation, world
):
    login_as("referent", organisation)
    page = client.get("/processing/todo").get_data(as_text=True)
    assert 'id="a-valider"' not in page
    returned = section(page, "renvoyees")
    assert "Vidéoprotection" in returned
    assert "Précisez la durée de conservation des images." in returned
    to_complete = section(page, "a-completer")
    assert "Cantine scolaire" in to_complete and "Vidéoprotection" not in to_complete
    assert "Inscriptions scolaires" in section(page, "chez-le-delegue")
    assert "Fichier des locataires" not in page and "Attributions de logements" not in page


def test_a_draft_resubmitted_is_no_longer_sent_back(client, session, login_as, organisation, world):
    services.submit_processing(session, world["returned"], actor="test")
    session.commit()
    login_as("referent", organisation)
    page = client.get("/processing/todo").get_data(as_text=True)
    assert "Vidéoprotection" not in section(page, "renvoyees")
    assert "Vidéoprotection" in section(page, "chez-le-delegue")


def test_dashboard_figures_lead_to_the_lists(
    client, login_as, host, organisation, other_organisation, world
):
    login_as("dpo", host, organisation, other_organisation)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/processing/todo#a-valider"' in page


def test_referent_dashboard_figures_lead_to_their_list(client, login_as, organisation, world):
    login_as("referent", organisation)
    page = client.get("/").get_data(as_text=True)
    assert 'href="/processing/todo#a-completer"' in page
    assert 'href="/processing/todo#chez-le-delegue"' in page


def test_a_long_list_is_cut_and_says_so(client, login_as, organisation, world, monkeypatch):
    from registers.processing.views import todo

    monkeypatch.setattr(todo, "LIMIT", 1)
    login_as("referent", organisation)
    page = client.get("/processing/todo").get_data(as_text=True)
    assert "Chaque liste montre au plus 1 fiches" in page
    assert "Inscriptions scolaires" in section(page, "chez-le-delegue")
