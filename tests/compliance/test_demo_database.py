"""The Word template check renders every document with what its own context builder makes of
the demo, loaded once per process into a throw-away database: no sample is kept by hand."""

from __future__ import annotations

import io
import threading

import pytest
import sqlalchemy as sa
from docx import Document

from compliance import demo
from compliance.demo_database import demo_context, demo_contexts, demo_session
from compliance.document_templates import TemplateRejected, check_template
from compliance.documents import default_template_path, document_types
from compliance.tenancy import Organisation
from registers.breaches import export as breach_export

DEMO_NAMES = {row["nom"] for row in demo.member_rows()}


def with_paragraph(template: bytes, text: str) -> bytes:
    document = Document(io.BytesIO(template))
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def letter_type():
    return next(t for t in breach_export.DOCUMENT_TYPES if t.name == breach_export.LETTER)


def test_every_document_type_has_a_demo_context(app):
    with app.test_request_context():
        for kind in document_types().values():
            context = demo_context(kind.context)
            assert context["title"], kind.name
        dossier = demo_context(letter_type().context)
    # The real builder over a demo record: the demo's organisation and breach.
    assert dossier["organisation"]["name"] in DEMO_NAMES
    assert dossier["breach"]["reference"].startswith("VDP-")


def test_demo_contexts_cover_every_organisation_with_data(app):
    with app.test_request_context():
        maps = demo_contexts(document_types()["application-map"].context)
    assert len(maps) == len(DEMO_NAMES)
    # The host first: the whole catalogue.
    assert not maps[0]["scope"]["is_member"] and maps[1]["scope"]["is_member"]


def test_an_unknown_variable_in_a_shipped_template_is_caught(app):
    template = default_template_path(breach_export.LETTER).read_bytes()
    with app.test_request_context():
        check_template(template, letter_type())
        broken = with_paragraph(template, "{{ breach.no_such_field.text }}")
        with pytest.raises(TemplateRejected, match="erreur de balise"):
            check_template(broken, letter_type())


def test_a_variable_a_builder_adds_is_checked_without_a_sample(app, monkeypatch):
    template = with_paragraph(
        default_template_path(breach_export.LETTER).read_bytes(), "{{ breach.added.text }}"
    )
    with app.test_request_context():
        with pytest.raises(TemplateRejected, match="erreur de balise"):
            check_template(template, letter_type())
        summary = breach_export.breach_summary
        monkeypatch.setattr(
            breach_export,
            "breach_summary",
            lambda breach: {**summary(breach), "added": {"text": "nouveau"}},
        )
        check_template(template, letter_type())


def test_what_a_demo_session_writes_is_rolled_back(app):
    with app.test_request_context():
        with demo_session() as session:
            host = session.scalar(sa.select(Organisation).where(Organisation.is_host))
            host.name = "Renommé"
            session.flush()
        with demo_session() as session:
            host = session.scalar(sa.select(Organisation).where(Organisation.is_host))
            assert host.name != "Renommé"


def test_the_demo_answers_from_another_thread(app):
    kind = document_types()["incident-log"]
    found = []

    def check():
        with app.app_context(), app.test_request_context():
            found.append(demo_context(kind.context)["totals"]["incidents"])

    thread = threading.Thread(target=check)
    thread.start()
    thread.join()
    assert found and found[0] > 0
