"""Dashboard, organisation pages, the organisation selector, language, profile and tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from compliance.auth import ApiToken
from compliance.db import utcnow
from tests.conftest import PASSWORD


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_dashboard_shows_only_the_users_organisations(
    client, login_as, organisation, other_organisation
):
    login_as("referent", organisation)
    page = _text(client.get("/"))
    assert "Ivry-sur-Seine" in page
    assert "Gentilly" not in page


def test_expired_membership_shows_nothing_of_that_organisation(
    client, login_as, organisation, other_organisation
):
    login_as("auditor", organisation, expires_at=utcnow() - timedelta(hours=1))
    page = _text(client.get("/"))
    assert "Ivry-sur-Seine" not in page
    assert client.get("/organisations/ivry-sur-seine").status_code == 404


def test_organisation_page(client, login_as, organisation):
    login_as("referent", organisation)
    response = client.get("/organisations/ivry-sur-seine")
    assert response.status_code == 200
    assert "Ivry-sur-Seine" in _text(response)


@pytest.mark.parametrize("slug", ["gentilly", "no-such-organisation"])
def test_other_or_unknown_organisation_page_is_404(
    client, login_as, organisation, other_organisation, slug
):
    login_as("dpo", organisation)
    response = client.get(f"/organisations/{slug}")
    assert response.status_code == 404
    assert "Gentilly" not in _text(response)


def test_selector_narrows_the_dashboard(client, login_as, organisation, other_organisation):
    login_as("dpo", organisation, other_organisation)
    response = client.post("/select-organisation", data={"organisation": "gentilly", "next": "/"})
    assert response.status_code == 302
    page = _text(client.get("/"))
    assert "Gentilly" in page
    assert 'href="/organisations/ivry-sur-seine"' not in page
    client.post("/select-organisation", data={"organisation": "all"})
    assert 'href="/organisations/ivry-sur-seine"' in _text(client.get("/"))


def test_selector_refuses_an_invisible_organisation(
    client, login_as, organisation, other_organisation
):
    login_as("referent", organisation)
    assert client.post("/select-organisation", data={"organisation": "gentilly"}).status_code == 404


OFF_SITE = [
    "/\t/evil.example",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example",
    "/\n/evil",
    "/\r/evil",
    " //evil.example",
    "/ /evil.example",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_selector_never_redirects_off_site(client, login_as, organisation, target):
    login_as("referent", organisation)
    response = client.post("/select-organisation", data={"organisation": "all", "next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_never_redirects_off_site(client, target):
    response = client.post("/language", data={"language": "en", "next": target})
    assert response.headers["Location"] == "/"


def test_selector_returns_to_the_page_it_was_on(client, login_as, organisation):
    login_as("referent", organisation)
    response = client.post(
        "/select-organisation", data={"organisation": "all", "next": "/incidents?page=2"}
    )
    assert response.headers["Location"] == "/incidents?page=2"


def test_language_preference_is_saved(client, login_as, organisation):
    user = login_as("referent", organisation)
    assert 'lang="fr"' in _text(client.get("/"))
    client.post("/language", data={"language": "en", "next": "/"})
    assert user.language == "en"
    assert 'lang="en"' in _text(client.get("/"))


def test_unknown_language_is_refused(client):
    assert client.post("/language", data={"language": "xx"}).status_code == 400


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


# --- profile --------------------------------------------------------------------------------


def test_profile_changes_the_password(client, login_as, organisation):
    user = login_as("referent", organisation)
    new = "another-long-password"
    response = client.post("/account", data={"current": PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert user.check_password(new)


def test_profile_refuses_a_wrong_current_password(client, login_as, organisation):
    user = login_as("referent", organisation)
    new = "another-long-password"
    client.post("/account", data={"current": "wrong-password", "new": new, "confirm": new})
    assert user.check_password(PASSWORD)


def test_token_is_shown_once_and_works(client, login_as, organisation, session):
    login_as("referent", organisation)
    page = _text(client.post("/account/tokens", data={"name": "scripts"}))
    token = session.scalars(select(ApiToken)).one()
    secret = next(word for word in page.split() if "rgt_" in word)
    secret = secret[secret.index("rgt_") :].split("<")[0].split('"')[0]
    assert secret.startswith(token.prefix)
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert secret not in _text(client.get("/account"))


def test_token_revocation(client, login_as, organisation, session):
    login_as("referent", organisation)
    client.post("/account/tokens", data={"name": "scripts"})
    token = session.scalars(select(ApiToken)).one()
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert token.revoked_at is not None


def test_cannot_revoke_someone_elses_token(client, login_as, make_user, organisation, session):
    from compliance.admin import services

    other = make_user("referent", organisation)
    token, _secret = services.create_token(session, other, "theirs", actor=other)
    login_as("referent", organisation)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    assert token.revoked_at is None


# --- at scale: the selector becomes a search, the dashboard pages -------------------------------


@pytest.fixture
def many_organisations(make_organisation, other_organisation):
    return [make_organisation(f"Commune {index:02d}") for index in range(40)]


def test_selector_is_a_select_below_the_limit(app, client, login_as, organisation):
    app.config["ORGANISATION_SELECTOR_LIMIT"] = 30
    login_as("dpo", organisation)
    page = _text(client.get("/"))
    assert 'id="organisation-select"' in page and 'value="ivry-sur-seine"' in page
    assert 'id="organisation-search"' not in page


def test_selector_becomes_a_search_with_the_recent_organisations(
    app, client, login_as, organisation, many_organisations
):
    app.config["ORGANISATION_SELECTOR_LIMIT"] = 30
    login_as("dpo", organisation, *many_organisations)
    page = _text(client.get("/"))
    assert 'id="organisation-search"' in page and 'list="organisation-recent"' in page
    assert 'value="commune-07"' not in page
    # Opened or picked: among the recent ones, newest first, in every page's selector.
    assert client.get("/organisations/commune-07").status_code == 200
    client.post("/select-organisation", data={"organisation": "commune-03", "next": "/"})
    page = _text(client.get("/incidents/"))
    recent = page.split('<optgroup label="Ouvertes récemment">')[1].split("</optgroup>")[0]
    assert recent.index('value="commune-03"') < recent.index('value="commune-07"')
    assert '<option value="Commune 07">' in page.split('id="organisation-recent"')[1]


def test_organisation_search_finds_only_the_users_organisations(
    client, login_as, organisation, many_organisations
):
    login_as("dpo", organisation, *many_organisations)
    page = _text(client.get("/organisations/?q=commune 1"))
    assert "Commune 10" in page and "Commune 19" in page and "Commune 20" not in page
    assert 'name="organisation" value="commune-12"' in page
    assert "Gentilly" not in _text(client.get("/organisations/?q=gentil"))
    assert "Gentilly" not in _text(client.get("/organisations/"))


def test_dashboard_costs_the_same_for_2_and_20_organisations(
    app, client, login_as, make_organisation
):
    from compliance.web import DASHBOARD_PAGE_SIZE
    from tests.statements import statements_of

    made = iter(range(1000))

    def statements(how_many: int) -> int:
        batch = next(made)
        members = [make_organisation(f"Commune {batch}-{index:02d}") for index in range(how_many)]
        login_as("dpo", *members)
        counted = statements_of(app, client, "/")
        client.post("/logout")
        return counted

    # Below the selector's limit (a select), then above it (a search field).
    assert statements(2) == statements(20)
    app.config["ORGANISATION_SELECTOR_LIMIT"] = 1
    assert statements(2) == statements(DASHBOARD_PAGE_SIZE + 10)


def test_dashboard_pages_the_organisations(client, login_as, make_organisation):
    from compliance.web import DASHBOARD_PAGE_SIZE

    login_as(
        "dpo", *[make_organisation(f"Commune {i:02d}") for i in range(DASHBOARD_PAGE_SIZE + 10)]
    )
    page = _text(client.get("/"))
    assert page.count('class="card card-link"') == DASHBOARD_PAGE_SIZE
    assert f"Vous avez accès à {DASHBOARD_PAGE_SIZE + 10} organisations." in page
    second = _text(client.get("/?page=2"))
    assert second.count('class="card card-link"') == 10


def test_a_picked_organisation_no_longer_seen_is_not_shown(
    client, login_as, organisation, other_organisation, session
):
    login_as("dpo", organisation)
    with client.session_transaction() as cookie:
        cookie["organisation"] = "gentilly"
    page = _text(client.get("/"))
    assert "Gentilly" not in page and "Ivry-sur-Seine" in page
