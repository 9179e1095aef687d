"""The audits register's pages: the programme and its audits, an audit's findings (a
nonconformity added on the page opens its corrective action; bad input writes nothing), the
audit's closing refused while a nonconformity has no action, a review's sections and trends,
"mark held", decided actions; who may read and who may write."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from compliance.permissions import Role
from registers.audits import services
from registers.audits.models import AuditStatus, Finding, ReviewStatus
from registers.incidents.models import ActionSource, CorrectiveAction
from tests.registers.audits.conftest import NONCONFORMITY


def _count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_programme_page_lists_the_audits(client, login_as, host, make_audit):
    audit = make_audit()
    login_as(Role.AUDITOR, host)
    page = client.get("/audits/?year=2026").get_data(as_text=True)
    assert audit.reference in page and "Gestion des accès" in page
    assert "Planifier un audit" not in page


def test_referent_is_refused(client, login_as, host, make_audit):
    audit = make_audit()
    login_as(Role.REFERENT, host)
    assert client.get("/audits/").status_code == 403
    assert client.get(f"/audits/{audit.id}").status_code == 403
    assert client.get("/reviews/").status_code == 403


def test_ciso_creates_programme_and_audit(client, login_as, host, session):
    login_as(Role.CISO, host)
    response = client.post(
        "/audits/programmes/new",
        data={"organisation_id": host.id, "year": "2027", "objectives": "Couvrir la PSSI."},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get("/audits/new").get_data(as_text=True)
    assert "Planifier un audit interne" in page
    programme_id = session.scalar(sa.text("select id from audit_programme where year = 2027"))
    response = client.post(
        "/audits/new",
        data={
            "programme_id": programme_id,
            "title": "Sauvegardes",
            "scope": "Serveurs du syndicat",
            "criteria": "A.8.13",
            "auditor": "Marc Dubreuil",
            "planned_start": "2027-03-01",
            "planned_end": "2027-02-01",
        },
    )
    assert response.status_code == 400
    assert "ne peut pas précéder" in response.get_data(as_text=True)


def test_nonconformity_added_on_the_page_opens_its_action(
    client, login_as, host, make_audit, session
):
    audit = make_audit()
    session.commit()
    login_as(Role.CISO, host)
    before = _count(session, CorrectiveAction)
    refused = client.post(
        f"/audits/{audit.id}/findings",
        data={"finding-kind": "major", "finding-description": "Pas de revue des accès."},
    )
    assert refused.status_code == 400
    assert "obligatoire pour une non-conformité" in refused.get_data(as_text=True)
    assert _count(session, CorrectiveAction) == before
    assert _count(session, Finding) == 0
    response = client.post(
        f"/audits/{audit.id}/findings",
        data={
            "finding-kind": "major",
            "finding-clause": "A.5.18",
            "finding-description": "Pas de revue des accès.",
            "finding-action": "Revue trimestrielle.",
            "finding-owner": "RSSI",
            "finding-due_on": "2027-03-31",
        },
    )
    assert response.status_code == 302
    action = session.scalar(sa.select(CorrectiveAction).order_by(CorrectiveAction.id.desc()))
    assert action.source == ActionSource.INTERNAL_AUDIT
    assert action.source_reference == f"{audit.reference}/C01"
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert action.reference in page


def test_closing_is_refused_on_the_page_while_a_nonconformity_has_no_action(
    client, login_as, host, make_audit, session
):
    audit = make_audit(actual_start=date(2026, 3, 2), actual_end=date(2026, 3, 6))
    finding = services.add_finding(session, audit, NONCONFORMITY, actor="test")
    finding.corrective_action_id = None
    services.update_audit(session, audit, {"conclusion": "Écarts relevés."}, actor="test")
    services.transition_audit(session, audit, AuditStatus.IN_PROGRESS, actor="test")
    services.transition_audit(session, audit, AuditStatus.REPORTED, actor="test")
    session.commit()
    login_as(Role.CISO, host)
    response = client.post(
        f"/audits/{audit.id}/status", data={"status": "closed", "version": audit.version}
    )
    assert response.status_code == 400
    assert "ne peut être clos" in response.get_data(as_text=True)
    session.refresh(audit)
    assert audit.status == AuditStatus.REPORTED


def test_review_page_shows_sections_and_marks_held(
    client, login_as, host, make_review, make_incident, session
):
    from datetime import datetime

    from compliance.i18n import PARIS

    make_incident(detected_at=datetime(2025, 5, 1, 10, tzinfo=PARIS))
    review = make_review()
    session.commit()
    login_as(Role.CISO, host)
    page = client.get(f"/reviews/{review.id}").get_data(as_text=True)
    for title in ("Incidents de sécurité", "Résultats des audits internes", "Suites des revues"):
        assert title in page
    assert "▲ +1" in page  # one incident in 2025, none in 2024
    assert "c) Évolution des besoins et attentes des parties intéressées" in page
    form = client.get(f"/reviews/{review.id}/edit").get_data(as_text=True)
    assert "Évolution des besoins et attentes des parties intéressées" in form
    refused = client.post(f"/reviews/{review.id}/held", data={"version": review.version})
    assert refused.status_code == 400
    client.post(
        f"/reviews/{review.id}/edit",
        data={
            "organisation_id": host.id,
            "period_start": "2025-01-01",
            "period_end": "2025-12-31",
            "held_on": "2026-01-20",
            "chair": "Le président",
            "version": review.version,
        },
    )
    session.refresh(review)
    response = client.post(f"/reviews/{review.id}/held", data={"version": review.version})
    assert response.status_code == 302
    session.refresh(review)
    assert review.status == ReviewStatus.HELD
    assert review.snapshot["sections"]


@pytest.mark.parametrize("role", [Role.DPO, Role.AUDITOR])
def test_readers_cannot_write(client, login_as, host, make_review, role):
    review = make_review()
    login_as(role, host)
    assert client.get(f"/reviews/{review.id}").status_code == 200
    assert client.get(f"/reviews/{review.id}/edit").status_code == 403
    assert client.get("/reviews/new").status_code == 403


def test_an_observation_become_a_nonconformity_needs_its_action(
    client, login_as, host, make_audit, session
):
    audit = make_audit()
    finding = services.add_finding(
        session, audit, {"kind": "observation", "description": "Procédure non datée."}, actor="t"
    )
    session.commit()
    login_as(Role.CISO, host)
    response = client.post(
        f"/audits/findings/{finding.id}/edit",
        data={"kind": "minor", "description": "Procédure non appliquée.", "version": 1},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = client.get(f"/audits/{audit.id}").get_data(as_text=True)
    assert "Sans action corrective" in page
    assert "action corrective</button>" in page
    response = client.post(
        f"/audits/findings/{finding.id}/action",
        data={
            f"plan-{finding.id}-action": "Appliquer la procédure.",
            f"plan-{finding.id}-owner": "RSSI",
            f"plan-{finding.id}-due_on": "2027-01-31",
        },
    )
    assert response.status_code == 302
    session.refresh(finding)
    assert finding.corrective_action.source == ActionSource.INTERNAL_AUDIT
