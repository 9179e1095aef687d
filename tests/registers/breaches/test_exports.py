"""The Word documents of the breach register reopen with python-docx and hold the content
Art. 33(3) requires; one member's register never shows another member's breach; the command
line writes verifiable files."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document

from compliance.cli import main
from compliance.db import utcnow
from compliance.document_templates import check_template
from compliance.documents import ExportRecord, default_template_path
from compliance.permissions import Role
from compliance.schemas import validate
from registers.breaches import export, services
from registers.breaches.fanout import controllers_for
from registers.breaches.schemas import NotificationCreate, NotNotifiable


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


@pytest.fixture
def breaches(session, shared, make_incident, make_breach, organisation, other_organisation):
    """Ivry's and Gentilly's breaches from a payroll incident; Ivry notified it late; Gentilly
    also has a breach of its own, judged not notifiable."""
    incident = make_incident([shared["payroll"]])
    gentilly, ivry, _villejuif = controllers_for(
        incident, session=session, everything=True
    ).controllers
    told = utcnow().replace(microsecond=0) - timedelta(hours=80)
    ours, theirs = services.open_breaches_for_incident(
        session, incident, [(ivry, told, None), (gentilly, told, None)], actor="test"
    )
    services.record_notification(
        session,
        ours,
        validate(
            NotificationCreate,
            {
                "kind": "initial",
                "sent_at": utcnow() - timedelta(hours=1),
                "reference": "NOTIF-2026-0042",
                "delay_reasons": "Analyse du prestataire attendue jusqu'au troisième jour",
            },
        ),
        actor="test",
    )
    quiet = make_breach(
        other_organisation, title="Clé USB chiffrée perdue à Gentilly", records_count=12
    )
    services.decide_not_notifiable(
        session,
        quiet,
        validate(
            NotNotifiable,
            {
                "risk_reasoning": "Clé chiffrée (AES-256), mot de passe non compromis",
                "not_notified_reason": "Données inintelligibles pour quiconque trouve la clé",
                "communication_ground": "unintelligible",
            },
        ),
        actor="test",
    )
    session.commit()
    return {"ours": ours, "theirs": theirs, "quiet": quiet, "incident": incident}


def test_notification_dossier_holds_the_art_33_3_content(session, breaches):
    breach = breaches["ours"]
    data, record = export.export_dossier(session, breach, actor="test")
    text = all_text(data)
    for expected in (
        breach.reference,
        "Ivry-sur-Seine",  # the controller
        "1. Type de notification",
        "NOTIF-2026-0042",
        "Analyse du prestataire attendue",  # the reasons for the delay
        "perte de confidentialité",  # (a) nature
        "Agents",  # (a) categories of people
        "3\u202f350",  # (a) approximate number
        "Données de santé",  # (a) categories of data, sensitive ones flagged
        "Numéro de sécurité sociale (NIR)",
        "usurpation d'identité",  # (c) likely consequences
        "Mesures prises",  # (d) measures
        "Personne à contacter",  # (b) contact point
        breach.contact,
        "SIIM94",  # the processor, and when it told the controller
        record.reference,
    ):
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text
    assert record.document == "breach-notification"


def test_letter_speaks_plainly_to_the_people(session, breaches):
    data, _record = export.export_letter(session, breaches["ours"], actor="test")
    text = all_text(data)
    assert "Madame, Monsieur," in text
    assert "Ce qui s'est passé" in text
    assert "Ce que cela peut entraîner pour vous" in text
    assert "Ce que nous avons fait" in text
    assert "Surveillez vos relevés bancaires" in text  # financial data exposed
    assert "délégué à la protection des données" in text
    assert "CNIL" in text
    assert "{{" not in text


def test_a_members_register_holds_its_breaches_only(session, breaches, organisation):
    data, record = export.export_register(session, organisation, actor="test")
    text = all_text(data)
    assert breaches["ours"].reference in text
    assert breaches["theirs"].reference not in text
    assert breaches["quiet"].reference not in text
    assert "Gentilly" not in text
    assert "Art" not in record.title or organisation.name in record.title


def test_the_register_documents_breaches_not_notified_and_why(
    session, breaches, other_organisation
):
    data, _record = export.export_register(session, other_organisation, actor="test")
    text = all_text(data)
    assert breaches["quiet"].reference in text
    assert "Non notifiée" in text
    assert "Données inintelligibles pour quiconque trouve la clé" in text
    assert "Clé chiffrée (AES-256)" in text
    assert breaches["theirs"].reference in text  # still being assessed: late
    assert "sans décision" in text
    assert "Ivry" not in text


@pytest.mark.parametrize("document_type", export.DOCUMENT_TYPES, ids=lambda t: t.name)
def test_shipped_templates_pass_the_restyle_check(app, document_type):
    with app.test_request_context():
        check_template(default_template_path(document_type.name).read_bytes(), document_type)


def test_export_commands_write_verifiable_files(app, session, breaches, tmp_path):
    runner = app.test_cli_runner()
    reference = breaches["ours"].reference
    commands = {
        "register.docx": ["export", "breaches", "--org", "ivry-sur-seine"],
        "dossier.docx": ["export", "breach", reference.lower()],
        "letter.docx": ["export", "breach", str(breaches["ours"].id), "--letter"],
    }
    for name, args in commands.items():
        output = tmp_path / name
        result = runner.invoke(main, [*args, "-o", str(output)], obj=app)
        assert result.exit_code == 0, result.output
        verified = runner.invoke(main, ["verify-export", str(output)], obj=app)
        assert verified.exit_code == 0 and "authentic" in verified.output
    assert reference in all_text((tmp_path / "dossier.docx").read_bytes())
    assert "Madame, Monsieur," in all_text((tmp_path / "letter.docx").read_bytes())
    result = runner.invoke(main, ["export", "breach", "VDP-1999-999", "-o", "x.docx"], obj=app)
    assert result.exit_code != 0 and "unknown breach" in result.output
    result = runner.invoke(main, ["export", "breaches", "--org", "nowhere", "-o", "x"], obj=app)
    assert result.exit_code != 0 and "unknown organisation" in result.output


def test_downloads_are_recorded_and_scoped(
    client, login_as, session, breaches, organisation, other_organisation
):
    login_as(Role.AUDITOR, organisation)
    response = client.post(f"/breaches/{breaches['ours'].id}/export/dossier")
    assert response.status_code == 200
    assert breaches["ours"].reference in all_text(response.data)
    assert client.post(f"/breaches/{breaches['theirs'].id}/export/dossier").status_code == 404
    assert client.post(f"/breaches/{breaches['quiet'].id}/export/letter").status_code == 404
    response = client.post("/breaches/export/register", data={"organisation": "ivry-sur-seine"})
    assert response.status_code == 200
    assert breaches["theirs"].reference not in all_text(response.data)
    assert (
        client.post("/breaches/export/register", data={"organisation": "gentilly"}).status_code
        == 404
    )
    assert client.raw.post(f"/breaches/{breaches['ours'].id}/export/letter").status_code == 400
    session.expire_all()
    documents = [r.document for r in session.query(ExportRecord).order_by(ExportRecord.id)]
    assert documents[-2:] == ["breach-notification", "breach-register"]


def test_a_referent_may_not_download(client, login_as, breaches, organisation):
    login_as(Role.REFERENT, organisation)
    assert client.post(f"/breaches/{breaches['ours'].id}/export/dossier").status_code == 403
    response = client.post("/breaches/export/register", data={"organisation": "ivry-sur-seine"})
    assert response.status_code == 403
