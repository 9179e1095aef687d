"""The Word documents: the incident report, the incident log of a period and the
corrective-action log reopen with python-docx and hold the timeline and the actions; every
export is recorded and verifiable; the command line writes them."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from docx import Document

from compliance.cli import main
from compliance.document_templates import check_template
from compliance.documents import ExportRecord, default_template_path, verify_document
from compliance.permissions import Role
from registers.incidents import corrective_actions as ca
from registers.incidents import export
from registers.incidents import incidents as services
from registers.incidents.common import today
from registers.incidents.models import ActionSource, ActionStatus, Classification, IncidentStatus


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def handled(session, make_incident, make_action, world):
    """An incident followed to its lessons learnt, with a timeline, a report and two actions."""
    incident = make_incident(
        title="Rançongiciel sur le serveur de fichiers",
        severity="1",
        application_ids=[world["gf"].id],
        reported_by="Astreinte (Julien Marchand)",
    )
    services.transition_incident(
        session,
        incident,
        IncidentStatus.ASSESSED,
        classification=Classification.INCIDENT,
        actor="test",
    )
    services.add_timeline_entry(
        session,
        incident,
        {"kind": "action", "text": "Serveur isolé du réseau & <éteint>"},
        actor="test",
    )
    services.add_external_report(
        session,
        incident,
        {"kind": "police", "made_on": today(), "reference": "PV 2026/77"},
        actor="test",
    )
    late = make_action(
        title="Sauvegardes hors ligne",
        source=ActionSource.INCIDENT,
        incident_id=incident.id,
        due_on=today() - timedelta(days=5),
    )
    done = make_action(
        title="Double authentification", source=ActionSource.INCIDENT, incident_id=incident.id
    )
    ca.transition_action(session, done, ActionStatus.IMPLEMENTED, actor="test")
    ca.transition_action(
        session,
        done,
        ActionStatus.VERIFIED_EFFECTIVE,
        {
            "check_on": today(),
            "check_method": "Revue des journaux VPN",
            "check_result": "Toutes les connexions avec second facteur",
            "evidence_reference": "GED/SMSI/VPN",
        },
        actor="test",
    )
    session.flush()
    return {"incident": incident, "late": late, "done": done}


def test_incident_report_holds_the_timeline_impact_and_actions(session, handled):
    incident = handled["incident"]
    data, record = export.export_incident_report(session, incident, user=None, actor="cli:test")
    text = all_text(data)
    assert incident.reference in text
    assert "Rançongiciel sur le serveur de fichiers" in text
    assert "Serveur isolé du réseau & <éteint>" in text  # escaped, not lost
    assert "Astreinte (Julien Marchand)" in text
    assert "Phase : Signalé → Évalué." in text
    assert "Sedit.GF" in text and "Ivry-sur-Seine" in text  # impact
    assert "PV 2026/77" in text
    assert handled["late"].reference in text and "En retard" in text
    assert handled["done"].reference in text
    assert record.reference in text and record.document == "incident-report"
    assert verify_document(session, data).id == record.id


def test_incident_log_holds_the_incidents_of_the_period(session, handled, make_incident):
    old = make_incident(
        title="Vol d'un téléphone",
        detected_at=handled["incident"].detected_at.replace(year=2024),
        reported_at=handled["incident"].detected_at.replace(year=2024),
    )
    data, record = export.export_incident_log(
        session, user=None, actor="cli:test", date_from=date(today().year, 1, 1), date_to=today()
    )
    text = all_text(data)
    assert handled["incident"].reference in text
    assert old.reference not in text
    assert "Rançongiciel sur le serveur de fichiers" in text
    assert handled["late"].reference in text  # the actions of each incident
    assert record.parameters["incidents"] == 1
    everything = all_text(export.export_incident_log(session, user=None, actor="cli:test")[0])
    assert old.reference in everything


def test_corrective_action_log_holds_every_action_and_its_check(session, handled, make_action):
    make_action(title="Indicateurs du SMSI", source=ActionSource.MANAGEMENT_REVIEW)
    data, record = export.export_action_log(session, user=None, actor="cli:test")
    text = all_text(data)
    for title in ("Sauvegardes hors ligne", "Double authentification", "Indicateurs du SMSI"):
        assert title in text
    assert "Toutes les connexions avec second facteur" in text
    assert "GED/SMSI/VPN" in text
    assert "en retard" in text
    assert record.parameters["actions"] == 3


@pytest.mark.parametrize("document_type", export.DOCUMENT_TYPES, ids=lambda t: t.name)
def test_shipped_templates_pass_the_restyle_check(app, document_type):
    with app.test_request_context():
        check_template(default_template_path(document_type.name).read_bytes(), document_type)


def test_export_commands_write_verifiable_files(app, session, handled, tmp_path):
    session.flush()
    runner = app.test_cli_runner()
    reference = handled["incident"].reference
    commands = {
        "report.docx": ["export", "incident", reference.lower()],
        "log.docx": [
            "export",
            "incidents",
            "--from",
            f"{today().year}-01-01",
            "--to",
            today().isoformat(),
        ],
        "actions.docx": ["export", "corrective-actions"],
    }
    for name, args in commands.items():
        output = tmp_path / name
        result = runner.invoke(main, [*args, "-o", str(output)], obj=app)
        assert result.exit_code == 0, result.output
        assert "export EXP-" in result.output
        verified = runner.invoke(main, ["verify-export", str(output)], obj=app)
        assert verified.exit_code == 0 and "authentic" in verified.output
    assert reference in all_text((tmp_path / "report.docx").read_bytes())
    assert "Double authentification" in all_text((tmp_path / "actions.docx").read_bytes())
    result = runner.invoke(main, ["export", "incident", "INC-1999-999", "-o", "x.docx"], obj=app)
    assert result.exit_code != 0 and "unknown incident" in result.output
    result = runner.invoke(
        main, ["export", "incidents", "--from", "demain", "-o", "x.docx"], obj=app
    )
    assert result.exit_code != 0


def test_downloads_are_recorded_and_scoped(
    client, login_as, session, handled, organisation, other_organisation, host, make_incident
):
    hidden = make_incident(other_organisation, title="Incident de Gentilly seulement")
    session.commit()
    login_as(Role.AUDITOR, organisation)
    response = client.post("/incidents/export")
    assert response.status_code == 200
    text = all_text(response.data)
    assert handled["incident"].reference in text  # affects Ivry through Sedit.GF
    assert hidden.reference not in text
    assert client.post(f"/incidents/{hidden.id}/export").status_code == 404
    record = session.query(ExportRecord).order_by(ExportRecord.id.desc()).first()
    assert record.document == "incident-log"
    response = client.post(
        "/incidents/export", data={"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert response.status_code == 400
