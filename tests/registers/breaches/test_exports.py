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
from registers.breaches import export, letter, services
from registers.breaches.fanout import controllers_for
from registers.breaches.schemas import BreachUpdate, NotificationCreate, NotNotifiable
from tests.registers.breaches.conftest import SECRET


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
        session, incident, [(ivry, told, told), (gentilly, told, told)], actor="test"
    )
    # The approximate number of records, which a notification must give (Art. 33(3)(a)).
    services.update_breach(
        session, ours, validate(BreachUpdate, {"records_count": 3350}), actor="test"
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
                "follow_up_by": utcnow().date() + timedelta(days=7),
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


def letter_text(session, breach) -> str:
    data, _record = export.export_letter(session, breach, actor="test")
    return all_text(data)


def test_the_letter_holds_no_internal_reference_nor_incident_jargon(session, breaches):
    ours, incident = breaches["ours"], breaches["incident"]
    ours.measures_taken = (
        "- 21 janvier 2026 à 12:30 : Confinement atteint : flux sortants coupés "
        f"({incident.reference})\n"
        "- Incident confiné le 21 janvier 2026 à 12:30.\n"
        "- Plainte déposée au commissariat."
    )
    ours.measures_proposed = (
        "- CA-2026-004 Chiffrer les postes nomades (échéance 31/12/2026)\n"
        f"- RH-01 : revue des habilitations de la paie, voir {ours.reference}"
    )
    session.flush()
    text = letter_text(session, ours)
    for internal in (
        "CA-",
        "INC-",
        "VDP-",
        "RH-01",
        incident.reference,
        ours.reference,
        "NOTIF-2026-0042",  # the CNIL's file number
        "échéance",
        "Confinement",
        "flux sortants",
        "Incident confiné",
        SECRET,  # the incident's own description
    ):
        assert internal not in text, internal
    assert "Chiffrer les postes nomades" in text
    assert "Revue des habilitations de la paie" in text
    assert "Plainte déposée au commissariat." in text
    assert "La situation a été maîtrisée le 21 janvier 2026" in text
    assert "nous avons pris les mesures techniques nécessaires" in text
    assert "Nous avons informé la Commission nationale de l'informatique" in text
    assert "{{" not in text and "{%" not in text


def test_the_letter_has_an_address_block_and_a_signatory(session, breaches, organisation):
    organisation.siren = "219400413"
    organisation.address = "Esplanade Georges-Marrane\n94200 Ivry-sur-Seine"
    organisation.legal_representative = "Philippe Bouyssou, maire"
    organisation.dpo_name = "Délégué mutualisé du SIIM94"
    organisation.dpo_contact = "dpd@siim94.invalid"
    session.flush()
    text = letter_text(session, breaches["ours"])
    lines = text.splitlines()
    # The recipient: a block left for the mail merge.
    for placeholder in letter.RECIPIENT:
        assert placeholder in lines
    # The controller, who writes.
    assert lines[:4] == [
        "Ivry-sur-Seine",
        "Esplanade Georges-Marrane",
        "94200 Ivry-sur-Seine",
        "SIREN 219 400 413",
    ]
    assert lines.index("Ivry-sur-Seine") < lines.index(letter.RECIPIENT[0])
    # The signatory: the legal representative, after the closing formula.
    closing = next(i for i, line in enumerate(lines) if "salutations distinguées" in line)
    assert lines[closing + 1 : closing + 3] == ["Pour Ivry-sur-Seine,", "Philippe Bouyssou, maire"]
    # The DPO's contact, from the organisation (Art. 33(3)(b)).
    assert "Délégué mutualisé du SIIM94 · dpd@siim94.invalid" in text


def test_the_letter_shows_what_is_missing_from_the_controllers_identity(session, breaches):
    text = letter_text(session, breaches["theirs"])
    assert letter.MISSING_ADDRESS in text
    assert letter.MISSING_SIGNATORY in text


def test_the_letter_lists_only_the_categories_of_its_own_breach(session, breaches):
    ours, theirs = breaches["ours"], breaches["theirs"]
    assert "health" in ours.special_categories and ours.nir_concerned  # Ivry's medical file
    ours_text = letter_text(session, ours)
    assert "Données de santé" in ours_text and "Numéro de sécurité sociale" in ours_text
    # Gentilly's breach comes from the same incident, on its own payroll only.
    theirs.data_categories = ["identity"]
    session.flush()
    theirs_text = letter_text(session, theirs)
    assert "État civil, identité" in theirs_text
    for other in ("Données de santé", "Numéro de sécurité sociale", "économique et financier"):
        assert other not in theirs_text, other
    assert "Surveillez vos relevés bancaires" not in theirs_text


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
