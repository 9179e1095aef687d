"""The DPIA's Word document: the four parts of the CNIL's method, the risk map picture, the
action plan, the opinions and the prior consultation; recorded and verifiable; written by the
command line, downloaded from the page; the shipped template passes the restyle check."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document

from compliance.cli import main
from compliance.document_templates import check_template
from compliance.documents import ExportRecord, default_template_path, verify_document
from compliance.permissions import Role
from compliance.schemas import validate
from registers.dpia import export, measures
from registers.dpia.schemas import MeasureCreate
from tests.registers.dpia.conftest import complete


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def assessed(session, organisation, make_dpia):
    """A DPIA whose access risk stays high after measures, with a planned measure."""
    dpia = complete(
        session,
        make_dpia(organisation),
        residual=("maximum", "significant"),
        overview="Caméras sur la voie publique du centre-ville.",
        consultation_requested_on=date(2026, 2, 2),
    )
    measures.add_measure(
        session,
        dpia,
        validate(
            MeasureCreate,
            {
                "title": "Chiffrement des enregistrements",
                "state": "planned",
                "owner": "Direction des systèmes d'information",
                "due_on": "2026-06-30",
            },
        ),
        actor="test",
    )
    session.flush()
    return dpia


def test_the_document_follows_the_method_with_the_risk_map(session, assessed):
    data, record = export.export_dpia(session, assessed, actor="test")
    text = all_text(data)
    for heading in ("1. Contexte", "2. Principes fondamentaux", "3. Risques", "4. Validation"):
        assert heading in text
    assert "Caméras sur la voie publique du centre-ville." in text
    assert "Risque 1 : Accès illégitime à des données" in text
    assert "Cartographie des risques" in text and "Plan d'action" in text
    assert "Chiffrement des enregistrements" in text and "30 juin 2026" in text
    assert "Le délégué estime les mesures prévues suffisantes" in text
    assert "Requise : un risque reste" in text and "2 février 2026" in text
    document = Document(io.BytesIO(data))
    assert len(document.inline_shapes) == 1  # the risk map
    assert verify_document(session, data).id == record.id
    assert record.document == "dpia" and record.reference in text


def test_without_a_high_residual_risk_no_consultation_is_required(session, organisation, make_dpia):
    dpia = complete(session, make_dpia(organisation))
    session.flush()
    text = all_text(export.export_dpia(session, dpia, actor="test")[0])
    assert "Non requise : aucun risque ne reste élevé" in text
    assert "Aucune mesure prévue : le plan d'action est vide." in text


def test_the_shipped_template_passes_the_restyle_check(app):
    (document_type,) = export.DOCUMENT_TYPES
    with app.test_request_context():
        check_template(default_template_path(document_type.name).read_bytes(), document_type)


def test_the_command_writes_a_verifiable_file(app, session, assessed, tmp_path):
    session.flush()
    runner = app.test_cli_runner()
    output = tmp_path / "aipd.docx"
    result = runner.invoke(main, ["export", "dpia", str(assessed.id), "-o", str(output)], obj=app)
    assert result.exit_code == 0, result.output
    assert "export EXP-" in result.output
    verified = runner.invoke(main, ["verify-export", str(output)], obj=app)
    assert verified.exit_code == 0 and "authentic" in verified.output
    assert assessed.reference in all_text(output.read_bytes())
    result = runner.invoke(main, ["export", "dpia", "999999", "-o", str(output)], obj=app)
    assert result.exit_code != 0 and "unknown DPIA" in result.output


def test_the_page_offers_the_downloads_to_readers_who_may_export(
    client, login_as, session, organisation, assessed
):
    session.commit()
    login_as(Role.AUDITOR, organisation)
    page = client.get(f"/aipd/{assessed.id}")
    assert "AIPD (Word)" in page.text and "Fichier du logiciel PIA (JSON)" in page.text
    before = session.query(ExportRecord).count()
    response = client.post(f"/aipd/{assessed.id}/export", data={})
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "4. Validation" in all_text(response.data)
    assert session.query(ExportRecord).count() == before + 1
