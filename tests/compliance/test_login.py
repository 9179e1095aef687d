"""Login and logout: wrong password, lockout, CSRF, deactivated accounts, cookie flags."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from compliance.audit import AuditEntry
from compliance.auth import User
from tests.conftest import PASSWORD

WRONG = "Adresse e-mail ou mot de passe incorrect."
LOCKED = "Trop de tentatives de connexion"


@pytest.fixture
def user(make_user, organisation, session):
    user = make_user("referent", organisation, email="romain@ivry.example")
    session.commit()
    return user


def _login(client, email, password, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def _is_logged_in(client) -> bool:
    return client.get("/").status_code == 200


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="csrf_token"' in response.data


def test_pages_require_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_succeeds_and_is_audited(client, user, session):
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert _is_logged_in(client)
    assert _actions(session)[-1] == "login"


def test_login_ignores_email_case(client, user):
    assert _login(client, "Romain@IVRY.example", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        "next=/%09/evil.example",
        "next=//evil.example/",
        "next=/%5C%5Cevil.example",
        "next=/%5Cevil.example",
        "next=https://evil.example",
        "next=/%0a/evil",
        "next=/%0d/evil",
        "next=%20//evil.example",
    ],
)
def test_login_never_redirects_off_site(client, user, query):
    response = client.post(f"/login?{query}", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_returns_to_the_page_asked_for(client, user):
    response = _login(client, user.email, PASSWORD, query_string={"next": "/incidents?page=2"})
    assert response.headers["Location"] == "/incidents?page=2"


def test_wrong_password_changes_nothing_but_the_trail(client, user, session):
    before = (user.version, user.password_hash, _actions(session))
    response = _login(client, user.email, "not-the-password")
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)
    assert not _is_logged_in(client)
    session.refresh(user)
    assert (user.version, user.password_hash) == before[:2]
    assert _actions(session) == [*before[2], "login_failed"]


def test_unknown_email_gets_the_same_answer(client, user):
    unknown = _login(client, "nobody@ivry.example", "whatever-password")
    wrong = _login(client, user.email, "not-the-password")
    assert unknown.status_code == wrong.status_code == 401
    assert WRONG in unknown.get_data(as_text=True)
    assert WRONG in wrong.get_data(as_text=True)


def test_invalid_form_is_a_400(client):
    assert client.post("/login", data={"email": "not-an-email", "password": ""}).status_code == 400


def test_missing_csrf_token_is_refused(client, user):
    response = client.raw.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert not _is_logged_in(client)


def test_account_locked_after_too_many_failures(app, client, user, session):
    for _ in range(app.config["LOGIN_MAX_PER_ACCOUNT"]):
        assert _login(client, user.email, "not-the-password").status_code == 401
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.get_data(as_text=True)
    assert not _is_logged_in(client)
    assert _actions(session)[-1] == "login_blocked"


def test_lockout_counts_per_account(app, client, user, make_user, session):
    other = make_user("referent", email="other@ivry.example")
    session.commit()
    for _ in range(app.config["LOGIN_MAX_PER_ACCOUNT"]):
        _login(client, user.email, "not-the-password")
    assert _login(client, other.email, PASSWORD).status_code == 302


def test_address_limited_across_accounts(app, client, user, monkeypatch):
    monkeypatch.setattr(app.extensions["login_throttle"], "max_per_address", 3)
    for number in range(3):
        _login(client, f"guess{number}@ivry.example", "whatever-password")
    assert _login(client, user.email, PASSWORD).status_code == 429
    elsewhere = {"REMOTE_ADDR": "192.0.2.7"}
    assert _login(client, user.email, PASSWORD, environ_base=elsewhere).status_code == 302


def test_success_resets_the_account_counter(app, client, user):
    limit = app.config["LOGIN_MAX_PER_ACCOUNT"]
    for _ in range(limit - 1):
        _login(client, user.email, "not-the-password")
    assert _login(client, user.email, PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(limit - 1):
        _login(client, user.email, "not-the-password")
    assert _login(client, user.email, PASSWORD).status_code == 302


def test_logout(client, user, session):
    _login(client, user.email, PASSWORD)
    response = client.post("/logout")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert not _is_logged_in(client)
    assert _actions(session)[-1] == "logout"


def test_logout_needs_csrf(client, user):
    _login(client, user.email, PASSWORD)
    assert client.raw.post("/logout").status_code == 400
    assert _is_logged_in(client)


def test_deactivated_user_cannot_log_in(client, user, session):
    user.active = False
    session.commit()
    response = _login(client, user.email, PASSWORD)
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(client, user, session):
    _login(client, user.email, PASSWORD)
    session.get(User, user.id).active = False
    session.commit()
    assert not _is_logged_in(client)


def test_user_without_password_cannot_log_in(client, make_user, session):
    user = make_user("referent", password=None)
    session.commit()
    assert _login(client, user.email, "").status_code == 400
    assert _login(client, user.email, "some-password").status_code == 401


def test_session_cookie_flags(client, user):
    cookie = _login(client, user.email, PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # this test configuration serves plain HTTP


def test_session_cookie_is_secure_when_configured(app, client, user, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    cookie = _login(client, user.email, PASSWORD).headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie


def test_failed_logins_are_counted_in_the_trail(client, user, session):
    for _ in range(2):
        _login(client, user.email, "not-the-password")
    count = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "login_failed")
    )
    assert count == 2


def test_logout_ends_the_session_even_for_a_copied_cookie(client, login_as, organisation):
    login_as("dpo", organisation)
    copied = client.raw.get_cookie("session").value
    client.post("/logout")
    assert client.get("/").status_code == 302
    client.raw.set_cookie("session", copied)
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_password_change_keeps_this_session_and_ends_the_others(
    app, client, login_as, organisation
):
    user = login_as("dpo", organisation)
    other = app.test_client()
    other.set_cookie("session", client.raw.get_cookie("session").value)
    assert other.get("/").status_code == 200
    response = client.post(
        "/account",
        data={
            "current": PASSWORD,
            "new": "another-long-password",
            "confirm": "another-long-password",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert user.check_password("another-long-password")
