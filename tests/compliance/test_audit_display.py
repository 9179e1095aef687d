"""The audit trail as people read it: actions and records in their words, the record linked
when it still exists and the reader sees it, filters by kind and action, the whole hash on
demand, English labels for English readers."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from compliance.admin import services
from compliance.audit import AuditEntry
from compliance.tenancy import OrganisationKind
from registers.processing import services as processing
from registers.processing.schemas import ActivityCreate, check
from tests.registers.processing.conftest import COMPLETE


@pytest.fixture
def host(make_organisation):
    return make_organisation("SIIM94", kind=OrganisationKind.SYNDICATE, is_host=True)


@pytest.fixture
def admin(login_as, host, organisation):
    return login_as("admin", host, organisation, email="admin@siim94.example")


def rows(page: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", page, flags=re.S)


def test_login_reads_in_french_with_the_action_in_words(client, admin):
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Connexion d&#39;admin@siim94.example" in page
    assert "Login of" not in page
    assert ">login<" not in page


def test_a_change_names_the_record_and_links_it(client, session, admin, organisation):
    services.update_organisation(session, organisation, {"address": "Esplanade"}, actor=admin)
    session.commit()
    page = client.get("/admin/audit", query_string={"action": "update"}).get_data(as_text=True)
    assert "Modification" in page
    assert f'<a href="/admin/organisations/{organisation.id}">Ivry-sur-Seine</a>' in page
    assert ">update<" not in page


def test_a_register_record_is_named_by_its_kind_and_linked(client, session, admin, organisation):
    activity = processing.create_processing(
        session, organisation, check(ActivityCreate, COMPLETE), actor=admin
    )
    session.commit()
    page = client.get("/admin/audit", query_string={"object_type": "ProcessingActivity"}).get_data(
        as_text=True
    )
    assert "Création" in page and "Fiche de registre" in page
    assert f'<a href="/processing/activities/{activity.id}">{activity.reference}</a>' in page
    assert f"Fiche de registre {activity.reference} {activity.name}" in page
    assert "Processing activity" not in page
    assert "ProcessingActivity" not in page.split("<tbody>")[1]
    assert "Connexion d" not in page.split("<tbody>")[1]


def test_a_deleted_record_keeps_its_name_without_a_link(client, session, admin, make_user):
    user = make_user(email="temporaire@ivry.example")
    session.commit()
    session.delete(user)
    session.commit()
    page = client.get("/admin/audit", query_string={"object_type": "User"}).get_data(as_text=True)
    assert "Suppression" in page
    assert "Compte" in page and "temporaire@ivry.example" in page
    assert f'href="/admin/users/{user.id}"' not in page


def test_the_whole_hash_is_shown_on_demand(client, session, admin):
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert '<details class="hash-details">' in page
    assert f'<code class="hash hash-full">{entry.hash}</code>' in page


def test_filters_offer_actions_and_kinds_in_words(client, admin):
    page = client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="send_back">Renvoi au référent</option>' in page
    assert '<option value="PersonalDataBreach">Violation de données</option>' in page


def test_english_readers_get_english_labels(client, session, admin, organisation):
    admin.language = "en"
    services.update_organisation(session, organisation, {"address": "Esplanade"}, actor=admin)
    session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Login of admin@siim94.example" in page
    assert ">Update<" in page
