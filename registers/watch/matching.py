"""Which applications of the map an advisory names: by vendor and product names (the
catalogue's `logiciel` and `fournisseur`, and the names recorded on the application, accents,
case and punctuation folded), by CPE vendor:product, by package URL."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from compliance.types import normalise_key
from registers.applications.models import Application
from registers.watch.models import ApplicationIdentifier


def cpe_key(cpe: str | None) -> str | None:
    """ "vendor:product" of a CPE 2.3 (cpe:2.3:a:vendor:product:...) or 2.2 (cpe:/a:vendor:
    product) name, lowercased; None when it is not one."""
    text = (cpe or "").strip().lower()
    if text.startswith("cpe:2.3:"):
        parts = text[len("cpe:2.3:") :].split(":")
    elif text.startswith("cpe:/"):
        parts = text[len("cpe:/") :].split(":")
    else:
        return None
    if len(parts) < 3 or not parts[1] or not parts[2] or "*" in (parts[1], parts[2]):
        return None
    return f"{parts[1]}:{parts[2]}"


def purl_key(purl: str | None) -> str | None:
    """A package URL without its version, qualifiers and subpath, lowercased:
    pkg:type/namespace/name."""
    text = (purl or "").strip().lower()
    if not text.startswith("pkg:"):
        return None
    for mark in ("#", "?", "@"):
        text = text.split(mark, 1)[0]
    return text if "/" in text else None


@dataclass
class Keys:
    """The keys by which an application (or an advisory's product) is named."""

    names: set[tuple[str, str]] = field(default_factory=set)  # (vendor key, product key)
    cpes: set[str] = field(default_factory=set)
    purls: set[str] = field(default_factory=set)

    def add(self, vendor=None, product=None, cpe=None, purl=None) -> None:
        if normalise_key(product):
            self.names.add((normalise_key(vendor), normalise_key(product)))
        if cpe_key(cpe):
            self.cpes.add(cpe_key(cpe))
        if purl_key(purl):
            self.purls.add(purl_key(purl))

    def meets(self, other: Keys) -> str | None:
        """How the two name the same thing ("cpe", "purl", "name"), or None."""
        if self.cpes & other.cpes:
            return "cpe"
        if self.purls & other.purls:
            return "purl"
        for vendor, product in self.names:
            for other_vendor, other_product in other.names:
                # A vendor left out on one side does not prevent the match; given on both,
                # it must agree.
                if product == other_product and (
                    not vendor or not other_vendor or vendor == other_vendor
                ):
                    return "name"
        return None


def advisory_keys(products) -> Keys:
    keys = Keys()
    for product in products or ():
        item = product if isinstance(product, dict) else product.model_dump()
        keys.add(item.get("vendor"), item.get("product"), item.get("cpe"), item.get("purl"))
    return keys


def application_keys(session: Session, application_ids=None) -> dict[int, Keys]:
    """{application id: its keys}: its catalogue name and vendor, and its identifiers; the
    applications not archived (or those of `application_ids`)."""
    statement = (
        sa.select(Application)
        .options(selectinload(Application.vendor))
        .where(Application.archived_at.is_(None))
    )
    if application_ids is not None:
        statement = statement.where(Application.id.in_(application_ids))
    keys: dict[int, Keys] = defaultdict(Keys)
    for application in session.scalars(statement):
        vendor = application.vendor.name if application.vendor else None
        keys[application.id].add(vendor, application.name)
    identifiers = sa.select(ApplicationIdentifier).where(
        ApplicationIdentifier.application_id.in_(list(keys))
    )
    for identifier in session.scalars(identifiers):
        keys[identifier.application_id].add(
            identifier.vendor, identifier.product, identifier.cpe, identifier.purl
        )
    return dict(keys)


def matching_applications(session: Session, products) -> dict[int, str]:
    """{application id: how it matched} for the applications an advisory's products name."""
    wanted = advisory_keys(products)
    found = {}
    for application_id, keys in application_keys(session).items():
        how = wanted.meets(keys)
        if how:
            found[application_id] = how
    return found
