"""The pages: the list of reports, a member's and the service's preview with its figures and
charts, the recommendations editor (DPO only, version-locked), the download, and the
sessions' list and forms; each role gets what the permission table gives it."""

from __future__ import annotations

import io
from datetime import date

from sqlmodel import select

from compliance.documents import ExportRecord, sha256_of
from compliance.permissions import Role
from registers.annual.models import AwarenessSession, DpoRecommendation
from tests.compliance.test_document_pdf import require_pdf_tools
from tests.registers.annual.conftest import YEAR, paris


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.data[:300]
    return response.get_data(as_text=True)


def test_the_dpo_sees_every_report_and_the_service(
    client, login_as, organisation, other_organisation, host
):
    login_as(Role.DPO, host, organisation, other_organisation)
    page = _page(client, f"/annual/?year={YEAR}")
    assert f"/annual/members/{organisation.slug}?year={YEAR}" in page
    assert f"/annual/service?year={YEAR}" in page


def test_the_reports_of_many_organisations_come_by_pages(client, login_as, make_organisation):
    members = [make_organisation(f"Commune {number:02d}") for number in range(55)]
    login_as(Role.DPO, *members)
    first = _page(client, f"/annual/?year={YEAR}")
    assert first.count('class="card card-link"') == 50
    assert "Commune 00" in first and "Commune 54" not in first
    assert f"/annual/?year={YEAR}&amp;page=2" in first or "page=2" in first
    second = _page(client, f"/annual/?year={YEAR}&page=2")
    assert second.count('class="card card-link"') == 5 and "Commune 54" in second


def test_the_service_figures_by_organisation_come_by_pages(
    client, login_as, make_organisation, host
):
    members = [make_organisation(f"Commune {number:02d}") for number in range(54)]
    login_as(Role.DPO, host, *members)
    first = _page(client, f"/annual/service?year={YEAR}")
    rows = first.split('id="members"')[1].split("</table>")[0]
    assert rows.count('<th scope="row">') == 50 and "Commune 53" not in rows
    assert "members=2#members" in first
    second = _page(client, f"/annual/service?year={YEAR}&members=2")
    rows = second.split('id="members"')[1].split("</table>")[0]
    assert rows.count('<th scope="row">') == 5  # the host and 54 members: 55 in all


def test_a_member_preview_shows_its_figures_charts_and_editor(
    client, login_as, session, organisation, other_organisation, make_breach, make_session
):
    make_breach(organisation, awareness_at=paris(YEAR, 3, 3))
    make_breach(other_organisation, awareness_at=paris(YEAR, 3, 3))
    make_session(organisation, topic="Répondre aux demandes des usagers")
    make_session(other_organisation, topic="Vidéoprotection")
    session.commit()
    login_as(Role.DPO, organisation, other_organisation)
    page = _page(client, f"/annual/members/{organisation.slug}?year={YEAR}")
    assert 'Violations documentées</th><td class="numeric">1<' in page
    assert "Répondre aux demandes des usagers" in page and "Vidéoprotection" not in page
    assert 'src="data:image/png;base64,' in page
    assert 'name="text"' in page and "Bilan Word" in page


def test_the_dpo_writes_the_recommendations_and_a_stale_page_gets_409(
    client, login_as, session, organisation
):
    login_as(Role.DPO, organisation)
    url = f"/annual/members/{organisation.slug}/recommendations?year={YEAR}"
    response = client.post(url, data={"text": "Former les référents.", "version": "0"})
    assert response.status_code == 302
    record = session.scalar(select(DpoRecommendation))
    assert (record.text, record.year, record.service_wide) == ("Former les référents.", YEAR, False)
    # A second page opened before the first save still believes there is none.
    response = client.post(url, data={"text": "Autre chose.", "version": "0"})
    assert response.status_code == 409
    response = client.post(url, data={"text": "Autre chose.", "version": str(record.version)})
    assert response.status_code == 302
    session.refresh(record)
    assert record.text == "Autre chose."
    response = client.post(url, data={"text": "", "version": str(record.version)})
    assert response.status_code == 400 and "obligatoire" in response.get_data(as_text=True)
    page = _page(client, f"/annual/members/{organisation.slug}?year={YEAR}")
    assert "Autre chose." in page


def test_the_service_recommendations_are_kept_in_the_host(
    client, login_as, session, organisation, host
):
    login_as(Role.DPO, host, organisation)
    response = client.post(
        f"/annual/service/recommendations?year={YEAR}",
        data={"text": "Une session par membre.", "version": "0"},
    )
    assert response.status_code == 302
    record = session.scalar(select(DpoRecommendation))
    assert (record.organisation_id, record.service_wide) == (host.id, True)
    page = _page(client, f"/annual/service?year={YEAR}")
    assert "Une session par membre." in page and organisation.name in page


def test_a_referent_reads_its_report_but_writes_no_recommendation(
    client, login_as, organisation, other_organisation, host
):
    login_as(Role.REFERENT, organisation)
    page = _page(client, f"/annual/members/{organisation.slug}")
    assert 'name="text"' not in page
    url = f"/annual/members/{organisation.slug}/recommendations"
    assert client.post(url, data={"text": "x", "version": "0"}).status_code == 403
    _page(client, f"/annual/members/{other_organisation.slug}", 404)
    _page(client, "/annual/service", 403)


def test_bad_years_are_refused_with_a_message(client, login_as, organisation):
    login_as(Role.DPO, organisation)
    for year in ("1800", "deux-mille"):
        page = _page(client, f"/annual/members/{organisation.slug}?year={year}", 400)
        assert "L&#39;année doit être un nombre entre 2000 et 2100." in page
    _page(client, f"/annual/members/{organisation.slug}?year={'9' * 30}", 400)
    _page(client, "/annual/sessions?year=abc", 400)


def test_the_download_is_recorded(client, login_as, session, organisation):
    login_as(Role.AUDITOR, organisation)
    response = client.post(f"/annual/members/{organisation.slug}/export?year={YEAR}")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    record = session.scalar(select(ExportRecord).order_by(ExportRecord.id.desc()))
    assert record.document == "annual-report" and record.organisation_id == organisation.id


def test_a_referent_records_edits_and_archives_its_sessions(
    client, login_as, session, organisation, other_organisation
):
    login_as(Role.REFERENT, organisation)
    form = _page(client, "/annual/sessions/new")
    assert other_organisation.name not in form
    data = {
        "organisation_id": str(organisation.id),
        "held_on": f"{YEAR}-05-20",
        "audience": "Agents du service état civil",
        "topic": "Répondre aux demandes des usagers",
        "attendees": "12",
        "duration_minutes": "90",
    }
    assert client.post("/annual/sessions/new", data=data).status_code == 302
    record = session.scalar(select(AwarenessSession))
    assert (record.held_on, record.attendees, record.duration_minutes) == (
        date(YEAR, 5, 20),
        12,
        90,
    )
    assert "Agents du service état civil" in _page(client, f"/annual/sessions?year={YEAR}")

    bad = {**data, "attendees": "beaucoup", "version": str(record.version)}
    response = client.post(f"/annual/sessions/{record.id}/edit", data=bad)
    assert response.status_code == 400
    stale = {**data, "attendees": "15", "version": str(record.version + 1)}
    assert client.post(f"/annual/sessions/{record.id}/edit", data=stale).status_code == 409
    fresh = {**data, "attendees": "15", "version": str(record.version)}
    assert client.post(f"/annual/sessions/{record.id}/edit", data=fresh).status_code == 302
    session.refresh(record)
    assert record.attendees == 15

    # Archiving without the version the page was shown at, or with an older one: refused.
    archive = f"/annual/sessions/{record.id}/archive"
    assert client.post(archive, data={}).status_code == 400
    assert client.post(archive, data={"version": str(record.version - 1)}).status_code == 409
    session.refresh(record)
    assert not record.is_archived
    response = client.post(archive, data={"version": str(record.version)})
    assert response.status_code == 302
    session.refresh(record)
    assert record.is_archived
    assert "Agents du service état civil" not in _page(client, f"/annual/sessions?year={YEAR}")
    assert "Agents du service état civil" in _page(
        client, f"/annual/sessions?year={YEAR}&include_archived=1"
    )


def test_a_session_of_another_organisation_is_not_found(
    client, login_as, session, organisation, other_organisation, make_session
):
    theirs = make_session(other_organisation)
    session.commit()
    login_as(Role.REFERENT, organisation)
    assert client.get(f"/annual/sessions/{theirs.id}/edit").status_code == 404
    data = {
        "organisation_id": str(other_organisation.id),
        "held_on": f"{YEAR}-05-20",
        "audience": "Agents",
        "topic": "RGPD",
        "attendees": "3",
    }
    assert client.post("/annual/sessions/new", data=data).status_code == 400


def test_the_ciso_and_the_auditor_only_read_sessions(
    client, login_as, session, organisation, make_session
):
    record = make_session(organisation)
    session.commit()
    for role in (Role.CISO, Role.AUDITOR):
        login_as(role, organisation)
        page = _page(client, f"/annual/sessions?year={YEAR}")
        assert "Le RGPD et les élus" in page and "/edit" not in page
        assert client.get("/annual/sessions/new").status_code == 403
        assert client.get(f"/annual/sessions/{record.id}/edit").status_code == 403
        client.post("/logout")


def test_the_service_pdf_is_recorded_and_verified(client, login_as, session, organisation, host):
    require_pdf_tools()
    login_as(Role.DPO, host, organisation)
    page = _page(client, f"/annual/service?year={YEAR}")
    assert 'name="format" value="pdf"' in page
    response = client.post(f"/annual/service/export?year={YEAR}", data={"format": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"bilan-dpo-service-{YEAR}.pdf" in response.headers["Content-Disposition"]
    record = session.scalar(select(ExportRecord).order_by(ExportRecord.id.desc()))
    assert record.pdf_sha256 == sha256_of(response.data) and record.organisation_id == host.id
    result = client.post("/verify", data={"document": (io.BytesIO(response.data), "bilan.pdf")})
    assert "Document authentique" in result.get_data(as_text=True)
