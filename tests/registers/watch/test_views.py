"""Pages of the security watch: the CISO of the host enters, imports, confirms and treats; a
member's referent reads its own exposure only; bad input 400 and nothing written; a stale
version 409."""

from __future__ import annotations

import io
import json
from datetime import date

import sqlalchemy as sa

from compliance.permissions import Role
from registers.incidents.models import CorrectiveAction, Incident
from registers.watch import services
from registers.watch.models import Advisory, ApplicationIdentifier, Treatment
from registers.watch.schemas import MatchState, TreatmentState
from tests.registers.watch.conftest import FIXTURES
from tests.statements import statements_of


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def advisory_form(**changes) -> dict:
    data = {
        "source": "cert_fr",
        "reference": "CERTFR-2026-AVI-0900",
        "title": "Vulnérabilité dans i-Parapheur",
        "published_on": "2026-11-02",
        "severity": "critical",
        "cvss_score": "9.1",
        "cve_ids": "CVE-2026-1111, cve-2026-2222",
        "products_text": "Libriciel ; i-Parapheur ; 5.0 à 5.1.3\nS2low",
        "summary": "Contournement de l'authentification.",
        "workaround": "",
        "link": "https://www.cert.ssi.gouv.fr/avis/CERTFR-2026-AVI-0900/",
    }
    data.update(changes)
    return data


def test_ciso_enters_an_advisory_and_confirms_its_match(client, login_as, session, libriciel):
    login_as(Role.CISO, libriciel["host"], libriciel["ivry"], libriciel["vitry"])
    assert client.get("/watch/new").status_code == 200
    response = client.post("/watch/new", data=advisory_form())
    assert response.status_code == 302, response.data[:2000]
    advisory = session.scalar(sa.select(Advisory))
    assert advisory.cve_ids == ["CVE-2026-1111", "CVE-2026-2222"]
    assert advisory.cvss_score == 9.1
    assert {m.application_id for m in advisory.matches} == {
        libriciel["parapheur"].id,
        libriciel["s2low"].id,
    }
    page = client.get(f"/watch/{advisory.id}").get_data(as_text=True)
    assert "i parapheur" in page and "À examiner" in page
    match = next(m for m in advisory.matches if m.application_id == libriciel["parapheur"].id)
    confirmed = client.post(f"/watch/matches/{match.id}/confirm", data={"version": match.version})
    assert confirmed.status_code == 303
    session.expire_all()
    assert session.get(type(match), match.id).state == MatchState.CONFIRMED
    assert count(session, Treatment) == 2
    listing = client.get("/watch/").get_data(as_text=True)
    assert "CERTFR-2026-AVI-0900" in listing


def test_bad_advisory_refused_nothing_written(client, login_as, session, libriciel):
    login_as(Role.CISO, libriciel["host"])
    response = client.post(
        "/watch/new", data=advisory_form(reference="", cvss_score="12", products_text="a;b;c;d;e")
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "est obligatoire" in text
    assert count(session, Advisory) == 0


def test_upload_imports_one_document(client, login_as, session, libriciel):
    login_as(Role.CISO, libriciel["host"])
    data = (FIXTURES / "certfr-2026-avi-0871.json").read_bytes()
    response = client.post(
        "/watch/import",
        data={"document": (io.BytesIO(data), "certfr.json")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert count(session, Advisory) == 1
    refused = client.post(
        "/watch/import",
        data={"document": (io.BytesIO(b'{"document": {}}'), "bad.json")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 303
    assert count(session, Advisory) == 1
    page = client.get("/watch/").get_data(as_text=True)
    assert "bad.json" in page and "document : est obligatoire" not in page
    assert "document: est obligatoire" in page


def test_upload_of_a_later_revision_updates_and_says_so(client, login_as, session, libriciel):
    login_as(Role.CISO, libriciel["host"])
    document = json.loads((FIXTURES / "certfr-2026-avi-0871.json").read_bytes())
    client.post(
        "/watch/import",
        data={"document": (io.BytesIO(json.dumps(document).encode()), "v1.json")},
        content_type="multipart/form-data",
    )
    document["document"]["title"] = "Vulnérabilités dans i-Parapheur et S2low (mise à jour)"
    document["document"]["tracking"].update(version="2", current_release_date="2026-11-25T16:30Z")
    response = client.post(
        "/watch/import",
        data={"document": (io.BytesIO(json.dumps(document).encode()), "v2.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "CERTFR-2026-AVI-0871 mis à jour (révision 2)" in page
    assert "(mise à jour)" in page and "Révision du document" in page
    assert count(session, Advisory) == 1


def test_treatment_edit_and_conflict(client, login_as, session, libriciel, make_advisory):
    advisory = make_advisory()
    treatment = services.confirm_match(
        session, advisory.matches[0], actor="t", today=advisory.published_on
    )[0]
    session.commit()
    login_as(Role.CISO, libriciel["host"], libriciel["ivry"], libriciel["vitry"])
    url = f"/watch/treatments/{treatment.id}/edit"
    read = str(treatment.version)
    assert client.get(url).status_code == 200
    missing = client.post(url, data={"state": "patched", "version": str(treatment.version)})
    assert missing.status_code == 400
    ok = client.post(
        url,
        data={"state": "patched", "patched_on": "2026-11-05", "version": str(treatment.version)},
    )
    assert ok.status_code == 302
    session.expire_all()
    assert session.get(Treatment, treatment.id).state == TreatmentState.PATCHED
    stale = client.post(url, data={"state": "mitigated", "mitigation": "x", "version": read})
    assert stale.status_code == 409


def test_treatment_opens_a_corrective_action_and_an_incident(
    client, login_as, session, libriciel, make_advisory
):
    advisory = make_advisory()
    treatment = services.confirm_match(
        session, advisory.matches[0], actor="t", today=advisory.published_on
    )[0]
    session.commit()
    login_as(Role.CISO, libriciel["host"], libriciel["ivry"], libriciel["vitry"])
    assert client.post(f"/watch/treatments/{treatment.id}/corrective-action").status_code == 303
    assert client.post(f"/watch/treatments/{treatment.id}/incident").status_code == 303
    session.expire_all()
    treatment = session.get(Treatment, treatment.id)
    action = session.get(CorrectiveAction, treatment.corrective_action_id)
    assert action.source_reference == advisory.reference
    assert action.organisation_id == treatment.organisation_id
    assert action.due_on == treatment.due_on
    incident = session.get(Incident, treatment.incident_id)
    assert [a.id for a in incident.applications] == [treatment.application_id]
    # A second corrective action is refused, nothing more written.
    client.post(f"/watch/treatments/{treatment.id}/corrective-action")
    assert count(session, CorrectiveAction) == 1


def test_referent_reads_own_exposure_only(client, login_as, session, libriciel, make_advisory):
    ours = make_advisory(
        products=[{"vendor": "Libriciel", "product": p} for p in ("i-Parapheur", "S2low")]
    )
    for match in ours.matches:
        services.confirm_match(session, match, actor="t")
    theirs = make_advisory(products=[{"vendor": "Libriciel", "product": "S2low"}])
    session.commit()
    login_as(Role.REFERENT, libriciel["vitry"])
    listing = client.get("/watch/").get_data(as_text=True)
    assert ours.reference in listing and theirs.reference not in listing
    detail = client.get(f"/watch/{ours.id}").get_data(as_text=True)
    assert "Vitry-sur-Seine" in detail and "Ivry-sur-Seine" not in detail
    assert client.get(f"/watch/{theirs.id}").status_code == 404
    page = client.get("/watch/organisations/vitry-sur-seine")
    assert page.status_code == 200 and ours.reference in page.get_data(as_text=True)
    assert client.get("/watch/organisations/ivry-sur-seine").status_code == 404
    treatment = session.scalar(
        sa.select(Treatment).where(Treatment.organisation_id == libriciel["vitry"].id)
    )
    assert client.get(f"/watch/treatments/{treatment.id}/edit").status_code == 403
    assert client.get("/watch/new").status_code == 403


def test_list_filters_and_counts(client, login_as, session, libriciel, make_advisory):
    critical = make_advisory(severity="critical", published_on=date(2026, 11, 20))
    services.confirm_match(session, critical.matches[0], actor="t", today=critical.published_on)
    make_advisory(severity="low", published_on=date(2026, 10, 1))
    session.commit()
    login_as(Role.AUDITOR, libriciel["host"])
    page = client.get("/watch/?severity=critical").get_data(as_text=True)
    assert critical.reference in page and "1 résultat" in page
    page = client.get("/watch/?published_from=2026-11-01&match_state=confirmed")
    assert critical.reference in page.get_data(as_text=True)
    assert client.get("/watch/?severity=enorme").status_code == 400


def test_identifiers_from_the_application_page(client, login_as, session, libriciel, make_advisory):
    advisory = make_advisory(products=[{"vendor": "Microsoft", "product": "SharePoint Server"}])
    assert advisory.matches == []
    session.commit()
    login_as(Role.CISO, libriciel["host"])
    application = libriciel["s2low"]
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "Identifiants pour la veille" in page
    response = client.post(
        f"/watch/applications/{application.id}/identifiers",
        data={"vendor": "Microsoft", "product": "SharePoint Server"},
    )
    assert response.status_code == 303
    assert count(session, ApplicationIdentifier) == 1
    session.expire_all()
    advisory = session.get(Advisory, advisory.id)
    assert [m.application_id for m in advisory.matches] == [application.id]
    identifier = session.scalar(sa.select(ApplicationIdentifier))
    assert client.post(f"/watch/identifiers/{identifier.id}/delete").status_code == 303
    assert count(session, ApplicationIdentifier) == 0


def test_dashboard_card(client, login_as, session, libriciel, make_advisory):
    advisory = make_advisory(published_on=date(2025, 1, 2))
    services.confirm_match(session, advisory.matches[0], actor="t", today=advisory.published_on)
    make_advisory(products=[{"product": "S2low"}])
    session.commit()
    login_as(Role.CISO, libriciel["host"], libriciel["ivry"], libriciel["vitry"])
    page = client.get("/").get_data(as_text=True)
    assert "Veille de sécurité" in page and "Traitements en retard" in page
    assert advisory.reference in page


def test_organisation_page_card(client, login_as, session, libriciel, make_advisory):
    advisory = make_advisory(published_on=date(2025, 1, 2))
    services.confirm_match(session, advisory.matches[0], actor="t", today=advisory.published_on)
    session.commit()
    login_as(Role.REFERENT, libriciel["vitry"])
    page = client.get("/organisations/vitry-sur-seine").get_data(as_text=True)
    assert "Exposition aux avis de sécurité" in page
    assert '<span class="badge badge-error">1</span>' in page


def test_pages_cost_the_same_whatever_the_data(
    app, client, login_as, session, libriciel, make_advisory, make_organisation, make_deployment
):
    """The list, an advisory, a member's exposure and the dashboard send as many statements
    for 2 advisories as for 8, with more members using the software."""
    login_as(Role.CISO, libriciel["host"], libriciel["ivry"], libriciel["vitry"])
    created = []

    def statements(total):
        while len(created) < total:
            member = make_organisation()
            make_deployment(member, libriciel["parapheur"])
            advisory = make_advisory(published_on=date(2025, 1, len(created) + 1))
            services.confirm_match(
                session, advisory.matches[0], actor="t", today=advisory.published_on
            )
            created.append(advisory)
        session.commit()
        first = created[0].id
        return [
            statements_of(app, client, url)
            for url in ("/watch/", f"/watch/{first}", "/watch/organisations/ivry-sur-seine", "/")
        ]

    assert statements(2) == statements(8)


def test_match_decisions_check_the_version(client, login_as, session, libriciel, make_advisory):
    login_as(Role.CISO, libriciel["host"], libriciel["ivry"], libriciel["vitry"])
    advisory = make_advisory()
    match = advisory.matches[0]
    page = client.get(f"/watch/{advisory.id}").get_data(as_text=True)
    assert f'name="version" value="{match.version}"' in page
    stale = match.version
    services.confirm_match(session, match, actor="t")
    session.commit()
    for decision in ("confirm", "dismiss"):
        response = client.post(f"/watch/matches/{match.id}/{decision}", data={"version": stale})
        assert response.status_code == 303
        assert "modifié entre-temps" in client.get(f"/watch/{advisory.id}").get_data(as_text=True)
        response = client.post(f"/watch/matches/{match.id}/{decision}")
        assert "modifié entre-temps" in client.get(f"/watch/{advisory.id}").get_data(as_text=True)
    session.expire_all()
    assert session.get(type(match), match.id).state == MatchState.CONFIRMED
    assert count(session, Treatment) == 2


def test_referent_does_not_see_other_members_proposals(
    client, login_as, session, libriciel, make_advisory
):
    advisory = make_advisory(
        products=[{"vendor": "Libriciel", "product": "i-Parapheur"}, {"product": "S2low"}]
    )
    parapheur = next(m for m in advisory.matches if m.application_id == libriciel["parapheur"].id)
    services.confirm_match(session, parapheur, actor="t", today=advisory.published_on)
    session.commit()
    login_as(Role.CISO, libriciel["host"], libriciel["ivry"], libriciel["vitry"])
    assert "1 rapprochement à examiner" in client.get("/watch/").get_data(as_text=True)
    proposed = client.get("/watch/?match_state=proposed").get_data(as_text=True)
    assert advisory.reference in proposed
    client.post("/logout")
    login_as(Role.REFERENT, libriciel["vitry"])
    listing = client.get("/watch/").get_data(as_text=True)
    assert advisory.reference in listing and "à examiner" not in listing
    proposed = client.get("/watch/?match_state=proposed").get_data(as_text=True)
    assert advisory.reference not in proposed
    dashboard = client.get("/").get_data(as_text=True)
    assert "match_state=proposed" not in dashboard
