"""The Word document "Cartographie applicative": content, scope, record, command and page."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
from docx import Document
from sqlmodel import select

from compliance.audit import AuditEntry
from compliance.cli import main
from compliance.document_templates import check_template
from compliance.documents import ExportRecord, default_template_path, sha256_of
from compliance.permissions import Role
from registers.applications.export import (
    DOCUMENT_TYPE,
    application_map_context,
    export_application_map,
)
from registers.applications.importer import apply_import, plan_file
from registers.applications.models import Application, InterfaceDirection
from tests.compliance.test_document_pdf import hide_soffice, require_pdf_tools

IVRY_APPLICATIONS = ["CONCERTO Opus", "Sedit.GF", "Requiem"]
GENTILLY_APPLICATIONS = ["Sedit.GF", "IMMOWARE ERP"]


@pytest.fixture
def soffice():
    require_pdf_tools()


@pytest.fixture
def no_soffice(monkeypatch):
    hide_soffice(monkeypatch)


@pytest.fixture
def catalogue(session, catalogue_bytes) -> dict[str, Application]:
    """The shipped catalogue, imported as `compliance demo` does."""
    apply_import(session, plan_file(session, catalogue_bytes, "catalogue.csv"), actor="test")
    return {a.name: a for a in session.scalars(select(Application))}


@pytest.fixture
def deployed(catalogue, make_deployment, organisation, other_organisation):
    for name in IVRY_APPLICATIONS:
        make_deployment(organisation, catalogue[name], since=date(2019, 1, 1))
    for name in GENTILLY_APPLICATIONS:
        make_deployment(other_organisation, catalogue[name])
    return catalogue


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def cells(data: bytes) -> set[str]:
    document = Document(io.BytesIO(data))
    return {cell.text for t in document.tables for row in t.rows for cell in row.cells}


def application_names(data: bytes) -> set[str]:
    """The first column of the applications table (the one headed 'Application')."""
    document = Document(io.BytesIO(data))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Application")
    names = set()
    for row in table.rows[1:]:
        first = row.cells[0].paragraphs[0].text
        if len({id(cell._tc) for cell in row.cells}) > 1:  # not a domain band
            names.add(first)
    return names


def test_catalogue_export_holds_every_application(session, host, catalogue):
    assert len(catalogue) == 53
    data, record = export_application_map(session, user=None, actor="cli:test")

    assert application_names(data) == set(catalogue)
    text = all_text(data)
    assert "Cartographie applicative" in text and record.reference in text
    assert "BERGER LEVRAULT" in text or "Berger Levrault" in text
    document = Document(io.BytesIO(data))
    assert document.core_properties.identifier == record.reference

    stored = session.get(ExportRecord, record.id)
    assert stored.document == "application-map" and stored.sha256 == sha256_of(data)
    assert stored.organisation_id == host.id and stored.parameters["applications"] == 53
    assert stored.filename == "cartographie-applicative-catalogue.docx"
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "export", AuditEntry.object_id == str(record.id)
        )
    )
    assert entry.changes["sha256"]["after"] == record.sha256


def test_member_scope_holds_only_its_applications(session, deployed, organisation, make_interface):
    inside, outside = deployed["CONCERTO Opus"], deployed["IMMOWARE ERP"]
    make_interface(
        inside,
        deployed["Sedit.GF"],
        data="Titres de recettes",
        direction=InterfaceDirection.ONE_WAY,
    )
    make_interface(inside, outside, data="Flux hors périmètre")

    context = application_map_context(session, None, organisation)
    assert context["totals"]["applications"] == 3
    data, record = export_application_map(
        session, user=None, actor="cli:test", organisation=organisation
    )

    assert application_names(data) == set(IVRY_APPLICATIONS)
    text = all_text(data)
    assert "IMMOWARE ERP" not in text
    assert "Titres de recettes" in text and "Flux hors périmètre" not in text
    assert "1er janvier 2019" in cells(data)
    assert record.organisation_id == organisation.id
    assert record.filename == "cartographie-applicative-ivry-sur-seine.docx"


def test_values_with_word_special_characters_stay_text(session, catalogue, make_application):
    make_application('R&D <Outils> "test"', functions=["Essais & mesures"])
    data, _ = export_application_map(session, user=None, actor="cli:test")
    assert 'R&D <Outils> "test"' in application_names(data)
    assert "Essais & mesures" in cells(data)


def test_cell_properties_keep_their_schema_order(session, catalogue):
    # docxtpl's {% cellbg %} writes the shading first; Word wants the width before it.
    data, _ = export_application_map(session, user=None, actor="cli:test")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert 'w:fill="F4B183"' in xml or 'w:fill="FCE4D6"' in xml
    assert not re.search(r"<w:tcPr><w:shd [^>]*/><w:tcW", xml)


def test_shipped_template_passes_the_restyle_check(app):
    with app.test_request_context():
        check_template(default_template_path("application-map").read_bytes(), DOCUMENT_TYPE)


def test_export_command_writes_a_verifiable_file(app, session, deployed, organisation, tmp_path):
    session.flush()
    output = tmp_path / "ivry.docx"
    runner = app.test_cli_runner()
    result = runner.invoke(
        main,
        ["export", "application-map", "--org", organisation.slug, "-o", str(output)],
        obj=app,
    )
    assert result.exit_code == 0, result.output
    assert application_names(output.read_bytes()) == set(IVRY_APPLICATIONS)

    result = runner.invoke(main, ["verify-export", str(output)], obj=app)
    assert result.exit_code == 0 and "authentic" in result.output

    result = runner.invoke(
        main, ["export", "application-map", "--org", "nowhere", "-o", str(output)], obj=app
    )
    assert result.exit_code != 0 and "unknown organisation" in result.output


# --- the page ----------------------------------------------------------------------------------


def download(client, organisation="all"):
    return client.post("/applications/export/map", data={"organisation": organisation})


def test_auditor_of_one_member_downloads_only_its_map(
    client, login_as, session, deployed, organisation
):
    login_as(Role.AUDITOR, organisation)
    assert client.get("/applications/export/map").status_code == 200
    response = download(client)
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert application_names(response.data) == set(IVRY_APPLICATIONS)
    record = session.scalar(select(ExportRecord).order_by(ExportRecord.id.desc()))
    assert record.sha256 == sha256_of(response.data)


def test_ciso_of_the_syndicate_downloads_the_whole_catalogue(
    client, login_as, host, deployed, organisation
):
    login_as(Role.CISO, host, organisation)
    response = download(client)
    assert application_names(response.data) == set(deployed)
    response = download(client, organisation.slug)
    assert application_names(response.data) == set(IVRY_APPLICATIONS)


def test_export_needs_the_export_permission(
    client, login_as, deployed, organisation, other_organisation
):
    login_as(Role.REFERENT, organisation)
    assert client.get("/applications/export/map").status_code == 403
    assert download(client).status_code == 403


def test_an_organisation_not_offered_is_refused(
    client, login_as, deployed, organisation, other_organisation
):
    login_as(Role.AUDITOR, organisation)
    assert download(client, other_organisation.slug).status_code == 400


# --- the map picture, the PDF -------------------------------------------------------------------


def test_map_document_holds_the_map_picture(session, host, catalogue, make_interface):
    make_interface(catalogue["CONCERTO Opus"], catalogue["Sedit.GF"], data="Factures")
    data, _ = export_application_map(session, user=None, actor="cli:test")

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        pictures = [name for name in archive.namelist() if name.startswith("word/media/")]
        xml = archive.read("word/document.xml").decode()
        png = archive.read(pictures[0]) if pictures else b""
    assert len(pictures) == 1 and png.startswith(b"\x89PNG")
    assert "<wp:inline" in xml and "Carte des applications et de leurs interfaces" in xml
    text = all_text(data)
    assert "Figure 1 – Cartographie applicative" in text
    # The picture's numbers turn back into names in the legend under it.
    legend = [line for line in text.splitlines() if re.match(r"\d+ · .+ : \d+\.1 ", line)]
    assert legend and sum(line.count(" ; ") + 1 for line in legend) == len(catalogue)
    assert any("CONCERTO Opus" in line for line in legend)


def test_map_page_downloads_the_pdf_which_verify_recognises(
    soffice, client, login_as, session, deployed, organisation
):
    login_as(Role.AUDITOR, organisation)
    page = client.get("/applications/export/map").get_data(as_text=True)
    assert 'name="format" value="pdf"' in page
    response = client.post(
        "/applications/export/map", data={"organisation": "all", "format": "pdf"}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "cartographie-applicative-" in response.headers["Content-Disposition"]
    assert ".pdf" in response.headers["Content-Disposition"]
    record = session.scalar(select(ExportRecord).order_by(ExportRecord.id.desc()))
    assert record.pdf_sha256 == sha256_of(response.data)

    result = client.post("/verify", data={"document": (io.BytesIO(response.data), "carte.pdf")})
    assert result.status_code == 200
    assert "Document authentique" in result.get_data(as_text=True)
    assert record.reference in result.get_data(as_text=True)


def test_without_libreoffice_the_pdf_button_says_why_and_the_route_answers_503(
    no_soffice, client, login_as, session, deployed, organisation
):
    login_as(Role.AUDITOR, organisation)
    page = client.get("/applications/export/map").get_data(as_text=True)
    reason = "LibreOffice n'est pas installé sur le serveur : le PDF n'est pas disponible"
    assert reason in page and "disabled" in page
    assert 'name="format" value="pdf"' not in page
    response = client.post(
        "/applications/export/map", data={"organisation": "all", "format": "pdf"}
    )
    assert response.status_code == 503
    assert reason in response.get_data(as_text=True)
    assert session.scalar(select(ExportRecord)) is None
