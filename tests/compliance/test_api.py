"""The JSON API: bearer tokens only, the pages' scoping, JSON errors, the OpenAPI document."""

from __future__ import annotations

import pytest
from sqlmodel import select

from compliance.admin import services
from compliance.auth import ApiToken, hash_token


@pytest.fixture
def token_for(session):
    def make(user) -> str:
        _token, secret = services.create_token(session, user, "tests", actor=user)
        session.commit()
        return secret

    return make


def _get(client, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1{path}", headers=headers)


def test_me(client, make_user, organisation, token_for):
    user = make_user("referent", organisation, email="rita@ivry.example")
    response = _get(client, "/me", token_for(user))
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == "rita@ivry.example"
    assert body["memberships"] == [
        {"organisation_id": organisation.id, "role": "referent", "expires_at": None}
    ]


def test_organisations_are_scoped(client, make_user, organisation, other_organisation, token_for):
    referent = make_user("referent", organisation)
    dpo = make_user("dpo", organisation, other_organisation)
    mine = _get(client, "/organisations?total=1", token_for(referent)).get_json()
    assert [o["slug"] for o in mine["items"]] == ["ivry-sur-seine"]
    assert mine["total"] == 1
    theirs = _get(client, "/organisations", token_for(dpo)).get_json()
    assert [o["slug"] for o in theirs["items"]] == ["gentilly", "ivry-sur-seine"]


def test_organisations_are_paginated(client, make_user, make_organisation, token_for):
    organisations = [make_organisation() for _ in range(3)]
    token = token_for(make_user("auditor", *organisations))
    body = _get(client, "/organisations?per_page=2&page=2", token).get_json()
    assert (body["total"], body["pages"], body["page"], len(body["items"])) == (3, 2, 2, 1)


def test_bad_page_is_a_json_400(client, make_user, organisation, token_for):
    response = _get(client, "/organisations?page=two", token_for(make_user("dpo", organisation)))
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer rgt_not-a-token", "Basic abc"])
def test_no_valid_token_is_a_json_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_refused(client, make_user, organisation, token_for, session):
    user = make_user("dpo", organisation)
    secret = token_for(user)
    assert _get(client, "/me", secret).status_code == 200
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    services.revoke_token(session, token, actor=user)
    session.commit()
    assert _get(client, "/me", secret).status_code == 401


def test_deactivated_users_token_is_refused(client, make_user, organisation, token_for, session):
    user = make_user("dpo", organisation)
    secret = token_for(user)
    services.deactivate_user(session, user, actor="test")
    session.commit()
    assert _get(client, "/me", secret).status_code == 401


def test_tokens_are_stored_hashed(make_user, token_for, session):
    secret = token_for(make_user())
    stored = session.scalars(select(ApiToken)).one()
    assert stored.token_hash == hash_token(secret)
    assert secret not in (stored.token_hash, stored.prefix)


def test_session_cookie_does_not_authenticate_the_api(client, login_as, organisation):
    login_as("dpo", organisation)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_expired_membership_is_not_listed(client, make_user, organisation, token_for):
    from datetime import timedelta

    from compliance.db import utcnow

    user = make_user("auditor", organisation, expires_at=utcnow() - timedelta(days=1))
    body = _get(client, "/organisations", token_for(user)).get_json()
    assert body["items"] == []


def test_unknown_path_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"] == "not_found"


def test_wrong_method_is_a_json_405(client, make_user, organisation, token_for):
    response = client.post(
        "/api/v1/me", headers={"Authorization": f"Bearer {token_for(make_user())}"}
    )
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_openapi_document_is_public(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    assert {"/me", "/organisations"} <= set(document["paths"])
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_a_token_use_is_recorded_at_most_once_a_minute(
    app, client, session, make_user, organisation, token_for
):
    from datetime import timedelta

    from sqlalchemy import event

    secret = token_for(make_user("referent", organisation))
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    writes = []

    def count_writes(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE")):
            writes.append(statement)

    engine = app.extensions["db"].engine
    event.listen(engine, "before_cursor_execute", count_writes)
    try:
        assert _get(client, "/me", secret).status_code == 200
        first_use = session.get(ApiToken, token.id).last_used_at
        assert first_use is not None
        assert len(writes) == 1
        # A read within the minute writes nothing.
        assert _get(client, "/me", secret).status_code == 200
        assert len(writes) == 1
        assert session.get(ApiToken, token.id).last_used_at == first_use
        # A minute later, the use is recorded again.
        token.last_used_at = first_use - timedelta(minutes=2)
        session.commit()
        writes.clear()
        assert _get(client, "/me", secret).status_code == 200
        assert len(writes) == 1
        assert session.get(ApiToken, token.id).last_used_at > first_use
    finally:
        event.remove(engine, "before_cursor_execute", count_writes)
