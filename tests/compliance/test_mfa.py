"""The second factor: TOTP (RFC 6238), recovery codes, the two-step login, enrolment,
disabling, the platform admin's reset, and the roles that require it."""

from __future__ import annotations

import base64

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from compliance import mfa
from compliance.admin import services
from compliance.audit import AuditEntry
from compliance.auth import RecoveryCode, User
from compliance.config import load_settings
from compliance.tenancy import OrganisationKind
from tests.conftest import PASSWORD

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def _code(user: User, offset: int = 0) -> str:
    return mfa.totp(user.mfa_secret, mfa.current_step() + offset)


def _enrol(session, user: User) -> list[str]:
    """Enrolled as through the page; the code used then lies two steps back, so that the
    current code is free for a login."""
    mfa.start_enrolment(session, user)
    codes = mfa.confirm_enrolment(session, user, _code(user), actor=user)
    user.mfa_last_step = mfa.current_step() - 2
    session.commit()
    return codes


def _password(client, user, **kwargs):
    return client.post("/login", data={"email": user.email, "password": PASSWORD}, **kwargs)


def _second_step(client, code):
    return client.post("/login/code", data={"code": code})


def _shown_codes(response) -> list[str]:
    page = response.get_data(as_text=True)
    return [part.split("</code>")[0] for part in page.split("<code>")[1:]]


def _logged_in(client) -> bool:
    return client.get("/").status_code == 200


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


@pytest.fixture
def dpo(make_user, organisation, session):
    user = make_user("dpo", organisation, email="damien@ivry.example")
    session.commit()
    return user


@pytest.fixture
def enrolled(dpo, session):
    codes = _enrol(session, dpo)
    return dpo, codes


# --- TOTP -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_totp_matches_the_rfc_6238_vectors(at, expected):
    assert mfa.totp(RFC_SECRET, mfa.current_step(at)) == expected


def test_a_code_is_accepted_one_step_either_side_and_not_further():
    now = 1111111109.0
    step = mfa.current_step(now)
    for offset in (-1, 0, 1):
        code = mfa.totp(RFC_SECRET, step + offset)
        assert mfa.matching_step(RFC_SECRET, code, now=now) == step + offset
    for offset in (-2, 2):
        assert mfa.matching_step(RFC_SECRET, mfa.totp(RFC_SECRET, step + offset), now=now) is None
    assert mfa.matching_step(RFC_SECRET, mfa.totp(RFC_SECRET, step), after=step, now=now) is None
    assert mfa.matching_step(RFC_SECRET, "12345", now=now) is None


# --- enrolment ------------------------------------------------------------------------------


def test_enrolment_on_the_account_page(client, login_as, organisation, session):
    user = login_as("dpo", organisation)
    assert "/account/mfa" in client.get("/account").get_data(as_text=True)
    assert client.post("/account/mfa/start").status_code == 302
    session.refresh(user)
    secret = user.mfa_secret
    page = client.get("/account/mfa").get_data(as_text=True)
    # The key to type in by hand, in groups of four as authenticator applications accept it.
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page
    assert "otpauth://totp/Registre:" in page
    assert 'src="data:image/svg+xml' in page
    assert not user.mfa_enabled

    wrong = client.post("/account/mfa", data={"code": "000000"})
    assert wrong.status_code == 400
    session.refresh(user)
    assert not user.mfa_enabled

    response = client.post("/account/mfa", data={"code": _code(user)})
    assert response.status_code == 200
    session.refresh(user)
    assert user.mfa_enabled
    stored = set(
        session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    )
    assert len(stored) == 10
    codes = _shown_codes(response)
    assert len(codes) == 10
    assert {mfa.hash_recovery_code(c) for c in codes} == stored
    assert not set(codes) & stored
    assert "mfa_enable" in _actions(session)


def test_the_secret_is_encrypted_at_rest(enrolled, session):
    user, _codes = enrolled
    raw = session.execute(
        sa.text('SELECT mfa_secret FROM "user" WHERE id = :id'), {"id": user.id}
    ).scalar()
    assert raw and user.mfa_secret not in raw


def test_nothing_secret_enters_the_audit_trail(client, login_as, organisation, session):
    user = login_as("dpo", organisation)
    client.post("/account/mfa/start")
    session.refresh(user)
    secret = user.mfa_secret
    codes = _shown_codes(client.post("/account/mfa", data={"code": _code(user)}))
    hashes = {mfa.hash_recovery_code(c) for c in codes}
    trail = " ".join(
        f"{entry.summary} {entry.changes}" for entry in session.scalars(select(AuditEntry))
    )
    for value in [secret, user.session_token, *codes, *hashes]:
        assert value not in trail


# --- the two-step login ---------------------------------------------------------------------


def test_login_asks_for_the_code_after_the_password(client, enrolled, session):
    user, _codes = enrolled
    response = _password(client, user, query_string={"next": "/incidents"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/code")
    assert not _logged_in(client)
    assert client.get("/login/code").status_code == 200
    response = _second_step(client, _code(user))
    assert response.status_code == 302
    assert response.headers["Location"] == "/incidents"
    assert _logged_in(client)
    assert _actions(session)[-2:] == ["login_password", "login"]


def test_a_wrong_code_is_refused(client, enrolled, session):
    user, _codes = enrolled
    _password(client, user)
    response = _second_step(client, "123456" if _code(user) != "123456" else "654321")
    assert response.status_code == 401
    assert "Code incorrect" in response.get_data(as_text=True)
    assert not _logged_in(client)
    assert _actions(session)[-1] == "mfa_failed"


def test_a_code_is_not_accepted_twice(client, enrolled):
    user, _codes = enrolled
    code = _code(user)
    _password(client, user)
    assert _second_step(client, code).status_code == 302
    client.post("/logout")
    _password(client, user)
    assert _second_step(client, code).status_code == 401
    assert not _logged_in(client)


def test_an_older_code_is_refused_after_a_newer_one(client, enrolled):
    user, _codes = enrolled
    _password(client, user)
    assert _second_step(client, _code(user, +1)).status_code == 302
    client.post("/logout")
    _password(client, user)
    assert _second_step(client, _code(user)).status_code == 401


def test_a_recovery_code_works_once(client, enrolled, session):
    user, codes = enrolled
    _password(client, user)
    response = _second_step(client, codes[3].upper().replace("-", " "))
    assert response.status_code == 302
    assert _logged_in(client)
    assert "mfa_recovery" in _actions(session)
    assert mfa.remaining_recovery_codes(session, user) == 9
    client.post("/logout")
    _password(client, user)
    assert _second_step(client, codes[3]).status_code == 401
    assert not _logged_in(client)


def test_the_code_step_is_rate_limited_apart_from_the_password(app, client, enrolled):
    user, _codes = enrolled
    limit = app.config["LOGIN_MAX_PER_ACCOUNT"]
    wrong = "123456" if _code(user) != "123456" else "654321"
    for _ in range(limit):
        # A right password before each guess does not reset the count of wrong codes.
        _password(client, user)
        assert _second_step(client, wrong).status_code == 401
    _password(client, user)
    response = _second_step(client, _code(user))
    assert response.status_code == 429
    assert not _logged_in(client)


def test_the_second_step_needs_the_first(client, enrolled):
    user, _codes = enrolled
    response = client.get("/login/code")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert _second_step(client, _code(user)).status_code == 302
    assert not _logged_in(client)


def test_the_second_step_expires(client, enrolled, monkeypatch):
    user, _codes = enrolled
    _password(client, user)
    real = mfa.time.time
    monkeypatch.setattr("compliance.mfa_views.time.time", lambda: real() + 301)
    _second_step(client, _code(user))
    assert not _logged_in(client)


def test_deactivation_between_the_steps_stops_the_login(client, enrolled, session):
    user, _codes = enrolled
    _password(client, user)
    services.deactivate_user(session, user, actor="test")
    session.commit()
    _second_step(client, _code(user))
    assert not _logged_in(client)


def test_users_without_mfa_log_in_with_the_password(client, dpo):
    assert _password(client, dpo).headers["Location"] == "/"
    assert _logged_in(client)


# --- disabling and resetting ----------------------------------------------------------------


def _log_in(client, user):
    _password(client, user)
    assert _second_step(client, _code(user)).status_code == 302


def test_the_user_disables_mfa_with_a_current_code(client, enrolled, session):
    user, codes = enrolled
    _log_in(client, user)
    client.post("/account/mfa/disable", data={"code": "999999"})
    session.refresh(user)
    assert user.mfa_enabled
    client.post("/account/mfa/disable", data={"code": codes[0]})
    session.refresh(user)
    assert not user.mfa_enabled and user.mfa_secret is None
    assert mfa.remaining_recovery_codes(session, user) == 0
    assert "mfa_disable" in _actions(session)


@pytest.fixture
def host(make_organisation):
    return make_organisation("SIIM94", kind=OrganisationKind.SYNDICATE, is_host=True)


def test_the_platform_admin_resets_mfa(client, login_as, host, organisation, enrolled, session):
    user, _codes = enrolled
    login_as("admin", host, organisation)
    assert "/mfa/reset" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert client.post(f"/admin/users/{user.id}/mfa/reset").status_code == 302
    session.refresh(user)
    assert not user.mfa_enabled and user.mfa_secret is None
    assert session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert _actions(session)[-1] == "mfa_reset"


def test_a_member_admin_cannot_reset_mfa(client, login_as, host, organisation, enrolled, session):
    user, _codes = enrolled
    login_as("admin", organisation)
    assert "/mfa/reset" not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert client.post(f"/admin/users/{user.id}/mfa/reset").status_code == 403
    session.refresh(user)
    assert user.mfa_enabled


# --- roles that require it ------------------------------------------------------------------


def test_required_roles_setting():
    assert load_settings({})["MFA_REQUIRED_ROLES"] == ()
    settings = load_settings({"COMPLIANCE_MFA_REQUIRED_ROLES": "dpo, ADMIN"})
    assert settings["MFA_REQUIRED_ROLES"] == ("dpo", "admin")
    with pytest.raises(ValueError, match="king"):
        load_settings({"COMPLIANCE_MFA_REQUIRED_ROLES": "dpo,king"})


@pytest.fixture
def dpo_requires_mfa(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED_ROLES", ("dpo",))


def test_a_required_role_enrols_before_anything_else(
    client, dpo_requires_mfa, login_as, organisation, session
):
    user = login_as("dpo", organisation)
    for path in ("/", "/account", "/incidents", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].endswith("/account/mfa")
    assert client.post("/account/tokens", data={"name": "x"}).status_code == 302
    page = client.get("/account/mfa").get_data(as_text=True)
    assert "exige une double authentification" in page
    client.post("/account/mfa/start")
    session.refresh(user)
    assert client.post("/account/mfa", data={"code": _code(user)}).status_code == 200
    assert client.get("/").status_code == 200


def test_other_roles_are_not_asked(client, dpo_requires_mfa, login_as, organisation):
    login_as("referent", organisation)
    assert client.get("/").status_code == 200


def test_api_tokens_are_not_affected(client, dpo_requires_mfa, dpo, session):
    _token, secret = services.create_token(session, dpo, "script", actor=dpo)
    session.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_new_recovery_codes_for_a_current_code(client, enrolled, session):
    user, old_codes = enrolled
    _log_in(client, user)
    client.post("/account/mfa/recovery-codes", data={"code": "999999"})
    assert mfa.remaining_recovery_codes(session, user) == 10
    response = client.post("/account/mfa/recovery-codes", data={"code": old_codes[0]})
    assert response.status_code == 200
    new_codes = _shown_codes(response)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert mfa.remaining_recovery_codes(session, user) == 10
    assert _actions(session)[-1] == "mfa_recovery_codes"
    client.post("/logout")
    _password(client, user)
    assert _second_step(client, old_codes[1]).status_code == 401
    assert _second_step(client, new_codes[1]).status_code == 302
