"""Pages: the roadmap with its timeline, progress, an action, the self-assessment; the CISO
edits (400 on bad input, 409 on a stale version), others read, auditors export; another
organisation's records answer 404; the panels on the application and corrective-action pages."""

from __future__ import annotations

import io

import pytest
from docx import Document

from compliance.schemas import validate
from registers.roadmap import services
from registers.roadmap.catalogue import find_measures
from registers.roadmap.models import ActionStatus
from registers.roadmap.schemas import HygieneAssessmentCreate
from tests.registers.roadmap.conftest import days


@pytest.fixture
def ciso(login_as, host, organisation):
    return login_as("ciso", host, organisation)


@pytest.fixture
def siem(session, make_roadmap_action, make_application):
    action = make_roadmap_action(
        title="Outil de centralisation des évènements (SIEM)",
        measures=["36", "36.R"],
        application_ids=[make_application("Sedit.GF").id],
        investment_estimated=85_000,
    )
    late = make_roadmap_action(
        title="Réseau de sauvegarde 10 Gbit/s", start_on=days(-200), target_on=days(-20)
    )
    session.commit()
    return action, late


def test_roadmap_page_shows_timeline_groups_and_late_actions(client, ciso, roadmap, siem):
    response = client.get(f"/roadmap/{roadmap.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="gantt"' in page
    assert "Aujourd&#39;hui" in page or "Aujourd'hui" in page
    assert "IX. Superviser, auditer, réagir" in page
    assert "Réseau de sauvegarde 10 Gbit/s" in page and "En retard" in page
    assert 'style="' not in page.split('class="gantt"')[1].split("</svg>")[0]
    assert "Source : ANSSI, Guide d&#39;hygiène informatique" in page


@pytest.mark.parametrize(
    "query", ["group=quarter", "late=1", "theme=IX", "status=planned", "priority=P2", "q=SIEM"]
)
def test_roadmap_filters(client, ciso, roadmap, siem, query):
    assert client.get(f"/roadmap/{roadmap.id}?{query}").status_code == 200


def test_late_filter_keeps_only_late_actions(client, ciso, roadmap, siem):
    page = client.get(f"/roadmap/{roadmap.id}?late=1").get_data(as_text=True)
    assert "Réseau de sauvegarde 10 Gbit/s" in page
    assert "Outil de centralisation" not in page


def test_bad_filter_is_400(client, ciso, roadmap, siem):
    assert client.get(f"/roadmap/{roadmap.id}?theme=XI").status_code == 400
    assert client.get(f"/roadmap/{roadmap.id}?group=month").status_code == 400


def test_progress_page_has_charts_with_text_equivalents(client, ciso, roadmap, siem):
    response = client.get(f"/roadmap/{roadmap.id}/progress")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('role="img"') == 3
    assert page.count("Données du graphique") == 3
    assert "85\u202f000\u00a0€" in page
    assert "Ce qui est en retard, et pourquoi" in page


def test_ciso_updates_progress(client, ciso, session, siem):
    action, _late = siem
    url = f"/roadmap/actions/{action.id}"
    assert client.get(url).status_code == 200
    response = client.post(
        f"{url}/progress",
        data={"status": "in_progress", "progress": "65", "version": action.version},
    )
    assert response.status_code == 302
    session.refresh(action)
    assert action.progress == 65 and action.status == ActionStatus.IN_PROGRESS


def test_bad_progress_is_400_and_changes_nothing(client, ciso, session, siem):
    action, _late = siem
    response = client.post(
        f"/roadmap/actions/{action.id}/progress",
        data={"status": "in_progress", "progress": "140", "version": action.version},
    )
    assert response.status_code == 400
    session.refresh(action)
    assert action.progress == 0


def test_stale_edit_is_409_with_what_changed(client, ciso, session, siem):
    action, _late = siem
    seen = action.version
    data = {"status": "in_progress", "progress": "20", "version": seen}
    assert client.post(f"/roadmap/actions/{action.id}/progress", data=data).status_code == 302
    stale = {"status": "in_progress", "progress": "80", "version": seen}
    response = client.post(f"/roadmap/actions/{action.id}/progress", data=stale)
    assert response.status_code == 409
    assert "la fiche a changé entre-temps" in response.get_data(as_text=True)
    session.refresh(action)
    assert action.progress == 20


def test_ciso_creates_and_edits_an_action(client, ciso, session, roadmap):
    url = f"/roadmap/{roadmap.id}/actions/new"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data={
            "title": "Authentification multifacteur des administrateurs",
            "theme": "III",
            "priority": "P1",
            "start_on": days(0).isoformat(),
            "target_on": days(180).isoformat(),
            "status": "planned",
            "progress": "0",
            "measures": ["13", "13.R"],
        },
    )
    assert response.status_code == 302
    session.refresh(roadmap)
    action = roadmap.actions[-1]
    assert [m.ref for m in action.measures] == ["13", "13.R"]
    edit = client.get(f"/roadmap/actions/{action.id}/edit")
    assert edit.status_code == 200
    bad = client.post(
        f"/roadmap/actions/{action.id}/edit",
        data={
            "title": "",
            "theme": "III",
            "priority": "P1",
            "status": "planned",
            "start_on": days(0).isoformat(),
            "target_on": days(-10).isoformat(),
            "version": action.version,
        },
    )
    assert bad.status_code == 400


def test_ciso_assesses_a_measure(client, ciso, session, host):
    url = f"/roadmap/hygiene/{host.slug}/37"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"state": "partial", "comment": "Copie hors ligne à faire"})
    assert response.status_code == 302
    page = client.get(f"/roadmap/hygiene/{host.slug}").get_data(as_text=True)
    assert "Copie hors ligne à faire" in page
    assert "Source : ANSSI, Guide d&#39;hygiène informatique" in page


def test_coverage_counts_only_applied_measures_everywhere(
    client, ciso, session, host, roadmap, siem
):
    """Planned measures (a gap a roadmap action addresses) are not covered: the hygiene page,
    the progress page and the Word report show the same applied share, planned apart."""
    states = {"36": "partial", "36.R": "not_done", "1": "done", "2": "done", "3": "done"}
    states["4"] = "not_applicable"
    measures = find_measures(session, list(states))
    assert len(measures) == len(states)
    for measure in measures:
        values = validate(HygieneAssessmentCreate, {"state": states[measure.ref]})
        services.assess_measure(session, host, measure, values, actor="test")
    session.commit()
    # 3 applied and 2 planned of the 60 measures that apply (the old "covered": 6 of 61, 10 %).
    hygiene = client.get(f"/roadmap/hygiene/{host.slug}").get_data(as_text=True)
    assert "<strong>5 %</strong> appliquées" in hygiene
    assert "<strong>3 %</strong> prévues, pas encore appliquées" in hygiene
    assert "10 %" not in hygiene
    progress = client.get(f"/roadmap/{roadmap.id}/progress").get_data(as_text=True)
    assert "<strong>5 %</strong> des mesures d" in progress
    sentence = (
        "5 % des 60 mesures applicables du guide (niveaux standard et renforcé) sont "
        "appliquées ; 3 % sont prévues par une action de la feuille de route sans être encore "
        "appliquées"
    )
    assert sentence in progress
    report = client.post(f"/roadmap/{roadmap.id}/export")
    document = Document(io.BytesIO(report.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert sentence in text
    assert "Mesures d'hygiène appliquées : 5 % des 60 mesures applicables" in text
    assert "3 % prévues, pas encore appliquées" in text


def test_roadmap_form_refuses_a_grant_beyond_the_programme_s_ceiling(
    client, ciso, app, roadmap, session, monkeypatch
):
    monkeypatch.setitem(
        app.config, "ROADMAP_SUBSIDY_CEILINGS", {"Parcours de cybersécurité": 90_000}
    )
    form = client.get(f"/roadmap/{roadmap.id}/edit").get_data(as_text=True)
    assert "Parcours de cybersécurité" in form
    data = {
        "title": roadmap.title,
        "start_on": roadmap.start_on.isoformat(),
        "end_on": roadmap.end_on.isoformat(),
        "state": roadmap.state.value,
        "programme_name": roadmap.programme_name,
        "subsidy_total": "250000",
        "subsidy_received": "40000",
        "cofunding_rate": "50",
        "version": roadmap.version,
    }
    response = client.post(f"/roadmap/{roadmap.id}/edit", data=data)
    assert response.status_code in (400, 422)
    assert "ne peut pas dépasser le plafond du programme" in response.get_data(as_text=True)
    session.expire_all()
    assert roadmap.subsidy_total == 90_000


def test_referent_reads_but_does_not_edit(client, login_as, make_roadmap, organisation, session):
    theirs = make_roadmap(organisation, title="Plan de la ville")
    session.commit()
    login_as("referent", organisation)
    page = client.get(f"/roadmap/{theirs.id}")
    assert page.status_code == 200
    assert "Nouvelle action" not in page.get_data(as_text=True)
    assert client.get(f"/roadmap/{theirs.id}/actions/new").status_code == 403
    assert client.get(f"/roadmap/{theirs.id}/edit").status_code == 403
    assert client.get(f"/roadmap/hygiene/{organisation.slug}/37").status_code == 403
    assert client.post(f"/roadmap/{theirs.id}/export").status_code == 403


def test_other_organisation_is_404(client, login_as, roadmap, siem, other_organisation, host):
    login_as("ciso", other_organisation)
    action, _late = siem
    assert client.get(f"/roadmap/{roadmap.id}").status_code == 404
    assert client.get(f"/roadmap/actions/{action.id}").status_code == 404
    assert client.get(f"/roadmap/hygiene/{host.slug}").status_code == 404
    assert "Outil de centralisation" not in client.get("/roadmap/").get_data(as_text=True)


def test_auditor_reads_and_exports_but_never_writes(client, login_as, host, roadmap, siem):
    login_as("auditor", host)
    action, _late = siem
    assert client.get(f"/roadmap/{roadmap.id}/progress").status_code == 200
    response = client.post(f"/roadmap/{roadmap.id}/export")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    data = {"status": "done", "progress": "100", "version": action.version}
    assert client.post(f"/roadmap/actions/{action.id}/progress", data=data).status_code == 403


def test_application_page_shows_linked_actions(client, ciso, siem):
    action, _late = siem
    application = action.applications[0]
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Feuille de route ANSSI" in page and action.title in page


def test_escalation_page_creates_the_action(client, ciso, session, roadmap, make_corrective_action):
    corrective = make_corrective_action(title="Centraliser les journaux")
    session.commit()
    url = f"/roadmap/escalate/{corrective.id}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data={
            "roadmap_id": roadmap.id,
            "theme": "IX",
            "priority": "P1",
            "target_on": days(120).isoformat(),
        },
    )
    assert response.status_code == 302
    session.refresh(roadmap)
    assert roadmap.actions[-1].corrective_actions == [corrective]


def test_dashboard_card(client, ciso, siem):
    page = client.get("/").get_data(as_text=True)
    assert "Feuille de route ANSSI" in page


def test_corrective_action_page_offers_escalation_then_shows_the_linked_action(
    client, ciso, session, roadmap, make_corrective_action
):
    corrective = make_corrective_action(title="Centraliser les journaux")
    session.commit()
    page = client.get(f"/incidents/actions/{corrective.id}").get_data(as_text=True)
    assert f"/roadmap/escalate/{corrective.id}" in page
    client.post(
        f"/roadmap/escalate/{corrective.id}",
        data={"roadmap_id": roadmap.id, "theme": "IX", "priority": "P1",
              "target_on": days(120).isoformat()},
    )  # fmt: skip
    session.refresh(roadmap)
    page = client.get(f"/incidents/actions/{corrective.id}").get_data(as_text=True)
    assert roadmap.actions[-1].title in page
    assert f"/roadmap/escalate/{corrective.id}" not in page


def test_roadmap_list_pages_and_costs_the_same_for_2_and_20_roadmaps(
    app, client, login_as, host, make_organisation, make_roadmap, make_roadmap_action, session
):
    from registers.roadmap.views.roadmaps import INDEX_PAGE_SIZE
    from tests.statements import statements_of

    organisations = [make_organisation(f"Commune {index:02d}") for index in range(30)]
    login_as("dpo", host, *organisations)

    def add_roadmaps(how_many: int):
        for organisation in organisations[:how_many]:
            roadmap = make_roadmap(organisation, title=f"Plan de {organisation.name}")
            make_roadmap_action(roadmap)
        session.commit()

    add_roadmaps(2)
    few = statements_of(app, client, "/roadmap/")
    add_roadmaps(28)
    many = statements_of(app, client, "/roadmap/")
    assert few == many
    first = client.get("/roadmap/").get_data(as_text=True)
    assert first.count('class="card card-link"') == INDEX_PAGE_SIZE
    assert "Page 1 sur 2" in first
    second = client.get("/roadmap/?page=2").get_data(as_text=True)
    # 30 roadmaps of the communes and the syndicate's (the actions' fixture).
    assert second.count('class="card card-link"') == 31 - INDEX_PAGE_SIZE
    assert "1 action" in second


def test_application_page_pages_the_linked_actions(
    client, ciso, session, make_roadmap_action, make_application
):
    from registers.roadmap.panels import APPLICATION_PAGE_SIZE

    application = make_application("Sedit.GF")
    for index in range(APPLICATION_PAGE_SIZE + 3):
        make_roadmap_action(title=f"Action {index:02d}", application_ids=[application.id])
    session.commit()

    def listed(query: str = "") -> int:
        page = client.get(f"/applications/{application.id}{query}").get_data(as_text=True)
        return page.split('id="roadmap-panel"')[1].split("</section>")[0].count("/roadmap/actions/")

    assert listed() == APPLICATION_PAGE_SIZE
    assert listed("?roadmap_page=2") == 3
