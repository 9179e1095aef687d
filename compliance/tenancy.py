"""Organisations, and the one helper that scopes every query to what the user may see."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlmodel import Field

from compliance.db import RecordMixin, str_enum
from compliance.enums import LabeledEnum


class OrganisationKind(LabeledEnum):
    COMMUNE = "commune"
    EPT = "ept"
    OPH = "oph"
    PUBLIC_BODY = "public_body"
    SYNDICATE = "syndicate"
    OTHER = "other"

    @classmethod
    def __labels__(cls):
        return {
            cls.COMMUNE: _l("Commune"),
            cls.EPT: _l("Établissement public territorial"),
            cls.OPH: _l("Office public de l'habitat"),
            cls.PUBLIC_BODY: _l("Établissement public"),
            cls.SYNDICATE: _l("Syndicat"),
            cls.OTHER: _l("Autre"),
        }


class Organisation(RecordMixin, table=True):
    name: str = Field(max_length=200, nullable=False)
    slug: str = Field(max_length=200, nullable=False, unique=True, index=True)
    kind: OrganisationKind = Field(
        default=OrganisationKind.COMMUNE, sa_type=str_enum(OrganisationKind), nullable=False
    )
    siren: str | None = Field(default=None, max_length=9)
    address: str | None = Field(default=None, max_length=500)
    legal_representative: str | None = Field(default=None, max_length=200)
    dpo_name: str | None = Field(default=None, max_length=200)
    dpo_cnil_number: str | None = Field(default=None, max_length=50)
    dpo_designated_on: date | None = None
    # How the people concerned and the CNIL reach the DPO (Art. 30(1)(a), 33(3)(b), 37(7)).
    dpo_contact: str | None = Field(default=None, max_length=500)
    referent_name: str | None = Field(default=None, max_length=200)
    referent_email: str | None = Field(default=None, max_length=254)
    is_host: bool = Field(default=False, nullable=False)
    is_active: bool = Field(default=True, nullable=False)
    notes: str | None = None

    __table_args__ = (
        sa.CheckConstraint("siren IS NULL OR length(siren) = 9", name="siren_length"),
    )

    def __str__(self) -> str:
        return self.name


def slugify(name: str) -> str:
    """Lowercase ASCII; every other run of characters becomes one hyphen."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def is_valid_siren(siren: str) -> bool:
    """Nine digits passing the Luhn check, as INSEE assigns them."""
    if not re.fullmatch(r"\d{9}", siren or ""):
        return False
    total = 0
    for index, char in enumerate(reversed(siren)):
        digit = int(char)
        if index % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


# --- scoping -------------------------------------------------------------------------------


def visible_organisations_query(user, register, action=None):
    """SELECT of the organisation ids where the user holds a role allowing action on register.

    A subquery on the user's memberships, so the condition stays one SQL clause whatever the
    size of the tables it filters.
    """
    from compliance.auth import Membership, active_membership_condition
    from compliance.permissions import Action, roles_allowing

    roles = [r.value for r in roles_allowing(register, action or Action.READ)]
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return sa.select(Membership.organisation_id).where(sa.false())
    return sa.select(Membership.organisation_id).where(
        Membership.user_id == user.id,
        Membership.role.in_(roles),
        active_membership_condition(),
    )


def scope(statement, column, register, action=None, *, user=None, selected: bool = True):
    """Restrict a SELECT to the rows whose organisation column the user may see.

    With selected=True the organisation chosen in the selector narrows it further.
    """
    from flask_login import current_user

    user = current_user if user is None else user
    statement = statement.where(column.in_(visible_organisations_query(user, register, action)))
    if selected:
        chosen = selected_organisation_id()
        if chosen is not None:
            statement = statement.where(column == chosen)
    return statement


def selected_organisation_id() -> int | None:
    """The organisation picked in the selector, or None for 'all that I may see'."""
    from flask import g, has_request_context, session

    if not has_request_context():
        return None
    if "selected_organisation" not in g:
        g.selected_organisation = None
        slug = session.get("organisation")
        if slug:
            from compliance.db import get_session

            g.selected_organisation = get_session().scalar(
                sa.select(Organisation).where(Organisation.slug == slug)
            )
    org = g.selected_organisation
    return org.id if org is not None else None


def visible_organisations(register="dashboard", action=None, *, user=None) -> list[Organisation]:
    from flask_login import current_user

    from compliance.db import get_session

    user = current_user if user is None else user
    statement = (
        sa.select(Organisation)
        .where(Organisation.id.in_(visible_organisations_query(user, register, action)))
        .order_by(Organisation.name)
    )
    return list(get_session().scalars(statement))


def get_or_404(model, record_id, register, action=None, *, user=None):
    """Load a member-owned record: 404 if the user may not see it, 403 if not act on it."""
    from flask import abort
    from flask_login import current_user

    from compliance.auth import can
    from compliance.db import get_session
    from compliance.permissions import Action

    user = current_user if user is None else user
    from compliance.text import bounded_id

    # An id no database column can hold names no record (and would overflow the driver).
    record_id = bounded_id(record_id)
    if record_id is None:
        abort(404)
    column = model.__table__.c.organisation_id
    statement = scope(
        sa.select(model).where(model.__table__.c.id == record_id),
        column,
        register,
        Action.READ,
        user=user,
        selected=False,
    )
    record = get_session().scalar(statement)
    if record is None:
        abort(404)
    action = action or Action.READ
    if action != Action.READ and not can(register, action, record.organisation_id, user=user):
        abort(403)
    return record
