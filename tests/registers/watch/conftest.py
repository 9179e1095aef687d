"""Factories of the security watch: the host, members using a piece of software of the
catalogue, and advisories about it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from registers.watch import services
from tests.registers.applications import conftest as map_fixtures

host = map_fixtures.host
make_vendor = map_fixtures.make_vendor
make_application = map_fixtures.make_application
make_deployment = map_fixtures.make_deployment
token_for = map_fixtures.token_for

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def libriciel(make_vendor, make_application, make_organisation, make_deployment, host):
    """The signature software of the catalogue (i parapheur and S2low by LIBRICIEL), i
    parapheur used by Ivry and Vitry, S2low by Ivry; and Villejuif, using neither."""
    vendor = make_vendor("LIBRICIEL")
    parapheur = make_application("i parapheur", vendor_id=vendor.id)
    s2low = make_application("S2low", vendor_id=vendor.id)
    ivry = make_organisation("Ivry-sur-Seine")
    vitry = make_organisation("Vitry-sur-Seine")
    villejuif = make_organisation("Villejuif")
    make_deployment(ivry, parapheur)
    make_deployment(vitry, parapheur)
    make_deployment(ivry, s2low)
    return {
        "vendor": vendor,
        "parapheur": parapheur,
        "s2low": s2low,
        "ivry": ivry,
        "vitry": vitry,
        "villejuif": villejuif,
        "host": host,
    }


@pytest.fixture
def make_advisory(session):
    counter = iter(range(1, 10_000))

    def make(**data):
        values = {
            "source": "cert_fr",
            "reference": f"CERTFR-2026-AVI-{next(counter):04d}",
            "title": "Vulnérabilité dans i-Parapheur",
            "published_on": date(2026, 11, 2),
            "severity": "high",
            "products": [{"vendor": "Libriciel", "product": "i-Parapheur"}],
            **data,
        }
        return services.create_advisory(session, values, actor="test")

    return make
