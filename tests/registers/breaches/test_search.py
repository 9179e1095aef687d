"""The q= searches of the breaches and incidents through the kernel's `compliance.search`: rows
written after the migration are found (the FTS triggers on SQLite), case folded, `%` literal."""

from __future__ import annotations

import pytest

from registers.breaches import queries as breach_queries
from registers.breaches.schemas import BreachFilters
from registers.incidents import queries as incident_queries
from registers.incidents.schemas import IncidentFilters


def _breaches(session, q):
    statement = breach_queries.visible_breaches(filters=BreachFilters(q=q), everything=True)
    return {breach.id for breach in session.scalars(statement)}


def _incidents(session, q):
    filters = IncidentFilters(q=q)
    statement = incident_queries.visible_incidents(filters=filters, everything=True)
    return {incident.id for incident in session.scalars(statement)}


@pytest.mark.parametrize("q", ["clé USB", "CLÉ usb", "perte", "ÉTÉ"])
def test_a_breach_is_found_by_its_title(session, organisation, make_breach, q):
    breach = make_breach(organisation, title="Perte d'une clé USB cet été")
    make_breach(organisation, title="Courriel au mauvais destinataire")
    session.flush()
    assert _breaches(session, q) == {breach.id}
    assert _breaches(session, breach.reference) == {breach.id}
    assert _breaches(session, "100%") == set()


def test_an_edited_or_deleted_incident_follows_in_the_search(session, make_incident):
    incident = make_incident(title="Hameçonnage de la messagerie")
    session.flush()
    assert incident.id in _incidents(session, "HAMEÇON")
    incident.title = "Vol d'ordinateur portable"
    session.flush()
    assert incident.id not in _incidents(session, "hameçon")
    assert incident.id in _incidents(session, "ordinateur")
    assert incident.id in _incidents(session, incident.reference)
