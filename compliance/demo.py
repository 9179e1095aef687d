"""Demo data: the syndicate's members, one user per role, then each register's own demo."""

from __future__ import annotations

import csv
from datetime import timedelta
from importlib import resources

from sqlalchemy.orm import Session
from sqlmodel import select

from compliance.admin import services
from compliance.auth import Membership
from compliance.db import utcnow
from compliance.mount import register_specs
from compliance.permissions import Role
from compliance.tenancy import Organisation, OrganisationKind, slugify

DEMO_PASSWORD = "demo-registre-2026"
DEMO_DOMAIN = "demo.registre.invalid"

KINDS = {
    "commune": OrganisationKind.COMMUNE,
    "etablissement_public_territorial": OrganisationKind.EPT,
    "office_public_habitat": OrganisationKind.OPH,
    "etablissement_public": OrganisationKind.PUBLIC_BODY,
    "syndicat": OrganisationKind.SYNDICATE,
}
HOST_NAME = "SIIM94"
DPO_NAME = "DPD mutualisé du SIIM94"
DPO_CONTACT = "dpd@demo.registre.invalid"

# (local part, name, role, organisations: "all" or a list of slugs, membership lasts days)
DEMO_USERS = [
    ("admin", "Alice Administratrice", Role.ADMIN, "all", None),
    ("dpo", "Damien Délégué", Role.DPO, "all", None),
    ("rssi", "Rachida RSSI", Role.CISO, "all", None),
    ("referent.ivry", "Romain Référent (Ivry)", Role.REFERENT, ["ivry-sur-seine"], None),
    ("referent.valdevy", "Valérie Référente (Valdevy)", Role.REFERENT, ["valdevy"], None),
    ("auditeur", "Antoine Auditeur", Role.AUDITOR, "all", 90),
]


def member_rows() -> list[dict]:
    text = resources.files("compliance.reference").joinpath("member-organisations.csv")
    with text.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_organisations(session: Session, actor) -> list[Organisation]:
    organisations = []
    for row in member_rows():
        slug = slugify(row["nom"])
        organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            organisation = services.create_organisation(
                session,
                {
                    "name": row["nom"],
                    "kind": KINDS.get(row["type"], OrganisationKind.OTHER),
                    "is_host": row["nom"] == HOST_NAME,
                    "dpo_name": DPO_NAME,
                    "dpo_contact": DPO_CONTACT,
                    "notes": row.get("notes") or None,
                },
                actor=actor,
            )
        organisations.append(organisation)
    return organisations


def load_users(session: Session, organisations: list[Organisation], actor) -> list[tuple]:
    by_slug = {o.slug: o for o in organisations}
    logins = []
    for local, name, role, scope, days in DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = services.find_user(session, email)
        if user is None:
            user = services.create_user(
                session, email=email, name=name, actor=actor, password=DEMO_PASSWORD
            )
        targets = organisations if scope == "all" else [by_slug[s] for s in scope]
        expires = utcnow() + timedelta(days=days) if days else None
        held = set(
            session.scalars(
                select(Membership.organisation_id).where(
                    Membership.user_id == user.id, Membership.role == role
                )
            )
        )
        for organisation in targets:
            if organisation.id not in held:
                services.grant_role(
                    session, user, organisation, role, actor=actor, expires_at=expires
                )
        logins.append((email, role, "toutes" if scope == "all" else ", ".join(scope)))
    return logins


def load(session: Session, actor, registers: list[str]) -> list[tuple]:
    organisations = load_organisations(session, actor)
    logins = load_users(session, organisations, actor)
    for spec in register_specs(registers):
        if spec.demo is not None:
            spec.demo(session, actor=actor)
    return logins
