"""Organisations, users, memberships and API tokens: the operations pages, CLI and API share."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlmodel import select

from compliance import audit
from compliance.access import PLATFORM_ADMIN, allowed
from compliance.auth import ApiToken, Membership, User, generate_token, hash_token, memberships_of
from compliance.db import check_version, utcnow
from compliance.passwords import validate_password
from compliance.permissions import Role
from compliance.services import ServiceError
from compliance.tenancy import Organisation, OrganisationKind, slugify

ORGANISATION_FIELDS = (
    "name",
    "kind",
    "siren",
    "address",
    "legal_representative",
    "dpo_name",
    "dpo_cnil_number",
    "dpo_designated_on",
    "dpo_contact",
    "referent_name",
    "referent_email",
    "is_host",
    "is_active",
    "notes",
)


# --- administration scope -------------------------------------------------------------------


def admin_organisation_ids(session: Session, actor) -> set[int]:
    """The organisations where `actor` currently holds the admin role."""
    return {m.organisation_id for m in memberships_of(actor, session) if m.role == Role.ADMIN}


def is_platform_admin(session: Session, actor) -> bool:
    """An admin of the hosting organisation (the syndicate) administers the whole platform
    (the kernel rule `PLATFORM_ADMIN`: while no organisation is the host, any admin; the
    operator, acting under a label from the command line or the demo, always)."""
    return allowed(PLATFORM_ADMIN, user=actor, session=session)


def may_manage_account(session: Session, actor, user: User | None = None) -> bool:
    """Whether `actor` may create accounts or change one's identity, e-mail, name, language,
    password, second factor or activation.

    Accounts belong to the platform admin: the shared DPO, the CISO and the platform admin
    hold roles in every member, so a member's admin who could set their password would read
    every member's registers. A member's admin grants and withdraws roles in the
    organisations they administer, and nothing else.
    """
    return allowed(PLATFORM_ADMIN, user=actor, session=session)


# Only the platform admin decides which organisation hosts the platform: the flag makes its
# admins platform admins.
PLATFORM_ORGANISATION_FIELDS = ("is_host",)


def _apply(record, data: dict, fields) -> None:
    for key in fields:
        if key in data:
            setattr(record, key, data[key])


def create_organisation(session: Session, data: dict, *, actor) -> Organisation:
    name = (data.get("name") or "").strip()
    if not name:
        raise ServiceError(_("Le nom est obligatoire."))
    slug = data.get("slug") or slugify(name)
    if session.scalar(select(Organisation).where(Organisation.slug == slug)):
        raise ServiceError(_("Une organisation porte déjà l'identifiant « %(slug)s ».", slug=slug))
    organisation = Organisation(name=name, slug=slug, kind=data.get("kind", OrganisationKind.OTHER))
    _apply(organisation, {k: v for k, v in data.items() if k != "name"}, ORGANISATION_FIELDS)
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        action="create",
        actor=actor,
        target=organisation,
        summary=f"Organisation {organisation.name}",
    )
    return organisation


def update_organisation(
    session: Session, organisation: Organisation, data: dict, *, actor, version: int | None = None
) -> Organisation:
    check_version(organisation, version)
    fields = ORGANISATION_FIELDS
    if not is_platform_admin(session, actor):
        fields = tuple(f for f in fields if f not in PLATFORM_ORGANISATION_FIELDS)
    elif _drops_the_last_host(session, organisation, data):
        # Without a host every admin would be a platform admin: flag the new host first.
        raise ServiceError(
            _(
                "Une organisation au moins doit héberger Registre : cochez d'abord la case "
                "sur l'organisation qui la remplace."
            )
        )
    _apply(organisation, data, fields)
    audit.describe(session, organisation, actor=actor, summary=f"Organisation {organisation.name}")
    return organisation


def _drops_the_last_host(session: Session, organisation: Organisation, data: dict) -> bool:
    if not organisation.is_host or data.get("is_host") is not False:
        return False
    other = select(Organisation.id).where(Organisation.is_host, Organisation.id != organisation.id)
    return session.scalar(other) is None


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    actor,
    password: str | None = None,
    language: str = "fr",
) -> User:
    email = normalise_email(email)
    if not email or "@" not in email:
        raise ServiceError(_("Une adresse e-mail valide est obligatoire."))
    if find_user(session, email):
        raise ServiceError(_("Un utilisateur a déjà l'adresse %(email)s.", email=email))
    user = User(email=email, name=name.strip() or email, language=language)
    if password:
        validate_password(password, user=user)
        user.set_password(password)
    session.add(user)
    session.flush()
    audit.record(
        session,
        action="create",
        actor=actor,
        target=user,
        summary=f"User {email}",
    )
    return user


def set_password(session: Session, user: User, password: str, *, actor) -> None:
    validate_password(password, user=user)
    user.set_password(password)
    user.end_sessions()
    session.flush()
    audit.record(
        session,
        action="password",
        actor=actor,
        target=user,
        summary=f"Password of {user.email} changed",
    )


def update_user(
    session: Session, user: User, data: dict, *, actor, version: int | None = None
) -> User:
    check_version(user, version)
    if "email" in data:
        email = normalise_email(data["email"])
        other = find_user(session, email)
        if other is not None and other.id != user.id:
            raise ServiceError(_("Un utilisateur a déjà l'adresse %(email)s.", email=email))
        data = {**data, "email": email}
    _apply(user, data, ("email", "name", "language", "active"))
    audit.describe(session, user, actor=actor, summary=f"User {user.email}")
    return user


def deactivate_user(session: Session, user: User, *, actor) -> User:
    if not user.active:
        return user
    user.active = False
    user.end_sessions()
    for token in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = utcnow()
    session.flush()
    audit.record(
        session,
        action="deactivate",
        actor=actor,
        target=user,
        summary=f"User {user.email} deactivated",
    )
    return user


def grant_role(
    session: Session,
    user: User,
    organisation: Organisation,
    role: Role | str,
    *,
    actor,
    expires_at: datetime | None = None,
) -> Membership:
    role = Role(role)
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organisation_id == organisation.id,
            Membership.role == role,
        )
    )
    if membership is None:
        membership = Membership(user_id=user.id, organisation_id=organisation.id, role=role)
        session.add(membership)
    elif membership.expires_at == expires_at:
        return membership
    membership.expires_at = expires_at
    session.flush()
    audit.record(
        session,
        action="grant",
        actor=actor,
        target=membership,
        organisation_id=organisation.id,
        summary=f"{user.email}: {role.value} in {organisation.slug}",
    )
    return membership


def revoke_membership(session: Session, membership: Membership, *, actor) -> None:
    user = session.get(User, membership.user_id)
    organisation = session.get(Organisation, membership.organisation_id)
    summary = f"{user.email}: {membership.role.value} in {organisation.slug} removed"
    session.delete(membership)
    audit.record(session, action="revoke", actor=actor, target=membership, summary=summary)


def create_token(session: Session, user: User, name: str, *, actor) -> tuple[ApiToken, str]:
    """Return the token row and the secret, which is shown once and never stored."""
    secret = generate_token()
    token = ApiToken(
        user_id=user.id,
        name=name.strip() or "API",
        prefix=secret[:10],
        token_hash=hash_token(secret),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        action="create",
        actor=actor,
        target=token,
        summary=f"API token {token.name} for {user.email}",
    )
    return token, secret


def revoke_token(session: Session, token: ApiToken, *, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        audit.record(
            session,
            action="revoke",
            actor=actor,
            target=token,
            summary=f"API token {token.name} revoked",
        )
