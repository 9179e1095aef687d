"""Administration pages: organisations, users, roles, the audit trail; conflicts and bad input."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from compliance.admin import services
from compliance.audit import AuditEntry
from compliance.auth import Membership, User
from compliance.tenancy import Organisation, OrganisationKind


@pytest.fixture
def host(make_organisation):
    return make_organisation("SIIM94", kind=OrganisationKind.SYNDICATE, is_host=True)


@pytest.fixture
def platform_admin(login_as, host, organisation):
    return login_as("admin", host, organisation)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _organisation_form(organisation: Organisation, **changes) -> dict:
    data = {
        "name": organisation.name,
        "kind": organisation.kind.value,
        "siren": organisation.siren or "",
        "address": organisation.address or "",
        "is_active": "y" if organisation.is_active else "",
        "version": str(organisation.version),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dpo", "ciso", "referent", "auditor"])
@pytest.mark.parametrize("path", ["/admin/organisations", "/admin/users", "/admin/audit"])
def test_admin_pages_are_forbidden_to_other_roles(client, login_as, organisation, role, path):
    login_as(role, organisation)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    "path", ["/admin/organisations", "/admin/organisations/new", "/admin/users", "/admin/audit"]
)
def test_admin_pages_render(client, platform_admin, path):
    assert client.get(path).status_code == 200


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_member_admin_cannot_create_organisations(client, login_as, host, organisation, session):
    login_as("admin", organisation)
    before = _count(session, Organisation)
    response = client.post("/admin/organisations/new", data={"name": "Arcueil", "kind": "commune"})
    assert response.status_code == 403
    assert _count(session, Organisation) == before


def test_member_admin_does_not_see_other_organisations(
    client, login_as, host, organisation, other_organisation
):
    login_as("admin", organisation)
    assert client.get(f"/admin/organisations/{organisation.id}").status_code == 200
    assert client.get(f"/admin/organisations/{other_organisation.id}").status_code == 404


# --- organisations --------------------------------------------------------------------------


def test_create_organisation(client, platform_admin, session):
    response = client.post(
        "/admin/organisations/new",
        data={"name": "Coop'Ivry Habitat", "kind": "oph", "siren": "219 400 413", "is_active": "y"},
    )
    assert response.status_code == 302
    created = session.scalar(select(Organisation).where(Organisation.slug == "coop-ivry-habitat"))
    assert (created.kind, created.siren) == (OrganisationKind.OPH, "219400413")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Arcueil", "kind": "commune", "siren": "123456789"}, "SIREN"),
        ({"name": "", "kind": "commune"}, None),
        ({"name": "Arcueil", "kind": "kingdom"}, None),
    ],
)
def test_create_organisation_refuses_bad_input(client, platform_admin, session, data, message):
    before = (_count(session, Organisation), _count(session, AuditEntry))
    response = client.post("/admin/organisations/new", data=data)
    assert response.status_code == 400
    if message:
        assert message in response.get_data(as_text=True)
    assert (_count(session, Organisation), _count(session, AuditEntry)) == before


def test_create_organisation_refuses_a_duplicate(client, platform_admin, organisation, session):
    before = _count(session, Organisation)
    response = client.post(
        "/admin/organisations/new", data={"name": "Ivry sur Seine", "kind": "commune"}
    )
    assert response.status_code == 400
    assert "ivry-sur-seine" in response.get_data(as_text=True)
    assert _count(session, Organisation) == before


def test_edit_organisation(client, platform_admin, organisation):
    data = _organisation_form(organisation, address="Esplanade Georges Marrane")
    response = client.post(f"/admin/organisations/{organisation.id}", data=data)
    assert response.status_code == 302
    assert organisation.address == "Esplanade Georges Marrane"
    assert organisation.version == 2


def test_edit_with_a_stale_version_shows_the_conflict(
    client, platform_admin, organisation, session
):
    stale = _organisation_form(organisation, address="Their address")
    services.update_organisation(
        session, organisation, {"address": "Our address"}, actor=platform_admin
    )
    session.commit()
    response = client.post(f"/admin/organisations/{organisation.id}", data=stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Our address" in page
    assert "Their address" in page
    assert organisation.address == "Our address"
    assert organisation.version == 2


def test_edit_organisation_refuses_bad_input(client, platform_admin, organisation):
    data = _organisation_form(organisation, siren="12345")
    response = client.post(f"/admin/organisations/{organisation.id}", data=data)
    assert response.status_code == 400
    assert organisation.siren is None
    assert organisation.version == 1


# --- users and roles ------------------------------------------------------------------------


def test_create_user(client, platform_admin, session):
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Nina@Ivry.example",
            "name": "Nina",
            "language": "en",
            "password": "a-long-enough-password",
        },
    )
    assert response.status_code == 302
    user = services.find_user(session, "nina@ivry.example")
    assert (user.name, user.language) == ("Nina", "en")
    assert user.check_password("a-long-enough-password")


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not-an-address", "name": "Nina", "language": "fr"},
        {"email": "nina@ivry.example", "name": "", "language": "fr"},
        {"email": "nina@ivry.example", "name": "Nina", "language": "fr", "password": "short"},
    ],
)
def test_create_user_refuses_bad_input(client, platform_admin, session, data):
    before = _count(session, User)
    assert client.post("/admin/users/new", data=data).status_code == 400
    assert _count(session, User) == before


def test_create_user_refuses_a_duplicate_address(client, platform_admin, make_user, session):
    make_user(email="nina@ivry.example")
    session.commit()
    before = _count(session, User)
    response = client.post(
        "/admin/users/new", data={"email": "NINA@ivry.example", "name": "Nina", "language": "fr"}
    )
    assert response.status_code == 400
    assert "nina@ivry.example" in response.get_data(as_text=True)
    assert _count(session, User) == before


def test_grant_then_revoke_a_role(client, platform_admin, make_user, organisation, session):
    user = make_user(email="olga@ivry.example")
    session.commit()
    response = client.post(
        f"/admin/users/{user.id}/memberships",
        data={"m-organisation": str(organisation.id), "m-role": "referent"},
    )
    assert response.status_code == 302
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert (membership.organisation_id, membership.role.value) == (organisation.id, "referent")
    response = client.post(f"/admin/memberships/{membership.id}/revoke")
    assert response.status_code == 302
    assert session.scalar(select(Membership).where(Membership.user_id == user.id)) is None


def test_grant_with_an_expiry_in_paris_time(
    client, platform_admin, make_user, organisation, session
):
    user = make_user()
    session.commit()
    client.post(
        f"/admin/users/{user.id}/memberships",
        data={
            "m-organisation": str(organisation.id),
            "m-role": "auditor",
            "m-expires_at": "2026-07-01T12:00",
        },
    )
    membership = session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.expires_at.isoformat() == "2026-07-01T10:00:00+00:00"


def test_member_admin_cannot_grant_in_another_organisation(
    client, login_as, host, organisation, other_organisation, make_user, session
):
    login_as("admin", organisation)
    user = make_user("referent", organisation)
    session.commit()
    client.post(
        f"/admin/users/{user.id}/memberships",
        data={"m-organisation": str(other_organisation.id), "m-role": "dpo"},
    )
    held = session.scalars(select(Membership.organisation_id).where(Membership.user_id == user.id))
    assert set(held) == {organisation.id}


def test_deactivate_user(client, platform_admin, make_user, session):
    user = make_user(email="paul@ivry.example")
    session.commit()
    response = client.post(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302
    assert user.active is False


def test_admin_cannot_deactivate_themselves(client, platform_admin):
    client.post(f"/admin/users/{platform_admin.id}/deactivate")
    assert platform_admin.active is True


def test_edit_user_with_a_stale_version_is_a_conflict(client, platform_admin, make_user, session):
    user = make_user(email="quentin@ivry.example", name="Quentin")
    session.commit()
    services.update_user(session, user, {"name": "Quentin M."}, actor=platform_admin)
    session.commit()
    response = client.post(
        f"/admin/users/{user.id}",
        data={"email": user.email, "name": "Quentin Martin", "language": "fr", "version": "1"},
    )
    assert response.status_code == 409
    assert user.name == "Quentin M."


# --- audit trail page -----------------------------------------------------------------------


def test_audit_page_lists_and_filters(client, platform_admin, organisation, session):
    services.update_organisation(
        session, organisation, {"address": "Esplanade"}, actor=platform_admin
    )
    session.commit()
    page = client.get("/admin/audit", query_string={"action": "update"}).get_data(as_text=True)
    assert "Organisation Ivry-sur-Seine" in page
    assert "Connexion d" not in page
    assert "Connexion d" in client.get("/admin/audit").get_data(as_text=True)


def test_audit_page_counts_the_rows_of_a_record_without_raw_json(
    client, platform_admin, make_user, organisation, session
):
    from compliance import mfa
    from compliance.i18n import local_datetime

    user = make_user("dpo", organisation, email="damien@ivry.example")
    mfa.start_enrolment(session, user)
    mfa.confirm_enrolment(session, user, mfa.totp(user.mfa_secret, mfa.current_step()), actor=user)
    session.commit()
    page = client.get("/admin/audit", query_string={"action": "mfa_enable"}).get_data(as_text=True)
    assert "10 lignes ajoutées" in page
    table = page.split("<tbody>")[1]  # the action filter offers value="create"
    assert "&#34;create&#34;" not in table and '"create"' not in table
    # The instant it was enabled, in Paris time like the date column, not as stored (UTC).
    assert user.mfa_enabled_at.isoformat() not in page
    assert local_datetime(user.mfa_enabled_at) in page


def test_audit_page_shows_lists_with_their_accents(client, platform_admin, session):
    from compliance import audit

    recipients = {"after": [{"name": "Service de l'état civil"}], "before": None}
    audit.record(session, action="check", actor=platform_admin, changes={"recipients": recipients})
    session.commit()
    page = client.get("/admin/audit", query_string={"action": "check"}).get_data(as_text=True)
    assert "Service de l&#39;état civil" in page
    assert "\\u00e9" not in page


# --- administration scope: a member's admin manages roles, never accounts -------------------


@pytest.fixture
def shared_dpo(make_user, host, organisation, other_organisation, session):
    """The shared DPO: a role in the host and in every member."""
    user = make_user("dpo", host, organisation, other_organisation, email="dpo@siim94.example")
    session.commit()
    return user


@pytest.fixture
def ivry_admin(login_as, host, organisation):
    return login_as("admin", organisation, email="admin@ivry.example")


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_member_admin_sees_the_shared_dpo_read_only(client, shared_dpo, ivry_admin):
    assert shared_dpo.email in client.get("/admin/users").get_data(as_text=True)
    page = client.get(f"/admin/users/{shared_dpo.id}").get_data(as_text=True)
    assert shared_dpo.email in page
    assert 'name="password"' not in page
    assert 'name="email"' not in page
    assert f"/admin/users/{shared_dpo.id}/deactivate" not in page
    assert "/admin/users/new" not in client.get("/admin/users").get_data(as_text=True)


def test_member_admin_cannot_take_over_the_shared_dpo(app, client, shared_dpo, ivry_admin, session):
    before = (shared_dpo.password_hash, shared_dpo.email, shared_dpo.version)
    response = client.post(
        f"/admin/users/{shared_dpo.id}",
        data={
            "email": "mine@ivry.example",
            "name": shared_dpo.name,
            "language": "fr",
            "password": "Prise-de-contrôle-2026",
            "version": str(shared_dpo.version),
        },
    )
    assert response.status_code == 403
    session.refresh(shared_dpo)
    assert (shared_dpo.password_hash, shared_dpo.email, shared_dpo.version) == before
    client.post("/logout")
    assert _login(client, shared_dpo.email, "Prise-de-contrôle-2026").status_code == 401


def test_member_admin_cannot_deactivate_the_shared_dpo(client, shared_dpo, ivry_admin, session):
    response = client.post(f"/admin/users/{shared_dpo.id}/deactivate")
    assert response.status_code == 403
    session.refresh(shared_dpo)
    assert shared_dpo.active is True


def test_member_admin_cannot_manage_even_a_local_account(
    client, ivry_admin, make_user, organisation, session
):
    referent = make_user("referent", organisation, email="rita@ivry.example")
    session.commit()
    before = referent.password_hash
    response = client.post(
        f"/admin/users/{referent.id}",
        data={
            "email": referent.email,
            "name": "Rita",
            "language": "fr",
            "password": "Ciel-gris-sur-Arcueil-2026",
            "version": str(referent.version),
        },
    )
    assert response.status_code == 403
    assert client.post(f"/admin/users/{referent.id}/deactivate").status_code == 403
    session.refresh(referent)
    assert (referent.password_hash, referent.active) == (before, True)
    assert referent.name == referent.email


@pytest.mark.parametrize("method", ["get", "post"])
def test_member_admin_cannot_create_accounts(client, ivry_admin, session, method):
    before = _count(session, User)
    data = {"email": "new@ivry.example", "name": "New", "language": "fr"}
    if method == "post":
        response = client.post("/admin/users/new", data=data)
    else:
        response = client.get("/admin/users/new")
    assert response.status_code == 403
    assert _count(session, User) == before


def test_member_admin_grants_and_withdraws_roles_in_their_organisation(
    client, shared_dpo, ivry_admin, organisation, session
):
    response = client.post(
        f"/admin/users/{shared_dpo.id}/memberships",
        data={"m-organisation": str(organisation.id), "m-role": "referent"},
    )
    assert response.status_code == 302
    granted = session.scalar(
        select(Membership).where(
            Membership.user_id == shared_dpo.id,
            Membership.organisation_id == organisation.id,
            Membership.role == "referent",
        )
    )
    assert granted is not None
    granted_id = granted.id
    assert client.post(f"/admin/memberships/{granted_id}/revoke").status_code == 302
    session.expunge_all()
    assert session.get(Membership, granted_id) is None


def test_member_admin_cannot_touch_roles_elsewhere(
    client, shared_dpo, ivry_admin, host, other_organisation, session
):
    elsewhere = session.scalar(
        select(Membership).where(
            Membership.user_id == shared_dpo.id,
            Membership.organisation_id == other_organisation.id,
        )
    )
    page = client.get(f"/admin/users/{shared_dpo.id}").get_data(as_text=True)
    assert f"/admin/memberships/{elsewhere.id}/revoke" not in page
    assert client.post(f"/admin/memberships/{elsewhere.id}/revoke").status_code == 404
    assert session.get(Membership, elsewhere.id) is not None
    for target in (host, other_organisation):
        response = client.post(
            f"/admin/users/{shared_dpo.id}/memberships",
            data={"m-organisation": str(target.id), "m-role": "admin"},
        )
        assert response.status_code in (302, 400, 404)
    held = set(
        session.scalars(
            select(Membership.organisation_id).where(
                Membership.user_id == shared_dpo.id, Membership.role == "admin"
            )
        )
    )
    assert held == set()


def test_member_admin_cannot_make_their_organisation_the_host(
    client, host, ivry_admin, organisation, session
):
    data = _organisation_form(organisation, is_host="y")
    assert 'name="is_host"' not in client.get(f"/admin/organisations/{organisation.id}").get_data(
        as_text=True
    )
    response = client.post(f"/admin/organisations/{organisation.id}", data=data)
    assert response.status_code == 302
    session.refresh(organisation)
    assert organisation.is_host is False
    assert client.get("/admin/users/new").status_code == 403


def test_platform_admin_manages_the_shared_dpo(client, shared_dpo, platform_admin, session):
    response = client.post(
        f"/admin/users/{shared_dpo.id}",
        data={
            "email": shared_dpo.email,
            "name": "Déléguée mutualisée",
            "language": "fr",
            "password": "Ciel-gris-sur-Arcueil-2026",
            "version": str(shared_dpo.version),
        },
    )
    assert response.status_code == 302
    session.refresh(shared_dpo)
    assert shared_dpo.name == "Déléguée mutualisée"
    assert shared_dpo.check_password("Ciel-gris-sur-Arcueil-2026")
    assert client.post(f"/admin/users/{shared_dpo.id}/deactivate").status_code == 302
    session.refresh(shared_dpo)
    assert shared_dpo.active is False


def test_the_last_host_keeps_its_flag(client, platform_admin, host, organisation, session):
    data = _organisation_form(host)  # the box unticked
    response = client.post(f"/admin/organisations/{host.id}", data=data)
    assert response.status_code == 400
    assert "héberger Registre" in response.get_data(as_text=True)
    session.refresh(host)
    assert host.is_host is True
    # Flag the new host first; then the old one may let go.
    data = _organisation_form(organisation, is_host="y")
    assert client.post(f"/admin/organisations/{organisation.id}", data=data).status_code == 302
    session.refresh(host)
    response = client.post(f"/admin/organisations/{host.id}", data=_organisation_form(host))
    assert response.status_code == 302
    session.refresh(host)
    assert host.is_host is False
