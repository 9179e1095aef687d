"""The CNIL PIA software's file: a file shaped like its export (files/cnil-pia-export.json,
built on the structure of LINCnil/pia: answers by question id, measures, evaluations) imports
into a draft DPIA and re-exports with the same answers; a DPIA exported here imports into the
same structure; a malformed file is refused with a clear message and nothing written."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from compliance.cli import main
from compliance.permissions import Role
from compliance.schemas import validate
from registers.dpia import measures, pia_json, services
from registers.dpia.models import Dpia
from registers.dpia.schemas import DpiaUpdate, MeasureCreate, RiskKind, RiskLevel, RiskUpdate
from tests.registers.dpia.conftest import REQUIRED_SCREENING, complete

CNIL_FILE = Path(__file__).parent / "files" / "cnil-pia-export.json"


def cnil_file() -> dict:
    return json.loads(CNIL_FILE.read_text())


def answers_by_question(document: dict) -> dict[int, dict]:
    """Each answer of the CNIL structure as comparable values: its text as plain text, its
    gauge (0 and null alike: no gauge), its list."""
    return {
        int(answer["reference_to"]): {
            "text": pia_json.html_to_text(answer["data"].get("text")),
            "gauge": answer["data"].get("gauge") or 0,
            "list": answer["data"].get("list") or [],
        }
        for answer in document["answers"]
        if int(answer["reference_to"]) in pia_json.QUESTIONS
    }


def dpia_count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Dpia))


@pytest.fixture
def activity(session, organisation, make_activity):
    made = make_activity(organisation, **REQUIRED_SCREENING)
    session.flush()
    return made


def test_text_and_html_go_both_ways():
    text = "Première ligne & <suite>\n- un point\n\nAprès un blanc"
    assert pia_json.html_to_text(pia_json.text_to_html(text)) == text
    html = "<p>Les <strong>données</strong> :</p>\n<ul>\n<li>nom ;</li>\n<li>santé.</li>\n</ul>"
    assert pia_json.html_to_text(html) == "Les données :\n- nom ;\n- santé."
    # A list right after a line of text starts on a line of its own.
    assert pia_json.html_to_text("Données :\n<ul>\n<li>nom</li>\n</ul>") == "Données :\n- nom"
    joined = pia_json.join_blocks("Vue", [("Finalités", "Servir"), ("Autre", None)])
    assert joined == "Vue\n\n[Finalités]\nServir"
    assert pia_json.split_blocks(joined, {"Finalités"}) == ("Vue", {"Finalités": "Servir"})
    # A bracketed line that is not a known label stays text.
    assert pia_json.split_blocks("[Note]\nx", {"Finalités"}) == ("[Note]\nx", {})


def test_a_cnil_file_imports_and_reexports_with_the_same_answers(session, activity):
    dpia, content = pia_json.import_pia(session, CNIL_FILE.read_bytes(), activity, actor="test")
    assert dpia.status.value == "draft" and dpia.reference == "AIPD-001"
    assert dpia.title == "Restauration scolaire : régimes médicaux"
    assert content["ignored_answers"] == 1 and content["comments"] == 1
    assert dpia.overview.startswith("Inscription des enfants à la restauration scolaire")
    assert "[Cycle de vie des données]" in dpia.data_lifecycle
    retention = dpia.principles["retention"]
    assert retention["judgement"] == "improvable"
    assert "[Plan d'action]\nFixer la purge automatique au 31 août." in retention["justification"]
    access = dpia.risk(RiskKind.ILLEGITIMATE_ACCESS)
    assert (access.severity, access.likelihood) == (RiskLevel.SIGNIFICANT, RiskLevel.SIGNIFICANT)
    assert (access.residual_severity, access.residual_likelihood) == (
        RiskLevel.SIGNIFICANT,
        RiskLevel.LIMITED,
    )
    assert access.impacts == "Divulgation de l'état de santé\nStigmatisation de l'enfant"
    logs = next(m for m in dpia.measures if m.title == "Traçabilité")
    # 22:00 UTC on 31 August is midnight on 1 September in Paris, where the browser was.
    assert (logs.state.value, logs.owner, logs.due_on) == (
        "planned",
        "Service informatique",
        date(2026, 9, 1),
    )
    assert "[Sens de l'avis]\nle traitement devrait être mis en œuvre" in dpia.dpo_opinion

    again = json.loads(pia_json.pia_bytes(dpia))
    original = cnil_file()
    assert answers_by_question(again) == answers_by_question(original)
    assert [(m["title"], pia_json.html_to_text(m["content"])) for m in again["measures"]] == [
        (m["title"], pia_json.html_to_text(m["content"])) for m in original["measures"]
    ]
    evaluations = {e["reference_to"]: e for e in again["evaluations"]}
    assert evaluations["3.2"]["gauges"] == {"x": 3, "y": 2}
    assert evaluations["3.3"]["gauges"] == {"x": 4, "y": 1}
    assert evaluations["2.1.215"]["status"] == 2 and evaluations["2.1.211"]["status"] == 3
    assert pia_json.html_to_text(evaluations["2.1.215"]["action_plan_comment"]) == (
        "Fixer la purge automatique au 31 août."
    )
    ids = {m["title"]: m["id"] for m in again["measures"]}
    planned = evaluations[f"3.1.{ids['Traçabilité']}"]
    assert planned["person_in_charge"] == "Service informatique"
    plan = pia_json.html_to_text(planned["action_plan_comment"])
    assert plan == "Revoir les journaux chaque mois."
    pia = again["pia"]
    assert (pia["dpo_status"], pia["concerned_people_status"]) == (1, 1)
    assert pia["dpos_names"] == "Délégué mutualisé du syndicat"
    assert pia["people_names"] == "Fédération des parents d'élèves"
    assert pia["concerned_people_searched_opinion"] is True


def test_a_dpia_exported_here_imports_into_the_same_structure(
    session, organisation, make_dpia, make_activity
):
    dpia = complete(
        session,
        make_dpia(organisation),
        residual=("maximum", "significant"),
        purposes="Prévenir les atteintes aux biens.",
        processors="Installateur des caméras",
        applications="Superviseur vidéo",
        data_lifecycle="Images\n\n[Cycle de vie des données]\nEffacées après 30 jours.",
        consultation_requested_on=date(2026, 2, 2),
        cnil_answer_on=date(2026, 3, 30),
        cnil_answer="La CNIL ne formule pas d'objection.",
        decision_on=date(2026, 4, 2),
        next_review_on=date(2029, 4, 1),
    )
    services.update_risk(
        session,
        dpia,
        RiskKind.DISAPPEARANCE,
        validate(
            RiskUpdate,
            {
                "sources": "Sinistre\nÉditeur",
                "threats": "Panne",
                "impacts": "Perte des images",
                "justification": "Images locales.\n\n[Vraisemblance]\nPannes rares.",
                "residual_justification": "Acceptable.\n\n[Plan d'action]\nDoubler le disque.",
            },
        ),
        actor="test",
    )
    measures.add_measure(
        session,
        dpia,
        validate(
            MeasureCreate,
            {
                "title": "Chiffrement des enregistrements",
                "description": "Disques chiffrés.",
                "state": "planned",
                "owner": "DSI",
                "due_on": "2026-06-30",
                "hygiene_measure": "12",
            },
        ),
        actor="test",
    )
    services.update_dpia(
        session,
        dpia,
        validate(DpiaUpdate, {"dpo_opinion_on": "2026-04-01"}),
        actor="test",
    )
    session.flush()
    exported = pia_json.pia_bytes(dpia)
    target = make_activity(organisation, name="Deuxième site", **REQUIRED_SCREENING)
    session.flush()
    copy, _content = pia_json.import_pia(session, exported, target, actor="test")

    def structure(record):
        from registers.dpia.snapshot import dpia_content

        content = dpia_content(record)
        for key in ("reference", "processing_id"):
            content.pop(key)
        for measure in content["measures"]:
            measure.pop("roadmap_action_id")
        return content

    assert structure(copy) == structure(dpia)
    assert structure(copy)["prior_consultation_required"] is True


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json {", "pas du JSON"),
        (b"[" * 200_000, "pas du JSON"),
        (b"[1, 2]", "objet « pia » absent"),
        (b'{"pia": {"name": ""}}', "n'a pas de nom"),
        (b'{"pia": {"name": "x"}, "answers": {}}', "doit être une liste"),
        (
            b'{"pia": {"name": "x"}, "answers": [{"reference_to": 325, '
            b'"data": {"text": "t", "gauge": 9, "list": []}}]}',
            "hors échelle",
        ),
        (b'{"pia": {"name": "' + b"x" * 300 + b'"}}', "AIPD"),
        (
            b'{"pia": {"name": "x"}, "evaluations": [{"reference_to": "3.1.1", '
            b'"estimated_implementation_date": "demain"}], '
            b'"measures": [{"id": 1, "title": "M", "content": ""}]}',
            "date",
        ),
    ],
)
def test_a_malformed_file_is_refused_and_nothing_is_written(session, activity, raw, message):
    before = dpia_count(session)
    with pytest.raises(pia_json.PiaFileError) as refused:
        pia_json.import_pia(session, raw, activity, actor="test")
    assert message in str(refused.value)
    assert dpia_count(session) == before


def test_the_commands_import_and_export_the_file(app, session, activity, tmp_path):
    session.flush()
    runner = app.test_cli_runner()
    result = runner.invoke(
        main,
        ["import", "dpia", str(CNIL_FILE), "--activity", activity.reference.lower()],
        obj=app,
    )
    assert result.exit_code == 0, result.output
    assert "created as a draft" in result.output and "1 comment(s)" in result.output
    dpia = session.scalar(sa.select(Dpia).where(Dpia.processing_id == activity.id))
    output = tmp_path / "pia.json"
    result = runner.invoke(
        main, ["export", "dpia", str(dpia.id), "--format", "pia-json", "-o", str(output)], obj=app
    )
    assert result.exit_code == 0, result.output
    assert answers_by_question(json.loads(output.read_text())) == answers_by_question(cnil_file())
    # A second import into the same activity is refused: the activity has its DPIA.
    again = runner.invoke(
        main, ["import", "dpia", str(CNIL_FILE), "--activity", activity.reference], obj=app
    )
    assert again.exit_code != 0 and "déjà une AIPD" in again.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"answers": []}')
    before = dpia_count(session)
    refused = runner.invoke(
        main, ["import", "dpia", str(bad), "--activity", activity.reference], obj=app
    )
    assert refused.exit_code != 0 and "logiciel PIA" in refused.output
    assert dpia_count(session) == before


def test_the_page_uploads_and_downloads_the_file(client, login_as, session, organisation, activity):
    session.commit()
    login_as(Role.DPO, organisation)
    page = client.get(f"/processing/activities/{activity.id}")
    assert "Importer un fichier du logiciel PIA" in page.text
    assert client.get(f"/aipd/import/{activity.id}").status_code == 200
    refused = client.post(
        f"/aipd/import/{activity.id}",
        data={"file": (io.BytesIO(b"{"), "x.json")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and "pas du JSON" in refused.text
    assert dpia_count(session) == 0
    created = client.post(
        f"/aipd/import/{activity.id}",
        data={"file": (CNIL_FILE.open("rb"), "pia.json")},
        content_type="multipart/form-data",
    )
    assert created.status_code == 302
    dpia = session.scalar(sa.select(Dpia).where(Dpia.processing_id == activity.id))
    download = client.post(f"/aipd/{dpia.id}/export/pia-json", data={})
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert answers_by_question(download.get_json()) == answers_by_question(cnil_file())


def test_a_referent_may_not_import_what_the_dpo_judges(
    client, login_as, session, organisation, activity
):
    session.commit()
    login_as(Role.REFERENT, organisation)
    page = client.get(f"/processing/activities/{activity.id}")
    assert "Commencer l" in page.text and "Importer un fichier du logiciel PIA" not in page.text
    assert client.get(f"/aipd/import/{activity.id}").status_code == 403
    response = client.post(
        f"/aipd/import/{activity.id}",
        data={"file": (CNIL_FILE.open("rb"), "pia.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert dpia_count(session) == 0
