"""Every Word document has a table of contents (a TOC field Word and LibreOffice refresh) and a
PDF twin made by LibreOffice from the same .docx, recorded so that verification recognises it;
without LibreOffice the PDF buttons say why and the routes answer a 503, never a 500.

The PDF tests need LibreOffice (`soffice`) and poppler's `pdftotext`: `make test` installs both
(`make system-deps`). They fail, rather than skip, when either is missing."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import select

from compliance import pdf as pdf_module
from compliance.audit import AuditEntry
from compliance.cli import main
from compliance.demo_database import demo_context
from compliance.document_templates import check_stamp
from compliance.documents import (
    ExportRecord,
    add_table_of_contents,
    document_types,
    export_pdf,
    render_docx,
    sha256_of,
    verify_document,
)
from compliance.pdf import PdfUnavailable, render_pdf
from compliance.permissions import Role
from tests.compliance.test_documents import export

# Documents that are not made of sections: a letter has no table of contents.
WITHOUT_CONTENTS = {
    "breach-letter",
    "rights-acknowledgement",
    "rights-identity-request",
    "rights-extension",
    "rights-answer",
    "rights-refusal",
}


def require_pdf_tools() -> None:
    """LibreOffice and pdftotext are required (make system-deps installs them): fail, not skip."""
    missing = [tool for tool in ("soffice", "pdftotext") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make system-deps` (LibreOffice, poppler)")


def hide_soffice(monkeypatch) -> None:
    """The server as it is without LibreOffice."""
    real = shutil.which
    monkeypatch.setattr(
        pdf_module.shutil, "which", lambda name, *a, **k: None if name == "soffice" else real(name)
    )


@pytest.fixture
def soffice():
    require_pdf_tools()


@pytest.fixture
def no_soffice(monkeypatch):
    hide_soffice(monkeypatch)


def pdf_text(data: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return result.stdout.decode()


def parts(data: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode(), archive.read(
            "word/settings.xml"
        ).decode()


def sectioned(*titles: str) -> Document:
    document = Document()
    document.add_heading("Registre", 0)
    document.add_paragraph("Couverture")
    for title in titles:
        document.add_heading(title, 1)
        document.add_paragraph("Texte de la section")
        document.add_heading(f"{title} : détail", 2)
    return document


# --- the table of contents ---------------------------------------------------------------------


def test_every_document_type_has_a_table_of_contents(app):
    with app.test_request_context():
        kinds = document_types()
        assert len(kinds) >= 11
        for kind in kinds.values():
            context = demo_context(kind.context)
            data = render_docx(kind.name, {**context, "export": check_stamp(None)})
            body, settings = parts(data)
            if kind.name in WITHOUT_CONTENTS:
                assert "TOC \\o" not in body, kind.name
                continue
            assert 'TOC \\o "1-3" \\h \\z \\u' in body.replace("&quot;", '"'), kind.name
            assert '<w:updateFields w:val="true"/>' in settings, kind.name
            document = Document(io.BytesIO(data))
            entries = [
                p for p in document.paragraphs if p.style.style_id in ("TOC1", "TOC2", "TOC3")
            ]
            headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
            # Filled with the headings' titles, so that it reads before any update.
            assert entries and len(entries) == len([h for h in headings if h.text.strip()])
            assert entries[0].text == next(h.text for h in headings if h.text.strip())


def test_the_table_of_contents_takes_a_page_before_the_first_section():
    document = sectioned("Synthèse", "Actions")
    assert add_table_of_contents(document)
    paragraphs = document.paragraphs
    title = next(i for i, p in enumerate(paragraphs) if p.text == "Sommaire")
    first = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1")
    assert paragraphs[1].text == "Couverture" and title < first
    assert paragraphs[title].paragraph_format.page_break_before
    assert [p.text for p in paragraphs[title + 1 : first - 1]] == [
        "Synthèse",
        "Synthèse : détail",
        "Actions",
        "Actions : détail",
    ]
    assert 'w:type="page"' in paragraphs[first - 1]._p.xml
    # Only once: a document that has one already is left alone.
    assert not add_table_of_contents(document)


def test_a_letter_gets_no_table_of_contents():
    document = Document()
    document.add_paragraph("Madame, Monsieur,")
    document.add_heading("Ce qui s'est passé", 2)
    document.add_heading("Ce que vous pouvez faire", 2)
    document.add_heading("Contact", 2)
    assert not add_table_of_contents(document)


# --- the PDF -------------------------------------------------------------------------------------


def test_pdf_is_recorded_with_the_export_and_verified(
    soffice, session, word_folder, make_user, organisation
):
    user = make_user(Role.DPO, organisation)
    data, record = export(session, user, organisation)
    pdf = export_pdf(session, data, record, user)

    assert pdf.startswith(b"%PDF")
    assert record.pdf_sha256 == sha256_of(pdf) and record.pdf_size == len(pdf)
    assert record.sha256 == sha256_of(data)  # the Word file is still the one recorded
    assert verify_document(session, pdf).id == record.id
    assert verify_document(session, data).id == record.id
    assert verify_document(session, pdf + b"\n") is None
    assert "Ciril Finances" in pdf_text(pdf)
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.seq.desc())
    )
    assert entry.changes["pdf_sha256"]["after"] == record.pdf_sha256


def test_pdf_table_of_contents_lists_the_sections_with_their_pages(soffice):
    document = sectioned("Synthèse", "Actions par thème")
    for _ in range(60):
        document.add_paragraph("Une ligne de plus pour passer à la page suivante.")
    document.add_heading("Annexe", 1)
    add_table_of_contents(document)
    buffer = io.BytesIO()
    document.save(buffer)

    text = pdf_text(render_pdf(buffer.getvalue()))
    contents = text.split("Sommaire", 1)[1].split("\f", 1)[0]
    lines = [" ".join(line.split()) for line in contents.splitlines() if line.strip()]
    assert any(line.startswith("Synthèse") and line.endswith(" 3") for line in lines), lines
    annexe = next(line for line in lines if line.startswith("Annexe"))
    assert int(annexe.rsplit(" ", 1)[1]) >= 4, lines


def test_render_pdf_without_libreoffice_says_so(no_soffice):
    with pytest.raises(PdfUnavailable, match="LibreOffice n'est pas installé"):
        render_pdf(b"PK")


def test_cli_writes_the_pdf_and_verify_recognises_it(soffice, app, session, tmp_path):
    runner = app.test_cli_runner()
    output = tmp_path / "carte.pdf"
    # The map's command, on an empty catalogue: any document command takes --pdf.
    result = runner.invoke(main, ["export", "application-map", "--pdf", "-o", str(output)], obj=app)
    assert result.exit_code == 0, result.output
    assert output.read_bytes().startswith(b"%PDF")
    record = session.scalar(select(ExportRecord).order_by(ExportRecord.id.desc()))
    assert record.pdf_sha256 == sha256_of(output.read_bytes())
    result = runner.invoke(main, ["verify-export", str(output)], obj=app)
    assert result.exit_code == 0 and record.reference in result.output, result.output
    assert "PDF of cartographie-applicative-catalogue.docx" in result.output


def test_cli_without_libreoffice_fails_cleanly(no_soffice, app, session, tmp_path):
    runner = app.test_cli_runner()
    output = tmp_path / "carte.pdf"
    result = runner.invoke(main, ["export", "application-map", "-o", str(output)], obj=app)
    assert result.exit_code == 1 and "LibreOffice is not installed" in result.output
    assert not output.exists()
    assert session.scalar(select(ExportRecord)) is None


def test_a_conversion_past_its_time_limit_fails_cleanly(soffice):
    document = sectioned("Synthèse")
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(PdfUnavailable, match="n'a pas pu produire le PDF"):
        render_pdf(buffer.getvalue(), timeout=0.5)


# Every route that downloads a Word document (each view answers through send_document).
WORD_DOWNLOADS = {
    "applications_export.application_map",
    "breaches.export_register",
    "breaches.export_dossier",
    "breaches.export_letter",
    "incidents.export_report",
    "incidents.export_log",
    "incidents.export_actions",
    "processing.export_register",
    "processing.export_activity",
    "processing.export_version",
    "processing.export_processor_register",
    "roadmap.export",
    "rights.export_letter",
    "rights.export_log",
}


def test_every_word_download_button_has_its_pdf_twin():
    folder = Path(__file__).resolve().parents[2] / "templates"
    forms = {}
    for path in folder.rglob("*.html"):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(
            r"<form[^>]*url_for\('([a-z_]+\.[a-z_]+)'[^>]*>(.*?)</form>", source, re.S
        ):
            if match.group(1) in WORD_DOWNLOADS:
                forms.setdefault(match.group(1), []).append((path.name, match.group(2)))
    # The map's form posts to the page it is on (no url_for in its action).
    map_form = (folder / "applications" / "export_map.html").read_text(encoding="utf-8")
    forms["applications_export.application_map"] = [("export_map.html", map_form)]
    assert set(forms) == WORD_DOWNLOADS, sorted(WORD_DOWNLOADS - set(forms))
    for endpoint, found in forms.items():
        for name, body in found:
            assert "pdf_button(" in body, (endpoint, name)
