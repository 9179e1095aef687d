"""The letters of a rights request reopen with python-docx and say what each step requires (the
deadline and its extension, the doubt on identity, the reasons of an extension, the answer and
the Art. 19 recipients, the refusal's ground and the remedies); each is offered only when the
request's state calls for it; the person's name is in the document only, never in the export's
record or its audit entry; only those who handle the request download them."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document

from compliance.audit import AuditEntry
from compliance.documents import ExportRecord
from compliance.permissions import Role
from registers.rights import export, letters, services
from tests.registers.rights.conftest import PERSON

DOUBT = "La signature du courrier ne correspond pas à celle connue de nos services."
REASONS = "Données réparties dans six applications, dont deux archivées chez un prestataire."
SUMMARY = "Copie des données du portail famille et de la facturation jointe."
REASONING = "Les factures doivent être conservées dix ans (code général des collectivités)."
RECIPIENTS = "Trésorerie municipale\nCaisse d'allocations familiales"


def all_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


@pytest.fixture
def controller(session, organisation):
    organisation.siren = "219400413"
    organisation.address = "Esplanade Georges-Marrane\n94200 Ivry-sur-Seine"
    organisation.dpo_name = "Délégué mutualisé du SIIM94"
    organisation.dpo_contact = "dpd@siim94.invalid"
    session.flush()
    return organisation


@pytest.fixture
def requests(session, controller, make_request):
    """One request of Ivry at each step: received; awaiting proof of identity; extended;
    answered (an erasure, closed with its recipients told); answered in part; refused."""
    received = make_request(controller)
    awaiting = make_request(
        controller,
        identity_requested_on=date(2026, 3, 18),
        identity_doubt_reason=DOUBT,
    )
    extended = make_request(controller, right="portability", channel="post")
    services.extend_request(
        session,
        extended,
        {"extension_reasons": REASONS, "extension_notified_on": date(2026, 4, 10)},
        actor="test",
    )
    answered = make_request(controller, right="erasure")
    services.answer_request(
        session,
        answered,
        {
            "answered_on": date(2026, 4, 2),
            "answer_summary": "Compte du portail famille supprimé.",
            "answer_means": "courrier électronique",
        },
        actor="test",
    )
    services.close_request(
        session,
        answered,
        {"recipients_informed": RECIPIENTS, "recipients_informed_on": date(2026, 4, 3)},
        actor="test",
    )
    partial = make_request(controller)
    services.answer_request(
        session,
        partial,
        {
            "answered_on": date(2026, 4, 14),
            "answer_summary": SUMMARY,
            "answer_means": "courrier postal recommandé",
            "partial": True,
            "refusal_ground": "rights_of_others",
            "refusal_details": "courriers d'un tiers",
            "refusal_reasoning": "Les courriers du voisin mentionnent sa santé.",
            "remedies_mentioned": True,
        },
        actor="test",
    )
    refused = make_request(controller, right="erasure", channel="counter")
    services.refuse_request(
        session,
        refused,
        {
            "answered_on": date(2026, 4, 1),
            "refusal_ground": "erasure_exception",
            "refusal_details": "obligation légale de conservation (art. 17.3 b)",
            "refusal_reasoning": REASONING,
            "remedies_mentioned": True,
        },
        actor="test",
    )
    session.flush()
    return {
        "received": received,
        "awaiting": awaiting,
        "extended": extended,
        "answered": answered,
        "partial": partial,
        "refused": refused,
    }


def letter(session, request, name) -> str:
    data, _record = export.export_letter(session, request, name, actor="test")
    return all_text(data)


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_each_letter_is_offered_only_when_the_state_calls_for_it(requests):
    offered = {key: [x.name for x in letters.available(r)] for key, r in requests.items()}
    assert offered == {
        "received": [letters.ACKNOWLEDGEMENT],
        "awaiting": [letters.ACKNOWLEDGEMENT, letters.IDENTITY],
        "extended": [letters.EXTENSION],
        "answered": [letters.ANSWER],
        "partial": [letters.ANSWER],
        "refused": [letters.REFUSAL],
    }


def test_a_letter_out_of_turn_is_refused_and_nothing_is_recorded(session, requests):
    before = session.scalar(sa.select(sa.func.count()).select_from(ExportRecord))
    with pytest.raises(export.LetterUnavailable, match="pas été refusée"):
        export.export_letter(session, requests["answered"], letters.REFUSAL, actor="test")
    with pytest.raises(export.LetterUnavailable, match="doute raisonnable"):
        export.export_letter(session, requests["received"], letters.IDENTITY, actor="test")
    assert session.scalar(sa.select(sa.func.count()).select_from(ExportRecord)) == before


def test_every_letter_goes_from_the_controller_to_the_person_signed_for_the_dpo(session, requests):
    for key, name in (
        ("received", letters.ACKNOWLEDGEMENT),
        ("awaiting", letters.IDENTITY),
        ("extended", letters.EXTENSION),
        ("answered", letters.ANSWER),
        ("refused", letters.REFUSAL),
    ):
        text = letter(session, requests[key], name)
        lines = lines_of(text)
        assert lines[:4] == [
            "Ivry-sur-Seine",
            "Esplanade Georges-Marrane",
            "94200 Ivry-sur-Seine",
            "SIREN 219 400 413",
        ], name
        # The person, decrypted into the letter: name then contact.
        at = lines.index(PERSON)
        assert lines[at + 1] == "claire.martin@example.invalid", name
        assert f"Nos références : {requests[key].reference}" in lines, name
        closing = next(i for i, line in enumerate(lines) if "salutations distinguées" in line)
        assert lines[closing + 1 : closing + 4] == [
            "Pour Ivry-sur-Seine,",
            "Délégué à la protection des données,",
            "Délégué mutualisé du SIIM94",
        ], name
        assert "Délégué mutualisé du SIIM94 · dpd@siim94.invalid" in text, name


def test_the_acknowledgement_gives_the_deadline_and_the_possible_extension(session, requests):
    text = letter(session, requests["received"], letters.ACKNOWLEDGEMENT)
    assert "Objet : accusé de réception de votre demande" in text
    assert (
        "Nous avons bien reçu le 16 mars 2026, par courrier électronique, votre demande d'accès "
        "aux données personnelles vous concernant (article 15 du RGPD)." in text
    )
    assert "au plus tard le 16 avril 2026" in text
    assert "prolongé de deux mois" in text
    assert "justificatif d'identité" not in text
    # Awaiting proof on a reasonable doubt: the clock stands still, and the letter says so.
    text = letter(session, requests["awaiting"], letters.ACKNOWLEDGEMENT)
    assert "Ce délai ne court pas tant que nous n'avons pas reçu le justificatif" in text


def test_the_identity_request_says_why_and_what_is_asked(session, requests):
    text = letter(session, requests["awaiting"], letters.IDENTITY)
    lines = lines_of(text)
    assert "Le 18 mars 2026" in lines
    assert "Objet : demande de justificatif d'identité" in text
    assert DOUBT in lines
    assert "article 12.6 du RGPD" in text
    asked = "la copie d'une pièce d'identité en cours de validité"
    assert any(line.startswith(asked) for line in lines)
    assert "est suspendu jusqu'à la réception de ce justificatif" in text


def test_the_extension_notice_gives_the_reasons_and_the_new_deadline(session, requests):
    request = requests["extended"]
    text = letter(session, request, letters.EXTENSION)
    lines = lines_of(text)
    assert "Le 10 avril 2026" in lines
    assert "par courrier" in text and "portabilité" in text
    assert REASONS in lines
    assert "article 12.3 du RGPD" in text
    assert request.extended_due_on == date(2026, 6, 16)
    assert "Nous vous répondrons au plus tard le 16 juin 2026." in text


def test_the_answer_gives_the_summary_the_means_and_the_recipients_told(session, requests):
    text = letter(session, requests["answered"], letters.ANSWER)
    lines = lines_of(text)
    assert "Le 2 avril 2026" in lines
    assert "Nous y faisons droit :" in lines
    assert "Compte du portail famille supprimé." in lines
    assert "Cette réponse vous est apportée sous la forme suivante : courrier électronique." in text
    assert "au sujet de cet effacement (article 19 du RGPD), le 3 avril 2026 :" in text
    # The recipients' line says what was done, which may be that nobody was told.
    assert "nous avons informé" not in text
    assert "Trésorerie municipale" in lines and "Caisse d'allocations familiales" in lines
    # Nothing refused: no judicial remedy, but the right to complain to the CNIL, always.
    assert "recours juridictionnel" not in text
    assert "introduire une réclamation auprès de la Commission nationale" in text
    # Not an access request: no Art. 15 information.
    assert "article 15 du RGPD)" not in text


def test_a_partial_answer_says_what_is_refused_why_and_the_remedies(session, requests):
    text = letter(session, requests["partial"], letters.ANSWER)
    assert "Nous y faisons droit en partie :" in text
    assert SUMMARY in text
    ground = "droits et libertés d'autres personnes (article 15.4 du RGPD) (courriers d'un tiers)"
    assert ground in text
    assert "Les courriers du voisin mentionnent sa santé." in text
    assert "3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07" in text
    # An access request: Art. 19 does not apply.
    assert "article 19" not in text


def test_the_refusal_gives_the_ground_the_reasoning_and_the_remedies(session, requests):
    text = letter(session, requests["refused"], letters.REFUSAL)
    lines = lines_of(text)
    assert "Le 1er avril 2026" in lines
    assert "Objet : suite donnée à votre demande" in text
    assert "à notre accueil" in text and "d'effacement" in text
    assert (
        "nous ne pouvons pas y donner suite, car la conservation de vos données reste nécessaire "
        "pour l'un des motifs prévus par l'article 17.3 du RGPD (obligation légale de "
        "conservation (art. 17.3 b))." in text
    )
    assert REASONING in lines
    assert (
        "réclamation auprès de la Commission nationale de l'informatique et des libertés (CNIL), "
        "3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07, ou en ligne sur cnil.fr" in text
    )
    assert "recours juridictionnel" in text


def test_the_name_is_in_the_letter_only_not_in_the_record_or_the_audit(session, requests):
    request = requests["refused"]
    data, record = export.export_letter(session, request, letters.REFUSAL, actor="test")
    assert PERSON in all_text(data)
    session.flush()
    kept = json.dumps(
        [record.title, record.filename, record.parameters], ensure_ascii=False, default=str
    )
    assert request.reference in kept and "Martin" not in kept
    entry = session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.seq.desc())
    )
    audited = json.dumps([entry.summary, entry.changes], ensure_ascii=False, default=str)
    assert request.reference in audited and "Martin" not in audited


# --- the pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DPO, Role.REFERENT])
def test_those_who_handle_the_request_download_its_letters(
    client, login_as, session, requests, controller, role
):
    login_as(role, controller)
    request = requests["refused"]
    page = client.get(f"/rights/{request.id}").get_data(as_text=True)
    assert f"/rights/{request.id}/letters/{letters.REFUSAL}" in page
    assert f"/rights/{request.id}/letters/{letters.ANSWER}" not in page
    response = client.post(f"/rights/{request.id}/letters/{letters.REFUSAL}")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "refus-" in response.headers["Content-Disposition"]
    assert PERSON in all_text(response.data)
    session.expire_all()
    record = session.scalar(sa.select(ExportRecord).order_by(ExportRecord.id.desc()))
    assert record.document == letters.REFUSAL and record.organisation_id == controller.id


def test_a_letter_out_of_turn_says_why_and_records_nothing(client, login_as, session, requests):
    login_as(Role.DPO, requests["answered"].organisation)
    request = requests["answered"]
    response = client.post(f"/rights/{request.id}/letters/{letters.REFUSAL}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/rights/{request.id}#courriers")
    page = client.get(f"/rights/{request.id}").get_data(as_text=True)
    assert "Cette demande n&#39;a pas été refusée." in page
    assert client.post(f"/rights/{request.id}/letters/no-such-letter").status_code == 404
    assert client.raw.post(f"/rights/{request.id}/letters/{letters.ANSWER}").status_code == 400
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(ExportRecord)) == 0


def test_readers_see_the_request_but_do_not_write_to_the_person(
    client, login_as, requests, controller
):
    login_as(Role.AUDITOR, controller)
    request = requests["refused"]
    page = client.get(f"/rights/{request.id}")
    assert page.status_code == 200
    assert "/letters/" not in page.get_data(as_text=True)
    assert client.post(f"/rights/{request.id}/letters/{letters.REFUSAL}").status_code == 403


def test_another_members_request_is_not_found(
    client, login_as, session, requests, other_organisation
):
    login_as(Role.DPO, other_organisation)
    response = client.post(f"/rights/{requests['refused'].id}/letters/{letters.REFUSAL}")
    assert response.status_code == 404


def test_an_access_answer_gives_the_article_15_information(
    session, controller, make_request, make_activity
):
    activity = make_activity(controller, reference="EL-01")
    request = make_request(controller, processing_ids=[activity.id])
    services.answer_request(
        session,
        request,
        {"answered_on": date(2026, 4, 2), "answer_summary": SUMMARY, "answer_means": "courriel"},
        actor="test",
    )
    text = letter(session, request, letters.ANSWER)
    assert "Informations sur le traitement de vos données (article 15 du RGPD)" in text
    assert "Tenir la liste électorale de la commune" in text  # the purpose
    assert "INSEE (REU)" in text  # a recipient
    assert "Durée de l'inscription" in text  # the retention
    assert "article 15.2 du RGPD" in text and "article 22 du RGPD" in text
    assert "articles 16, 17, 18 et 21 du RGPD" in text
    assert "introduire une réclamation auprès de la Commission nationale" in text


def test_a_portability_refusal_on_the_rights_of_others_cites_article_20_4(
    session, controller, make_request
):
    request = make_request(controller, right="portability")
    services.refuse_request(
        session,
        request,
        {
            "answered_on": date(2026, 4, 1),
            "refusal_ground": "rights_of_others",
            "refusal_details": "données d'un tiers",
            "refusal_reasoning": "Les fichiers contiennent les données de santé d'un voisin.",
            "remedies_mentioned": True,
        },
        actor="test",
    )
    text = letter(session, request, letters.REFUSAL)
    assert "article 20.4 du RGPD" in text and "15.4" not in text


def test_the_dpo_contact_is_never_the_referents(session, controller, make_request):
    controller.dpo_contact = None
    controller.referent_email = "referent@ivry.invalid"
    session.flush()
    context = letters.letter_context(letters.ACKNOWLEDGEMENT, make_request(controller))
    assert context["dpo"]["contact"] == ""
    assert "referent@ivry.invalid" not in context["dpo"]["text"]
