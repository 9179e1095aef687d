"""The Word report of a member and of the whole service: it reopens with python-docx, holds
the figures, the sessions, the recommendations and the charts, renders in LibreOffice, is
recorded and verifiable, and the command writes it."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document

from compliance.cli import main
from compliance.document_templates import check_template
from compliance.documents import default_template_path, verify_document
from compliance.pdf import render_pdf
from compliance.schemas import validate
from registers.annual import services
from registers.annual.export import DOCUMENT_TYPE, export_annual_report
from registers.annual.report import member_report, service_report
from registers.annual.schemas import RecommendationWrite
from tests.compliance.test_document_pdf import pdf_text, require_pdf_tools
from tests.registers.annual.conftest import YEAR, paris


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _figure(text: str, label: str) -> int:
    match = re.search(rf"^{re.escape(label)} \| (\d+)$", text, re.M)
    assert match, label
    return int(match.group(1))


@pytest.fixture
def records(session, organisation, other_organisation, host, make_session, make_breach, notify):
    make_session(organisation, topic="Répondre aux demandes d'accès", attendees=14)
    make_session(other_organisation, topic="Vidéoprotection", attendees=9)
    make_session(host, topic="Hameçonnage", attendees=40)
    notify(make_breach(organisation, awareness_at=paris(YEAR, 3, 3)), 30)
    make_breach(other_organisation, awareness_at=paris(YEAR, 4, 4), availability=True)
    text = validate(RecommendationWrite, {"text": "Mener l'AIPD de la vidéoprotection.\nFormer."})
    services.save_recommendation(session, organisation, YEAR, text, actor="test")
    service_text = validate(RecommendationWrite, {"text": "Une session par membre et par an."})
    services.save_recommendation(session, host, YEAR, service_text, service_wide=True, actor="t")
    session.flush()


def test_member_report_holds_its_figures_sessions_and_recommendations(
    session, organisation, records
):
    data, record = export_annual_report(
        session, member_report(session, organisation, YEAR), actor="test"
    )
    text = _text(data)
    assert f"{organisation.name} · année {YEAR}" in text
    assert _figure(text, "Violations documentées") == 1
    assert _figure(text, "dont dans les 72 heures") == 1
    assert "Répondre aux demandes d'accès" in text and "Vidéoprotection |" not in text
    assert "Mener l'AIPD de la vidéoprotection." in text
    assert "Une session par membre" not in text
    # French agreement: one breach, one session (0 and 1 take the singular).
    assert "1 violation de données, dont 1 notifiée à la CNIL" in text
    assert "1 session de sensibilisation suivie par 14 personnes" in text
    assert "Annexe. Chiffres par organisation" not in text
    # The charts with something to show: the activities' is empty, the breaches' is not.
    assert len(Document(io.BytesIO(data)).inline_shapes) == 1
    assert record.document == "annual-report" and record.filename == (
        f"bilan-dpo-{organisation.slug}-{YEAR}.docx"
    )
    assert verify_document(session, data).id == record.id


def test_service_report_is_the_sum_and_lists_each_member(
    session, organisation, other_organisation, host, records
):
    members = [host, organisation, other_organisation]
    service = service_report(session, host, members, YEAR)
    data, record = export_annual_report(session, service, actor="test")
    text = _text(data)
    assert "Service mutualisé · année 2025" in text
    assert _figure(text, "Violations documentées") == 2
    assert _figure(text, "Atteinte à la disponibilité") == 1
    alone = [
        _text(export_annual_report(session, member_report(session, m, YEAR), actor="t")[0])
        for m in members
    ]
    for label in ("Violations documentées", "Notifiées à la CNIL", "Non notifiées"):
        assert sum(_figure(one, label) for one in alone) == _figure(text, label), label
    for member in members:
        assert re.search(rf"^{re.escape(member.name)} \|", text, re.M)
    assert "Une session par membre et par an." in text
    assert "Hameçonnage" in text and "Vidéoprotection" in text
    assert record.filename == f"bilan-dpo-service-{YEAR}.docx"
    assert record.organisation_id == host.id


def test_the_report_renders_in_libreoffice(session, organisation, host, records):
    require_pdf_tools()
    members = [host, organisation]
    data, _record = export_annual_report(
        session, service_report(session, host, members, YEAR), actor="test"
    )
    text = pdf_text(render_pdf(data))
    assert "Bilan annuel du délégué" in text
    assert "Violations de données personnelles" in text
    assert "Une session par membre et par an." in text


def test_shipped_template_passes_the_restyle_check(app):
    with app.test_request_context():
        check_template(default_template_path("annual-report").read_bytes(), DOCUMENT_TYPE)


def test_export_command_writes_member_and_service_reports(
    app, session, organisation, host, records, tmp_path
):
    session.flush()
    runner = app.test_cli_runner()
    member_file, service_file = tmp_path / "ivry.docx", tmp_path / "service.docx"
    for slug, output in ((organisation.slug, member_file), ("all", service_file)):
        result = runner.invoke(
            main,
            ["export", "annual-report", "--org", slug, "--year", str(YEAR), "-o", str(output)],
            obj=app,
        )
        assert result.exit_code == 0, result.output
    assert _figure(_text(member_file.read_bytes()), "Violations documentées") == 1
    assert _figure(_text(service_file.read_bytes()), "Violations documentées") == 2
    result = runner.invoke(main, ["verify-export", str(service_file)], obj=app)
    assert result.exit_code == 0 and "authentic" in result.output

    for arguments, message in (
        (["--org", "nowhere"], "unknown organisation"),
        (["--org", organisation.slug, "--year", "1900"], "1900"),
    ):
        result = runner.invoke(
            main, ["export", "annual-report", *arguments, "-o", str(tmp_path / "x.docx")], obj=app
        )
        assert result.exit_code != 0 and message in result.output
