"""The DPIA pages: started from the activity's panel, one page per part, the risk map, the
validation gate shown, permissions and another organisation's DPIA not found."""

from __future__ import annotations

from compliance.permissions import Role
from tests.registers.dpia.conftest import complete


def test_the_activity_page_offers_to_start_the_dpia(
    client, login_as, session, organisation, make_activity
):
    activity = make_activity(organisation, dpia_criteria=["sensitive_data", "large_scale"])
    login_as(Role.DPO, organisation)
    session.commit()
    page = client.get(f"/processing/activities/{activity.id}")
    assert "Commencer l&#39;AIPD" in page.text or "Commencer l'AIPD" in page.text
    started = client.post(f"/aipd/start/{activity.id}", data={})
    assert started.status_code == 302
    detail = client.get(started.headers["Location"])
    assert detail.status_code == 200 and "AIPD-001" in detail.text
    assert "Cartographie des risques" in detail.text


def test_every_part_renders_and_the_risks_page_saves(
    client, login_as, session, organisation, make_dpia
):
    dpia = make_dpia(organisation)
    session.commit()
    login_as(Role.DPO, organisation)
    for part in ("context", "principles", "measures", "risks", "validation"):
        assert client.get(f"/aipd/{dpia.id}/{part}").status_code == 200, part
    image = client.get(f"/aipd/{dpia.id}/risk-map.png")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    data = {
        "version": dpia.version,
        "illegitimate_access_severity": "maximum",
        "illegitimate_access_likelihood": "significant",
    }
    saved = client.post(f"/aipd/{dpia.id}/risks", data=data)
    assert saved.status_code == 302
    assert "Consultation préalable de la CNIL" in client.get(f"/aipd/{dpia.id}").text
    bad = client.post(f"/aipd/{dpia.id}/risks", data={**data, "illegitimate_access_severity": "x"})
    assert bad.status_code == 400


def test_validation_from_the_page_clears_the_activity_warning(
    client, login_as, session, organisation, make_dpia
):
    dpia = complete(session, make_dpia(organisation))
    session.commit()
    login_as(Role.DPO, organisation)
    response = client.post(f"/aipd/{dpia.id}/step/validate", data={"version": dpia.version})
    assert response.status_code == 302
    session.refresh(dpia)
    assert dpia.status.value == "validated"
    page = client.get(f"/processing/activities/{dpia.processing_id}")
    assert "Une AIPD est requise mais n&#39;a pas été réalisée" not in page.text


def test_a_referent_may_not_judge_the_principles(
    client, login_as, session, organisation, make_dpia
):
    dpia = make_dpia(organisation)
    session.commit()
    login_as(Role.REFERENT, organisation)
    save = '<button type="submit" class="button">Enregistrer</button>'
    assert save not in client.get(f"/aipd/{dpia.id}/principles").text
    assert save in client.get(f"/aipd/{dpia.id}/context").text
    assert (
        client.post(f"/aipd/{dpia.id}/principles", data={"version": dpia.version}).status_code
        == 403
    )
    saved = client.post(
        f"/aipd/{dpia.id}/context", data={"version": dpia.version, "title": "AIPD du centre"}
    )
    assert saved.status_code == 302


def test_another_organisation_s_dpia_is_not_found(
    client, login_as, session, organisation, other_organisation, make_dpia
):
    dpia = make_dpia(other_organisation)
    session.commit()
    login_as(Role.DPO, organisation)
    assert client.get(f"/aipd/{dpia.id}").status_code == 404


def test_the_validation_page_records_the_consultation_and_refuses_bad_dates(
    client, login_as, session, organisation, make_dpia
):
    dpia = complete(session, make_dpia(organisation), residual=("maximum", "maximum"))
    session.commit()
    login_as(Role.DPO, organisation)
    page = client.get(f"/aipd/{dpia.id}/validation")
    assert "la CNIL doit être consultée avant la mise en œuvre" in page.text
    refused = client.post(
        f"/aipd/{dpia.id}/step/validate", data={"version": dpia.version}, follow_redirects=False
    )
    assert refused.status_code == 400
    assert "consultation préalable de la CNIL (art. 36) est requise" in refused.text
    bad = client.post(
        f"/aipd/{dpia.id}/validation",
        data={
            "version": dpia.version,
            "consultation_requested_on": "2026-03-02",
            "cnil_answer_on": "2026-03-01",
        },
    )
    assert bad.status_code == 400
    assert "la réponse de la CNIL ne peut précéder la demande" in bad.text
    session.refresh(dpia)
    assert dpia.cnil_answer_on is None
    saved = client.post(
        f"/aipd/{dpia.id}/validation",
        data={
            "version": dpia.version,
            "consultation_requested_on": "2026-03-02",
            "cnil_answer_on": "2026-04-20",
        },
    )
    assert saved.status_code == 302
    session.refresh(dpia)
    validated = client.post(f"/aipd/{dpia.id}/step/validate", data={"version": dpia.version})
    assert validated.status_code == 302
    session.refresh(dpia)
    assert dpia.status.value == "validated"


def test_a_validated_dpias_parts_are_read_only(client, login_as, session, organisation, make_dpia):
    """Once validated, a part's page shows its answers in a disabled form without a save button
    (a revision must be asked for first); a draft's form is open."""
    dpia = complete(session, make_dpia(organisation))
    session.commit()
    login_as(Role.DPO, organisation)
    draft = client.get(f"/aipd/{dpia.id}/risks").text
    assert '<fieldset class="dpia-part">' in draft
    client.post(f"/aipd/{dpia.id}/step/validate", data={"version": dpia.version})
    for part in ("context", "principles", "risks", "validation"):
        page = client.get(f"/aipd/{dpia.id}/{part}").text
        assert '<fieldset class="dpia-part" disabled>' in page, part
