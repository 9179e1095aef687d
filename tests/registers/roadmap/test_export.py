"""The Word report reopens with python-docx and holds every action, the charts, what is late
and why, and the hygiene-measure coverage table; it is recorded and verifiable."""

from __future__ import annotations

import io

import pytest
from docx import Document

from compliance.demo_database import demo_context
from compliance.documents import render_docx, verify_document
from compliance.schemas import validate
from registers.roadmap import services
from registers.roadmap.catalogue import find_measures
from registers.roadmap.export import DOCUMENT_TYPE, export_roadmap_report
from registers.roadmap.schemas import HygieneAssessmentCreate
from tests.registers.roadmap.conftest import days


@pytest.fixture
def report(session, host, roadmap, make_roadmap_action):
    make_roadmap_action(title="Outil de centralisation (SIEM)", measures=["36", "36.R"])
    make_roadmap_action(
        title="Réseau de sauvegarde 10 Gbit/s",
        start_on=days(-300),
        target_on=days(-30),
        delay_reason="Commutateurs livrés en retard",
    )
    make_roadmap_action(
        title="Audit du parcours", status="done", start_on=days(-300), target_on=days(-200)
    )
    measure = find_measures(session, ["36"])[0]
    values = validate(HygieneAssessmentCreate, {"state": "partial"})
    services.assess_measure(session, host, measure, values, actor="test")
    data, record = export_roadmap_report(session, roadmap, actor="test")
    return Document(io.BytesIO(data)), data, record


def _text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_report_holds_every_action_and_the_late_reason(report, roadmap):
    document, _data, _record = report
    text = _text(document)
    for action in roadmap.actions:
        assert action.code in text and action.title in text
    assert "Ce qui est en retard, et pourquoi" in text
    assert "Commutateurs livrés en retard" in text
    assert "Parcours de cybersécurité" in text and "90\u202f000\u00a0€" in text


def test_report_holds_the_coverage_table(report):
    document, _data, _record = report
    coverage = next(t for t in document.tables if t.rows[0].cells[0].text == "Réf.")
    refs = [row.cells[0].text for row in coverage.rows[1:]]
    assert len(refs) == 61 and refs[:3] == ["1", "2", "2.R"]
    row_36 = next(row for row in coverage.rows if row.cells[0].text == "36")
    assert row_36.cells[4].text == "Partiellement appliquée"
    assert row_36.cells[5].text == "A-01"
    assert "Source : ANSSI, Guide d'hygiène informatique" in _text(document)


def test_report_has_the_charts_as_images(report):
    document, _data, _record = report
    assert len(document.inline_shapes) == 3


def test_report_is_recorded_and_verifiable(session, report):
    _document, data, record = report
    assert record.document == "roadmap-report"
    assert verify_document(session, data).id == record.id
    assert record.filename.startswith("feuille-de-route-")


def test_the_demo_roadmap_renders_the_shipped_template(app):
    with app.test_request_context():
        context = demo_context(DOCUMENT_TYPE.context)
        document = Document(io.BytesIO(render_docx("roadmap-report", context)))
    assert "SIEM" in _text(document)
