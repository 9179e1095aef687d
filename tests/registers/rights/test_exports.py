"""The request log of the rights register: one member and one year only, every column the
register needs and the counts by right and outcome, no one named; from the command line and
from the list page, recorded and verifiable; a letter and the log through LibreOffice; the
shipped templates pass the restyle check over the demo."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document

from compliance.calendar import today_in_paris
from compliance.cli import main
from compliance.document_templates import check_template
from compliance.documents import ExportRecord, default_template_path, export_pdf
from compliance.permissions import Role
from registers.rights import export, letters, services
from tests.compliance.test_document_pdf import pdf_text, require_pdf_tools
from tests.registers.rights.conftest import PERSON
from tests.registers.rights.test_letters import all_text

OTHER_PERSON = "M. Paul Durand"
ANSWERED = "Copie des données du portail famille envoyée."
ERASED = "Compte du portail famille effacé avec ses pièces."
REASONS = "Données réparties dans six applications et deux services."


@pytest.fixture
def log_world(session, organisation, other_organisation, make_request):
    """Ivry's requests of 2026 (one answered on time, one answered late, one refused, one
    withdrawn, one extended) and of 2025; one of Gentilly in 2026."""
    on_time = make_request(organisation)
    services.answer_request(
        session,
        on_time,
        {"answered_on": date(2026, 4, 10), "answer_summary": ANSWERED, "answer_means": "courriel"},
        actor="test",
    )
    late = make_request(organisation, right="erasure", received_on=date(2026, 2, 2))
    services.answer_request(
        session,
        late,
        {"answered_on": date(2026, 3, 9), "answer_summary": ERASED, "answer_means": "courrier"},
        actor="test",
    )
    refused = make_request(organisation, right="erasure", channel="counter")
    services.refuse_request(
        session,
        refused,
        {
            "answered_on": date(2026, 4, 1),
            "refusal_ground": "manifestly_unfounded",
            "refusal_reasoning": "Aucune donnée de cette nature n'est traitée.",
            "remedies_mentioned": True,
        },
        actor="test",
    )
    withdrawn = make_request(organisation, right="objection")
    services.withdraw_request(session, withdrawn, {"withdrawn_on": date(2026, 3, 20)}, actor="test")
    extended = make_request(organisation, right="portability", received_on=date(2026, 5, 4))
    services.extend_request(
        session,
        extended,
        {"extension_reasons": REASONS, "extension_notified_on": date(2026, 5, 20)},
        actor="test",
    )
    previous = make_request(organisation, received_on=date(2025, 11, 3))
    theirs = make_request(other_organisation, person_name=OTHER_PERSON)
    session.flush()
    return {
        "on_time": on_time,
        "late": late,
        "refused": refused,
        "withdrawn": withdrawn,
        "extended": extended,
        "previous": previous,
        "theirs": theirs,
    }


def rows(data: bytes) -> list[list[str]]:
    """The request table's rows (the last table), header first."""
    table = Document(io.BytesIO(data)).tables[-1]
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_the_log_of_a_year_holds_that_year_and_that_member_only(session, log_world, organisation):
    data, record = export.export_log(session, organisation, 2026, actor="test")
    table = rows(data)
    assert table[0] == [
        "Référence",
        "Reçue le",
        "Droit exercé",
        "Canal",
        "Échéance",
        "Échéance prolongée",
        "Statut",
        "Suite donnée le",
        "Délai",
    ]
    references = [row[0] for row in table[1:]]
    expected = ("late", "on_time", "refused", "withdrawn", "extended")
    # In the order received: 2 February first, then the four of 16 March, then 4 May.
    assert references[0] == log_world["late"].reference
    assert sorted(references) == sorted(log_world[key].reference for key in expected)
    text = all_text(data)
    assert log_world["previous"].reference not in text
    assert log_world["theirs"].reference not in text
    assert record.parameters == {"organisation": organisation.slug, "year": 2026, "requests": 5}
    assert record.filename.endswith("-2026.docx")
    # Every year: the request of 2025 too, still not Gentilly's.
    text = all_text(export.export_log(session, organisation, actor="test")[0])
    assert log_world["previous"].reference in text and log_world["theirs"].reference not in text


def test_each_row_says_the_dates_the_status_and_whether_it_was_on_time(session, log_world):
    organisation = log_world["late"].organisation
    data, _record = export.export_log(session, organisation, 2026, actor="test")
    table = {row[0]: row for row in rows(data)[1:]}
    assert table[log_world["late"].reference] == [
        log_world["late"].reference,
        "2 février 2026",
        "Effacement (art. 17)",
        "Courrier électronique",
        "2 mars 2026",
        "–",
        "Répondue",
        "9 mars 2026",
        "Hors délai (7 j)",
    ]
    on_time = table[log_world["on_time"].reference]
    assert on_time[4:] == ["16 avril 2026", "–", "Répondue", "10 avril 2026", "Dans le délai"]
    assert table[log_world["refused"].reference][2:4] == ["Effacement (art. 17)", "Au guichet"]
    assert table[log_world["withdrawn"].reference][6:] == [
        "Retirée",
        "20 mars 2026",
        "Sans objet (retirée)",
    ]
    extended = table[log_world["extended"].reference]
    assert extended[4:7] == ["4 juin 2026", "4 août 2026", "Délai prolongé"]
    # Still open: on time until 4 August, late after it.
    assert extended[8] == (
        "En cours, dans le délai"
        if today_in_paris() <= date(2026, 8, 4)
        else f"En retard ({(today_in_paris() - date(2026, 8, 4)).days} j)"
    )


def test_the_log_counts_by_right_and_by_outcome(session, log_world, organisation):
    context = export.log_context(session, organisation, 2026, today=date(2026, 6, 1))
    assert context["totals"] == {
        "received": 5,
        "answered": 2,
        "partially": 0,
        "refused": 1,
        "withdrawn": 1,
        "open": 1,
        "extended": 1,
        "on_time": 2,
        "late": 1,
    }
    by_right = {row["label"]: row for row in context["by_right"]}
    assert set(by_right) == {
        "Accès (art. 15)",
        "Effacement (art. 17)",
        "Opposition (art. 21)",
        "Portabilité (art. 20)",
    }
    erasure = by_right["Effacement (art. 17)"]
    assert (erasure["received"], erasure["answered"], erasure["refused"], erasure["late"]) == (
        2,
        1,
        1,
        1,
    )
    text = all_text(export.export_log(session, organisation, 2026, actor="test")[0])
    assert "Par droit exercé et par suite donnée" in text
    assert "Total" in text


def test_the_log_names_no_one(session, log_world, organisation, other_organisation):
    for member in (organisation, other_organisation):
        text = all_text(export.export_log(session, member, 2026, actor="test")[0])
        assert PERSON not in text and OTHER_PERSON not in text
        assert "Martin" not in text and "claire.martin" not in text
        assert "minimisation" in text


def test_an_empty_log_says_so(session, organisation):
    text = all_text(export.export_log(session, organisation, 2024, actor="test")[0])
    assert "Aucune demande enregistrée sur cette période." in text
    assert "année 2024" in text


@pytest.mark.parametrize("document_type", export.DOCUMENT_TYPES, ids=lambda t: t.name)
def test_shipped_templates_pass_the_restyle_check(app, document_type):
    with app.test_request_context():
        check_template(default_template_path(document_type.name).read_bytes(), document_type)


# --- the command line ---------------------------------------------------------------------------


def test_the_command_writes_a_verifiable_log(app, session, log_world, organisation, tmp_path):
    runner = app.test_cli_runner()
    output = tmp_path / "journal.docx"
    args = ["export", "rights-requests", "--org", organisation.slug, "--year", "2026"]
    result = runner.invoke(main, [*args, "-o", str(output)], obj=app)
    assert result.exit_code == 0, result.output
    text = all_text(output.read_bytes())
    assert log_world["late"].reference in text and log_world["previous"].reference not in text
    verified = runner.invoke(main, ["verify-export", str(output)], obj=app)
    assert verified.exit_code == 0 and "authentic" in verified.output
    result = runner.invoke(
        main, ["export", "rights-requests", "--org", organisation.slug, "-o", str(output)], obj=app
    )
    assert result.exit_code == 0 and log_world["previous"].reference in all_text(
        output.read_bytes()
    )
    result = runner.invoke(
        main, ["export", "rights-requests", "--org", "nowhere", "-o", str(output)], obj=app
    )
    assert result.exit_code != 0 and "unknown organisation" in result.output
    result = runner.invoke(main, [*args[:4], "--year", "26", "-o", str(output)], obj=app)
    assert result.exit_code != 0 and "--year" in result.output


# --- the page -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.REFERENT, Role.DPO])
def test_the_log_is_exported_from_the_list_page(
    client, login_as, session, log_world, organisation, role
):
    login_as(role, organisation)
    assert "/rights/export" in client.get("/rights/").get_data(as_text=True)
    page = client.get("/rights/export")
    assert page.status_code == 200
    assert f'value="{today_in_paris().year}"' in page.get_data(as_text=True)
    form = {"organisation": organisation.slug, "year": "2026"}
    response = client.post("/rights/export", data=form)
    assert response.status_code == 200
    text = all_text(response.data)
    assert log_world["late"].reference in text and log_world["theirs"].reference not in text
    assert PERSON not in text
    session.expire_all()
    record = session.scalar(sa.select(ExportRecord).order_by(ExportRecord.id.desc()))
    assert record.document == export.LOG and record.parameters["year"] == 2026


def test_the_log_page_refuses_bad_input_and_other_members(
    client, login_as, session, log_world, organisation, other_organisation
):
    login_as(Role.AUDITOR, organisation)
    response = client.post("/rights/export", data={"organisation": organisation.slug, "year": "26"})
    assert response.status_code == 400
    assert "Indiquez une année à quatre chiffres." in response.get_data(as_text=True)
    response = client.post("/rights/export", data={"organisation": other_organisation.slug})
    assert response.status_code == 404
    # Without the CSRF token.
    response = client.raw.post("/rights/export", data={"organisation": organisation.slug})
    assert response.status_code == 400
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(ExportRecord)) == 0


# --- through LibreOffice ------------------------------------------------------------------------


def test_a_letter_and_the_log_render_in_libreoffice(session, log_world, organisation):
    require_pdf_tools()
    data, record = export.export_letter(
        session, log_world["refused"], letters.REFUSAL, actor="test"
    )
    text = pdf_text(export_pdf(session, data, record, "test"))
    assert "3 place de Fontenoy" in text and "Madame, Monsieur," in text
    assert record.pdf_sha256
    data, record = export.export_log(session, organisation, 2026, actor="test")
    text = pdf_text(export_pdf(session, data, record, "test"))
    assert "Journal des demandes d'exercice des droits" in text
    assert log_world["late"].reference in text and "Hors délai (7 j)" in text


def test_a_refusal_is_judged_against_the_first_month(session, make_request, organisation):
    """Art. 12(4): within the extended time but after the first month, a refusal is late, and
    so is the refused part of a partial answer."""
    notice = {"extension_reasons": REASONS, "extension_notified_on": date(2026, 4, 10)}
    refusal = {
        "answered_on": date(2026, 5, 4),
        "refusal_ground": "manifestly_unfounded",
        "refusal_reasoning": "La personne n'a jamais été usagère des services de la ville.",
        "remedies_mentioned": True,
    }
    refused = make_request(organisation)  # due 16 April, extended to 16 June
    services.extend_request(session, refused, notice, actor="test")
    services.refuse_request(session, refused, refusal, actor="test")
    assert export.timeliness(refused, date(2026, 6, 1)) == ("late", "Hors délai (18 j)")
    partly = make_request(organisation)
    services.extend_request(session, partly, notice, actor="test")
    partial = refusal | {
        "answer_summary": "Copie des données de l'état civil envoyée par courriel.",
        "answer_means": "courriel",
        "partial": True,
    }
    services.answer_request(session, partly, partial, actor="test")
    key, text = export.timeliness(partly, date(2026, 6, 1))
    assert key == "late" and "12.4" in text
