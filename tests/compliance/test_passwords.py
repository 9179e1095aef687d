"""The password policy (CNIL, délibération n° 2022-100): where every password set is checked."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import func, select

from compliance.admin import services
from compliance.auth import User
from compliance.passwords import entropy_bits, validate_password
from compliance.services import ServiceError
from tests.conftest import PASSWORD

ROMAIN = SimpleNamespace(email="romain.dupont@ivry.example", name="Romain Dupont")


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,
        "demo-registre-2026",
        "Kj8#mP2q!xLw",  # 12 characters of the four kinds
        "kj8mP2qxLwzr9T",  # 14 characters of three kinds
        "les cerises de Vitry sont mûres",  # a passphrase
        "Prise-de-contrôle-2026",
    ],
)
def test_accepts_strong_passwords(app, password):
    validate_password(password, user=ROMAIN)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaaaa", "faible"),
        ("Kj8#mP2q!xL", "faible"),  # 11 characters
        ("kj8mp2qxlwzr9t", "faible"),  # 14 characters, two kinds: 72 bits
        ("Kj8mP2qxLwzr", "faible"),  # 12 characters, three kinds
        ("aaaaaaaaaaaaaaaaaaaaaaaa", "prévisible"),
        ("Soleil!Soleil!Soleil!", "prévisible"),
        ("abcdefghijklmnopqrstuvwxyz", "prévisible"),
        ("Azertyuiop123!", "prévisible"),
        ("Qwertyuiop98765#", "prévisible"),
        ("123456789012345678901234567890", "prévisible"),
        ("Motdepasse2024!", "courants"),
        ("P@ssw0rd-2026!", "courants"),
        ("Bonjour2026!?", "courants"),
        ("Marseille13013!", "courants"),
        ("Nouveau-mot-de-passe-2026", "courants"),
        ("Romain-est-au-bureau-2026", "nom"),
        ("La-cantine-de-DUPONT-99", "nom"),
        ("romain.dupont#Ivry2026", "nom"),
    ],
)
def test_refuses_weak_passwords_saying_why(app, password, reason):
    with pytest.raises(ServiceError, match=reason):
        validate_password(password, user=ROMAIN)


def test_refuses_an_endless_password(app):
    with pytest.raises(ServiceError, match="dépasser"):
        validate_password("Kj8#mP2q!xLw" * 30)


def test_entropy_by_length_and_kinds():
    assert round(entropy_bits("abcdefghijklmnop")) == 75  # 16 × log2(26)
    assert entropy_bits("a" * 18) > 80


def test_the_messages_are_translated(app):
    from flask_babel import force_locale

    with force_locale("en"), pytest.raises(ServiceError, match="Password too weak"):
        validate_password("aaaaaaaaaaaa")


# --- every place a password is set ----------------------------------------------------------


def test_create_user_refuses_a_weak_password(app, session):
    with pytest.raises(ServiceError):
        services.create_user(
            session, email="nina@ivry.example", name="Nina", password="aaaaaaaaaaaa", actor="t"
        )
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_set_password_refuses_the_users_own_name(app, session, make_user):
    user = make_user(email="nina.leroy@ivry.example", name="Nina Leroy")
    before = user.password_hash
    with pytest.raises(ServiceError, match="nom"):
        services.set_password(session, user, "Leroy-Nina-au-bureau-2026", actor="t")
    assert user.password_hash == before


def test_account_page_refuses_a_weak_password(client, login_as, organisation):
    user = login_as("dpo", organisation)
    before = user.password_hash
    response = client.post(
        "/account",
        data={"current": PASSWORD, "new": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"},
    )
    assert response.status_code == 400
    assert "Mot de passe trop faible" in response.get_data(as_text=True)
    assert user.password_hash == before


def test_admin_page_refuses_a_common_password(client, login_as, make_organisation, session):
    host = make_organisation("SIIM94", is_host=True)
    login_as("admin", host)
    response = client.post(
        "/admin/users/new",
        data={
            "email": "nina@ivry.example",
            "name": "Nina",
            "language": "fr",
            "password": "Motdepasse2024!",
        },
    )
    assert response.status_code == 400
    assert "plus courants" in response.get_data(as_text=True)
    assert services.find_user(session, "nina@ivry.example") is None
