"""The Word documents: the internal audit report and the management review, from the command
line, with their figures, findings and actions; the shipped templates pass the check."""

from __future__ import annotations

import io
from datetime import date

from docx import Document

from compliance.cli import main
from registers.audits import export, services
from tests.registers.audits.conftest import NONCONFORMITY


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_audit_report(session, make_audit):
    audit = make_audit()
    finding = services.add_finding(session, audit, NONCONFORMITY, actor="test")
    data, record = export.export_audit(session, audit, actor="test")
    text = all_text(data)
    assert audit.reference in text and finding.reference in text
    assert finding.corrective_action.reference in text
    assert "Non-conformité mineure" in text
    assert record.document == export.AUDIT_REPORT


def test_review_document_from_the_command_line(app, session, make_review, tmp_path):
    review = make_review()
    written = {
        "party_feedback": "L'assureur demande la preuve des sauvegardes hors ligne.",
        "improvements": "Automatiser la revue des comptes.",
    }
    services.update_review(session, review, written, actor="test")
    services.decide_action(
        session,
        review,
        {
            "kind": "corrective",
            "title": "Procédure des départs",
            "description": "Procédure commune.",
            "owner": "RSSI",
            "due_on": date(2026, 6, 30),
        },
        actor="test",
    )
    session.commit()
    output = tmp_path / "revue.docx"
    runner = app.test_cli_runner()
    result = runner.invoke(
        main, ["export", "review", "--id", str(review.id), "-o", str(output)], obj=app
    )
    assert result.exit_code == 0, result.output
    text = all_text(output.read_bytes())
    for expected in (
        review.reference,
        "Incidents de sécurité",
        "Résultats des audits internes",
        "Procédure des départs",
        "Période précédente",
        "c) Évolution des besoins et attentes des parties intéressées",
        "e) Retours des parties intéressées",
        "g) Opportunités d'amélioration continue",
        *written.values(),
    ):
        assert expected in text
    args = ["export", "review", "--id", "999999", "-o", str(output)]
    missing = runner.invoke(main, args, obj=app)
    assert missing.exit_code != 0


def test_a_section_is_charted_only_when_its_figures_say_something():
    from registers.audits.export import CHARTED_FIGURES, _section

    def section(values):
        figures = [{"key": str(n), "label": "x", "value": v, "previous": 0} for n, v in values]
        return {"clause": "d) 1)", "title": "t", "figures": figures, "header": (), "rows": ()}

    assert _section(section([(1, 0), (2, 0)]))["chart"] is None
    assert _section(section([(1, 0), (2, 3)]))["chart"] is not None
    many = [(n, 1) for n in range(CHARTED_FIGURES + 1)]
    assert _section(section(many))["chart"] is None
