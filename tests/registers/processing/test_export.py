"""The Word documents of the record of processing activities: the register of an organisation
(today's, or a published version from its frozen snapshot), one activity's sheet and the
processor's register; their content, escaping, record, commands and download buttons."""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa
from docx import Document
from sqlmodel import select

from compliance.audit import AuditEntry
from compliance.cli import main
from compliance.document_templates import check_template
from compliance.documents import ExportRecord, default_template_path, sha256_of
from compliance.permissions import Role
from registers.processing import publish, services
from registers.processing.export import (
    DOCUMENT_TYPES,
    export_activity,
    export_processor_register,
    export_register,
)
from registers.processing.models import ProcessingActivity
from registers.processing.schemas import ActivityUpdate, VersionCreate, check

SECTIONS = (
    "1. Identification et acteurs",
    "2. Finalités et bases légales",
    "3. Catégories de données personnelles et durées de conservation",
    "4. Données sensibles",
    "5. Personnes concernées",
    "6. Destinataires",
    "7. Transferts hors de l'Union européenne",
    "8. Mesures de sécurité",
    "9. Analyse d'impact (AIPD)",
    "10. Suivi de la fiche",
)
HOSTILE = "<script>alert('x')</script> & <b>gras</b> ]]> {{ export.reference }}"


def all_text(data: bytes) -> str:
    """Every paragraph of the document, tables included, in order."""
    document = Document(io.BytesIO(data))
    body = document.element.body
    return "\n".join(
        "".join(node.text or "" for node in paragraph.iter() if node.tag.endswith("}t"))
        for paragraph in body.iter()
        if paragraph.tag.endswith("}p")
    )


def body_text(data: bytes) -> str:
    """`all_text` without the table of contents (its entries repeat the headings)."""
    document = Document(io.BytesIO(data))
    style = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val"
    lines = []
    for paragraph in document.element.body.iter():
        if not paragraph.tag.endswith("}p"):
            continue
        styles = [
            node.get(style) or "" for node in paragraph.iter() if node.tag.endswith("}pStyle")
        ]
        if any(name.upper().startswith("TOC") for name in styles):
            continue
        lines.append(
            "".join(node.text or "" for node in paragraph.iter() if node.tag.endswith("}t"))
        )
    return "\n".join(lines)


def document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode()


@pytest.fixture
def described(session, organisation, make_activity, make_application, make_deployment):
    """Ivry's DPO details and two activities, one with every section filled in."""
    organisation.siren = "219400413"
    organisation.address = "Esplanade Georges-Marrane, 94200 Ivry-sur-Seine"
    organisation.legal_representative = "Le maire"
    organisation.dpo_name = "DPO mutualisé du SIIM94"
    organisation.dpo_cnil_number = "DPO-12345"
    application = make_application("Mélodie", hosting="syndicate_datacenter", rpo_hours=24)
    make_deployment(organisation, application)
    full = make_activity(
        organisation,
        name="Centre municipal de santé",
        contact="Dr Martin, médecin chef",
        application_ids=[application.id],
        special_categories=[{"category": "health", "condition": "h"}],
        nir_used=True,
        nir_legal_text="Décret n° 2019-341",
        transfers=[{"recipient": "Éditeur américain", "country": "US"}],
        dpia_cnil_types=["health_care"],
    )
    other = make_activity(organisation, name="Liste électorale")
    session.flush()
    return {"full": full, "other": other, "application": application}


# --- the register ---------------------------------------------------------------------------


def test_register_holds_cover_list_and_every_sheet(session, organisation, described):
    data, record = export_register(session, organisation, actor="test")
    text = all_text(data)
    assert "Registre des activités de traitement" in text
    assert "Ivry-sur-Seine" in text and "219 400 413" in text and "Le maire" in text
    assert "DPO mutualisé du SIIM94" in text and "DPO-12345" in text
    assert "Liste des activités de traitement" in text
    assert text.count("Centre municipal de santé") >= 2  # in the list and its sheet
    for section in SECTIONS:
        # One sheet per activity, each section also listed in the table of contents.
        assert text.count(section) == 4, section
    assert "Code électoral, art. L. 11 et suivants" in text
    assert "Instruction DAF/DPACI/RES/2009/018" in text
    assert "9.2.h Médecine préventive" in text and "Décret n° 2019-341" in text
    assert "Aucune garantie renseignée" in text
    assert "Sauvegardes du syndicat (perte de données maximale : 24 h)" in text
    assert "AIPD requise" in text
    assert "Transfert vers Éditeur américain (US) sans garantie" in text
    # The activity's contact names a person: the register leaves it out.
    assert "Dr Martin" not in text
    assert record.sha256 == sha256_of(data) and record.organisation_id == organisation.id
    assert record.reference in text
    audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "export"))
    assert audit.changes["reference"]["after"] == record.reference


def test_empty_register_says_so(session, organisation):
    data, _record = export_register(session, organisation, actor="test")
    assert "Aucune activité de traitement n'est encore validée" in all_text(data)


def test_hostile_values_come_out_as_plain_text(session, organisation, make_activity):
    activity = make_activity(
        organisation,
        name=HOSTILE,
        purposes=[{"description": HOSTILE, "legal_text": "R&D <i>"}],
    )
    organisation.legal_representative = "Dupont & Fils <maire>"
    session.flush()
    # Control characters are refused on input now; text stored before may still hold them.
    session.execute(
        sa.update(ProcessingActivity)
        .where(ProcessingActivity.id == activity.id)
        .values(description="a\x0cb\x07c & <w:p>")
    )
    session.expire(activity)
    data, _record = export_register(session, organisation, actor="test")
    text = all_text(data)
    assert "<script>alert('x')</script> & <b>gras</b> ]]> {{ export.reference }}" in text
    assert "Dupont & Fils <maire>" in text and "R&D <i>" in text
    xml = document_xml(data)
    assert "<script>" not in xml and "&lt;script&gt;" in xml
    assert "&lt;w:p&gt;" in xml and "ab" + "c & <w:p>" in text  # \f and \a dropped


def test_published_version_is_frozen_after_an_edit(session, organisation, described):
    activity = described["other"]
    version = publish.publish_register(
        session, organisation, check(VersionCreate, {"note": "Avant audit"}), actor="test"
    )
    services.update_processing(
        session,
        activity,
        check(
            ActivityUpdate,
            {"name": "Liste électorale (renommée)", "responsible_service": "Service nouveau"},
        ),
        actor="test",
    )
    services.archive_processing(session, described["full"], actor="test")
    session.flush()
    frozen, record = export_register(session, organisation, actor="test", version=version)
    text = all_text(frozen)
    assert "Version publiée n° 1" in text and "Avant audit" in text
    assert "Liste électorale" in text and "renommée" not in text
    assert "Service nouveau" not in text and "Centre municipal de santé" in text
    assert record.parameters["version"] == 1
    today = all_text(export_register(session, organisation, actor="test")[0])
    assert "Liste électorale (renommée)" in today and "Centre municipal de santé" not in today
    assert "État du registre au" in today


# --- one sheet, the processor's register ------------------------------------------------------


def test_activity_sheet_holds_every_section_and_the_contact(session, described):
    activity = described["full"]
    data, record = export_activity(session, activity, actor="test")
    text = all_text(data)
    assert "Fiche de registre" in text and "Centre municipal de santé" in text
    for section in SECTIONS:
        assert section in text, section
    assert "Dr Martin, médecin chef" in text
    assert "DPO-12345" in text
    assert record.filename == "fiche-t-001-ivry-sur-seine.docx"


def test_processor_register_lists_each_controller(
    session, host, organisation, other_organisation, described, make_deployment
):
    host.dpo_name = "DPO du syndicat"
    make_deployment(other_organisation, described["application"])
    session.flush()
    data, record = export_processor_register(session, actor="test")
    text = all_text(data)
    assert "effectuées pour le compte de responsables de traitement" in text
    assert "SIIM94" in text and "DPO du syndicat" in text
    assert "Pour le compte de : Ivry-sur-Seine" in text
    assert "Pour le compte de : Gentilly" in text
    assert "Centre municipal de santé" in text  # Ivry's activity relying on Mélodie
    assert "Mélodie" in text
    assert record.organisation_id == host.id


@pytest.fixture
def subprocessors(session, organisation, make_vendor, make_application, make_deployment):
    """Three hosted applications: two vendors without an Art. 28 agreement, one with."""
    vendors = {
        "ARPEGE": make_vendor("ARPEGE"),
        "Technocarte": make_vendor("Technocarte", dpa_status="requested"),
        "Berger-Levrault": make_vendor(
            "Berger-Levrault", dpa_status="signed", dpa_signed_on="2023-02-01"
        ),
    }
    for name, vendor in (
        ("Mélodie", "ARPEGE"),
        ("Sémaphore", "Technocarte"),
        ("Sedit.GF", "Berger-Levrault"),
    ):
        application = make_application(
            name, vendor_id=vendors[vendor].id, hosting="syndicate_datacenter"
        )
        make_deployment(organisation, application)
    session.flush()
    return vendors


def test_processor_register_flags_subprocessors_without_an_agreement(
    session, host, organisation, subprocessors
):
    """Art. 28(2), (4) and 30(2): each subprocessor lacking an agreement is flagged, and
    counted, in the processor's register."""
    data, _record = export_processor_register(session, actor="test")
    text = all_text(data)
    assert "2 sous-traitants ultérieurs sur 3 n'ont pas d'accord" in text
    assert "Aucun : accord art. 28 manquant" in text
    assert "Demandé : accord art. 28 manquant" in text
    assert "Signé le 1er février 2023" in text
    assert "Signé le 1er février 2023 : accord" not in text


def test_processor_register_page_flags_subprocessors_without_an_agreement(
    client, session, login_as, host, organisation, subprocessors
):
    session.commit()
    login_as(Role.DPO, host, organisation)
    page = client.get("/processing/processor").get_data(as_text=True)
    assert "Sous-traitants ultérieurs" in page
    assert "2 sous-traitants ultérieurs sans accord art. 28" in page
    assert "2 sous-traitants ultérieurs sur 3 n" in page
    assert page.count("sans accord art. 28</span>") == 3  # the count, then each vendor
    assert "/applications/vendors?without_agreement=1" in page


def test_processor_register_without_a_host_is_refused(session, organisation):
    with pytest.raises(LookupError):
        export_processor_register(session, actor="test")


@pytest.mark.parametrize("document_type", DOCUMENT_TYPES, ids=lambda t: t.name)
def test_shipped_templates_pass_the_restyle_check(app, document_type):
    with app.test_request_context():
        check_template(default_template_path(document_type.name).read_bytes(), document_type)


# --- commands ---------------------------------------------------------------------------------


def test_export_commands_write_verifiable_files(
    app, session, host, organisation, described, tmp_path
):
    publish.publish_register(session, organisation, actor="test")
    session.flush()
    runner = app.test_cli_runner()
    output = tmp_path / "ivry.docx"
    result = runner.invoke(
        main, ["export", "register", "--org", organisation.slug, "-o", str(output)], obj=app
    )
    assert result.exit_code == 0, result.output
    assert "Centre municipal de santé" in all_text(output.read_bytes())
    result = runner.invoke(main, ["verify-export", str(output)], obj=app)
    assert result.exit_code == 0 and "authentic" in result.output

    version = tmp_path / "ivry-v1.docx"
    args = ["export", "register", "--org", organisation.slug, "--version", "1", "-o", str(version)]
    result = runner.invoke(main, args, obj=app)
    assert result.exit_code == 0, result.output
    assert "Version publiée n° 1" in all_text(version.read_bytes())

    args[5] = "7"
    result = runner.invoke(main, args, obj=app)
    assert result.exit_code != 0 and "no published version 7" in result.output
    result = runner.invoke(
        main, ["export", "register", "--org", "nowhere", "-o", str(output)], obj=app
    )
    assert result.exit_code != 0 and "unknown organisation" in result.output

    processor = tmp_path / "processor.docx"
    result = runner.invoke(main, ["export", "processor-register", "-o", str(processor)], obj=app)
    assert result.exit_code == 0, result.output
    assert "Pour le compte de : Ivry-sur-Seine" in all_text(processor.read_bytes())


# --- download buttons -------------------------------------------------------------------------


def test_auditor_downloads_register_sheet_and_version(
    client, session, login_as, organisation, described
):
    publish.publish_register(session, organisation, actor="test")
    session.commit()
    login_as(Role.AUDITOR, organisation)
    response = client.post("/processing/registers/ivry-sur-seine/export")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    record = session.scalar(select(ExportRecord).order_by(ExportRecord.id.desc()))
    assert record.sha256 == sha256_of(response.data)
    activity = described["full"]
    response = client.post(f"/processing/activities/{activity.id}/export")
    assert response.status_code == 200 and "Dr Martin" in all_text(response.data)
    response = client.post("/processing/registers/ivry-sur-seine/versions/1/export")
    assert response.status_code == 200 and "Version publiée n° 1" in all_text(response.data)
    assert client.post("/processing/registers/ivry-sur-seine/versions/9/export").status_code == 404


def test_referent_downloads_their_own_register_only(
    client, session, login_as, organisation, other_organisation, described, make_activity
):
    theirs = make_activity(other_organisation)
    session.commit()
    login_as(Role.REFERENT, organisation)
    assert client.raw.post("/processing/registers/ivry-sur-seine/export").status_code == 400
    assert client.post("/processing/registers/gentilly/export").status_code == 404
    assert client.post(f"/processing/activities/{theirs.id}/export").status_code == 404
    assert session.scalar(select(ExportRecord)) is None
    response = client.post("/processing/registers/ivry-sur-seine/export")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "Registre des activités de traitement" in all_text(response.data)
    activity = described["full"]
    assert client.post(f"/processing/activities/{activity.id}/export").status_code == 200
    page = client.get("/processing/registers/ivry-sur-seine/").get_data(as_text=True)
    assert "Télécharger le registre (Word)" in page


def test_download_without_csrf_token_is_refused(client, session, login_as, organisation):
    login_as(Role.AUDITOR, organisation)
    assert client.raw.post("/processing/registers/ivry-sur-seine/export").status_code == 400
    assert session.scalar(select(ExportRecord)) is None


def test_processor_register_page_and_download(
    client, session, login_as, host, organisation, described
):
    session.commit()
    login_as(Role.DPO, host, organisation)
    page = client.get("/processing/processor").get_data(as_text=True)
    assert "Registre du sous-traitant : SIIM94" in page and "Mélodie" in page
    response = client.post("/processing/processor/export")
    assert response.status_code == 200
    assert "Pour le compte de : Ivry-sur-Seine" in all_text(response.data)


def test_processor_register_is_the_host_s(client, session, login_as, host, organisation):
    session.commit()
    login_as(Role.REFERENT, organisation)
    assert client.get("/processing/processor").status_code == 404
    assert client.post("/processing/processor/export").status_code == 404


def test_sheet_and_register_say_where_the_data_come_from(session, organisation, make_activity):
    """Art. 14(2)(f): the Word sheet and register say where data not collected from the person
    come from, and that the others are collected from it."""
    indirect = make_activity(
        organisation,
        name="Aides sociales",
        indirect_collection=True,
        data_source="Caisse d'allocations familiales (quotient familial)",
    )
    make_activity(organisation, name="Inscriptions")
    session.flush()
    text = all_text(export_activity(session, indirect, actor="test")[0])
    assert "Origine des données (article 14)" in text
    assert "Caisse d'allocations familiales (quotient familial)" in text
    text = all_text(export_register(session, organisation, actor="test")[0])
    assert text.count("Origine des données (article 14)") == 2
    assert "Données collectées auprès des personnes concernées" in text


def test_register_export_sends_as_many_statements_for_5_and_50_activities(
    session, organisation, make_activity, make_application, make_deployment
):
    """The register is read one query per collection: no statement per activity."""
    application = make_application("Mélodie", hosting="vendor_saas")
    make_deployment(organisation, application, hosting="syndicate_datacenter")

    def statements_of_an_export() -> int:
        session.flush()
        session.expire_all()
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(session.get_bind(), "before_cursor_execute", listener)
        try:
            data, _record = export_register(session, organisation, actor="test")
        finally:
            sa.event.remove(session.get_bind(), "before_cursor_execute", listener)
        assert "Journalisation et supervision du syndicat" in all_text(data)
        return len(statements)

    def add(count: int) -> None:
        for _ in range(count):
            make_activity(organisation, application_ids=[application.id])

    add(5)
    few = statements_of_an_export()
    add(45)
    assert statements_of_an_export() == few


def test_the_benchmark_s_floor_writes_the_register_s_text(session, organisation, described):
    """bench/floor.py writes the same sheets, texts and tables as the export, raw."""
    from bench.floor import floor_register

    data, record = export_register(session, organisation, actor="test")
    floor = floor_register(session, organisation, export={"reference": record.reference})
    exported = {line for line in body_text(data).splitlines() if line.strip()}
    written = {line for line in body_text(floor).splitlines() if line.strip()}
    # What the floor leaves out: the date and author of the edition, printed by the template.
    assert exported - written <= {line for line in exported if "2026" in line or line == "test"}
    assert len(Document(io.BytesIO(floor)).tables) == len(Document(io.BytesIO(data)).tables)


def test_streamed_rendering_writes_what_docxtpl_writes(
    session, organisation, described, monkeypatch
):
    """The kernel renders the body as a stream of paragraphs: the same XML as docxtpl's own
    passes over the whole document, line breaks and hostile text included."""
    from docxtpl import DocxTemplate
    from flask_babel import force_locale

    from compliance import documents
    from compliance.render_limits import bounded_render
    from registers.processing.export import live_register_context

    monkeypatch.setattr(documents, "_CHUNK", 512)  # many cuts between paragraphs
    described["other"].description = f"Deux lignes\nde texte\tet une tabulation {HOSTILE}"
    session.flush()
    context = {"export": None, **live_register_context(session, organisation)}
    path = str(default_template_path("processing-register"))
    rendered = []
    for template in (DocxTemplate(path), documents._Template(path, fragments=False)):
        with force_locale("fr"), bounded_render():
            template.render(context, jinja_env=documents.make_environment(), autoescape=True)
        rendered.append(template.docx.element.body.xml)
    assert rendered[0] == rendered[1]
    assert "<w:br/>" in rendered[1] and "&lt;script&gt;" in rendered[1]


def _canonical_parts(data: bytes) -> dict[str, bytes]:
    """Every part of a .docx, its XML parsed and written back by lxml (one way of writing the
    same elements, attributes and text)."""
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: etree.tostring(etree.fromstring(archive.read(name)))
            if name.endswith((".xml", ".rels"))
            else archive.read(name)
            for name in archive.namelist()
        }


def _register_of_every_kind(session, organisation, described, make_activity):
    """A register with a validated sheet (its override row), one in the annex, hostile text,
    line breaks and tabs in every kind of section."""
    described["other"].description = f"Deux lignes\nde texte\tet une tabulation {HOSTILE}"
    make_activity(
        organisation,
        name=HOSTILE,
        purposes=[{"description": HOSTILE, "legal_text": "R&D <i>\nsuite"}],
        recipients=[{"recipient_type": "internal", "name": HOSTILE}],
    )
    session.execute(
        sa.update(ProcessingActivity)
        .where(ProcessingActivity.id == described["full"].id)
        .values(
            status="validated",
            validated_at=sa.func.now(),
            validation_override_reason=f"Urgence {HOSTILE}",
            validation_override_gaps=[{"label": "Base légale"}],
        )
    )
    session.flush()
    session.expire_all()


def test_fragments_write_what_the_whole_body_writes(
    session, organisation, described, make_activity, monkeypatch
):
    """The register's sheets, rendered apart as fragments and spliced in when the file is
    written, give the very document the whole body rendered by docxtpl gives: every part,
    the table of contents (the sheets' headings included), hostile text and line breaks."""
    from compliance import documents
    from registers.processing.export import live_register_context

    monkeypatch.setattr(documents, "_CHUNK", 2048)  # the sheets in many chunks
    _register_of_every_kind(session, organisation, described, make_activity)
    context = {
        **live_register_context(session, organisation),
        "export": {"reference": "EXP-2026-000001", "generated_at": None, "generated_by": "t"},
    }
    path = default_template_path("processing-register")
    spliced = documents._render(path, context)
    whole = documents._render(path, context, fragments=False)
    assert spliced.fragments is not None and len(spliced.fragments.chunks) > 1
    assert whole.fragments is None
    # The sheets' headings are in the fragments, listed by the table of contents.
    assert ("1. Identification et acteurs", 2) in spliced.fragments.headings
    first, second = documents._to_bytes(spliced), documents._to_bytes(whole)
    assert _canonical_parts(first) == _canonical_parts(second)
    text = all_text(first)
    assert HOSTILE in text and "Urgence" in text
    for section in SECTIONS:
        assert text.count(section) == 6, section  # three sheets, each in the contents
    xml = document_xml(first)
    assert "&lt;script&gt;" in xml and "<w:br/>" in xml and "registre-fragments" not in xml


def test_a_body_whose_loop_cannot_be_rendered_apart_is_rendered_whole(
    session, organisation, described, make_activity
):
    """An older or restyled template whose sheets' loop shares names with the rest of the
    body (here a `set`) is rendered the phase-one way, to the same document."""
    from compliance import documents
    from registers.processing.export import live_register_context

    _register_of_every_kind(session, organisation, described, make_activity)
    source = default_template_path("processing-register").read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    body = parts["word/document.xml"].decode()
    assert body.count("{%p for activity in sheets %}") == 1
    parts["word/document.xml"] = (
        body.replace("{%p for activity in sheets %}", "{%p for activity in shown %}")
        .replace("<w:body>", "<w:body><w:p><w:r><w:t>{% set shown = sheets %}</w:t></w:r></w:p>")
        .encode()
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    context = {**live_register_context(session, organisation), "export": None}
    older = documents._render(io.BytesIO(buffer.getvalue()), context)
    assert older.fragments is None
    whole = documents._render(io.BytesIO(buffer.getvalue()), context, fragments=False)
    assert _canonical_parts(documents._to_bytes(older)) == _canonical_parts(
        documents._to_bytes(whole)
    )
    shipped = documents._render(default_template_path("processing-register"), context)
    assert shipped.fragments is not None
    lines = [
        [line for line in body_text(documents._to_bytes(rendered)).splitlines() if line]
        for rendered in (older, shipped)
    ]
    assert lines[0] == lines[1] and HOSTILE in lines[0]


def test_a_contents_table_that_would_start_inside_the_sheets_renders_the_body_whole(
    session, organisation, described, make_activity
):
    """When the first heading 1 is a sheet's (the cover's headings restyled), the table of
    contents goes inside the sheets: the body is rendered whole, to the same document."""
    from compliance import documents
    from registers.processing.export import live_register_context

    _register_of_every_kind(session, organisation, described, make_activity)
    source = default_template_path("processing-register").read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    body = parts["word/document.xml"].decode()
    cover, sheets = body.split("{%p for activity in sheets %}")
    assert 'w:val="Heading1"' in cover
    parts["word/document.xml"] = (
        cover.replace('w:val="Heading1"', 'w:val="Heading2"')
        + "{%p for activity in sheets %}"
        + sheets
    ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    context = {**live_register_context(session, organisation), "export": None}
    restyled = documents._render(io.BytesIO(buffer.getvalue()), context)
    assert restyled.fragments is None
    whole = documents._render(io.BytesIO(buffer.getvalue()), context, fragments=False)
    data = documents._to_bytes(restyled)
    assert _canonical_parts(data) == _canonical_parts(documents._to_bytes(whole))
    assert "Sommaire" in all_text(data)


@pytest.mark.parametrize(
    "body, apart",
    [
        ("<w:p/>{% for a in b %}<w:p><w:r/></w:p>{% endfor %}<w:p></w:p>", True),
        # Inside a block, inside a paragraph, or not made of whole paragraphs: rendered whole.
        ("{% if c %}{% for a in b %}<w:p></w:p>{% endfor %}{% endif %}", False),
        ("<w:p>{% for a in b %}<w:r/>{% endfor %}</w:p>", False),
        ("{% for a in b %}<w:tbl><w:tr>{% endfor %}", False),
        ("{% macro m() %}{% endmacro %}{% for a in b %}<w:p></w:p>{% endfor %}", False),
        ("<w:p>no loop</w:p>", False),
        # Cells looped over in a row: docxtpl fits the table's grid, the body is rendered whole.
        (
            "{% for a in b %}<w:tbl><w:tr>{% for c in d %}<w:tc></w:tc>{% endfor %}"
            "</w:tr></w:tbl>{% endfor %}",
            False,
        ),
        (
            "{% for a in b %}<w:tbl><w:tr>{% if c %}<w:tc></w:tc>{% endif %}<w:tc></w:tc>"
            "</w:tr></w:tbl>{% endfor %}",
            False,
        ),
        (
            "{% for a in b %}<w:tbl><w:tr>{% if c %}<w:tc></w:tc>{% endif %}"
            "</w:tr></w:tbl>{% endfor %}",
            False,
        ),
        (
            "{% for a in b %}<w:tbl>{% for r in a %}<w:tr><w:tc></w:tc></w:tr>{% endfor %}"
            "</w:tbl>{% endfor %}",
            True,
        ),
    ],
)
def test_which_loop_of_a_body_is_rendered_apart(body, apart):
    from compliance.documents import _body_loop

    assert (_body_loop(body) is not None) is apart


def test_the_register_with_its_sheets_spliced_in_converts_to_pdf(
    session, organisation, described, make_activity
):
    """LibreOffice reads the spliced document: the sheets and their contents entries print."""
    import subprocess

    from compliance.documents import export_pdf

    _register_of_every_kind(session, organisation, described, make_activity)
    data, record = export_register(session, organisation, actor="test")
    pdf = export_pdf(session, data, record, "test")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    contents = text.split("Sommaire", 1)[1]
    assert "Centre municipal de santé" in contents and "Urgence" in text
    assert text.count("10. Suivi de la fiche") == 6  # three sheets, each in the contents
    assert record.reference in text
