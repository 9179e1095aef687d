"""Input hygiene on the record of processing activities: refused characters and JSON types in
the API and the forms, and exports that never fail on text stored before the checks."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from docx import Document
from openpyxl import load_workbook

from compliance.permissions import Role
from registers.processing.models import ProcessingActivity, ProcessingPurpose
from registers.processing.schemas import VersionCreate, check
from tests.registers.processing.test_views import form_data

# What an activity written before the checks may hold: C0 controls, U+FFFE, a non-character.
LEGACY = "Paie\x01 des\x0b agents\ufffe \ufdd0fin\x1f"


@pytest.fixture
def api(client):
    def call(method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.raw.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    return call


def _count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(ProcessingActivity))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Paie\x01"}, "name"),
        ({"name": "Paie\ufffe"}, "name"),
        ({"name": ["Paie"]}, "name"),
        ({"name": {"fr": "Paie"}}, "name"),
        ({"name": "Paie", "description": ["a", "b"]}, "description"),
        ({"name": "Paie", "description": True}, "description"),
        ({"name": "Paie", "contact": "x\U0001ffff"}, "contact"),
        ({"name": "Paie", "purposes": [{"description": {"a": 1}}]}, "purposes[0].description"),
        ({"name": "Paie", "application_ids": [2**70]}, "application_ids"),
        (
            {"name": "Paie", "subjects": [{"category": "agents", "estimated_number": 10**20}]},
            "subjects[0].estimated_number",
        ),
    ],
)
def test_api_refuses_bad_text_and_types_with_422_naming_the_field(
    api,
    session,
    organisation,
    make_user,
    token_for,
    body,
    field,
):
    token = token_for(make_user(Role.DPO, organisation))
    response = api(
        "POST", "/processing-activities", token, json={"organisation_id": organisation.id, **body}
    )
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert _count(session) == 0


def test_api_organisation_id_out_of_range_is_an_unknown_reference(
    api, organisation, make_user, token_for
):
    # An id no column can hold names no organisation: answered as any unknown (or invisible)
    # reference, never an overflow.
    token = token_for(make_user(Role.DPO, organisation))
    body = {"organisation_id": 2**70, "name": "Paie"}
    response = api("POST", "/processing-activities", token, json=body)
    assert response.status_code == 422
    assert "organisation_id" in response.get_json()["errors"]


def test_api_folds_line_breaks_in_one_line_fields(
    api,
    session,
    organisation,
    make_user,
    token_for,
):
    token = token_for(make_user(Role.DPO, organisation))
    response = api(
        "POST",
        "/processing-activities",
        token,
        json={
            "organisation_id": organisation.id,
            "name": "Paie\r\ndes agents",
            "description": "ligne 1\r\nligne 2\tfin",
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["name"] == "Paie des agents"
    assert response.json["description"] == "ligne 1\nligne 2\tfin"


def test_form_refuses_control_characters_with_a_form_error(client, session, login_as, organisation):
    login_as(Role.REFERENT, organisation)
    data = form_data(name="Inscriptions\x07 scolaires", **{"purposes-0-description": "a\ufffeb"})
    response = client.post(f"/processing/registers/{organisation.slug}/new", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count("contient un caractère interdit") >= 2
    assert _count(session) == 0


@pytest.fixture
def legacy_activity(session, organisation, make_activity):
    """An activity whose text was written before the checks existed (bypassing them)."""
    activity = make_activity(organisation, name="Paie")
    session.flush()
    session.execute(
        sa.update(ProcessingActivity)
        .where(ProcessingActivity.id == activity.id)
        .values(name=LEGACY, description=LEGACY, responsible_service=LEGACY)
    )
    session.execute(
        sa.update(ProcessingPurpose)
        .where(ProcessingPurpose.processing_id == activity.id)
        .values(description=LEGACY)
    )
    session.commit()
    return activity


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_word_and_xlsx_exports_strip_what_xml_cannot_hold(
    client, session, login_as, organisation, legacy_activity
):
    login_as(Role.DPO, organisation)
    response = client.post(f"/processing/activities/{legacy_activity.id}/export")
    assert response.status_code == 200
    assert "Paie des agents fin" in _docx_text(response.data)
    response = client.post(f"/processing/registers/{organisation.slug}/export")
    assert response.status_code == 200
    assert "Paie des agents fin" in _docx_text(response.data)
    response = client.post(f"/processing/registers/{organisation.slug}/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert "Paie des agents fin" in [cell.value for cell in sheet[2]]


def test_a_legacy_activity_can_still_be_edited_through_the_api(
    api,
    session,
    organisation,
    make_user,
    token_for,
    legacy_activity,
):
    token = token_for(make_user(Role.DPO, organisation))
    response = api(
        "PATCH",
        f"/processing-activities/{legacy_activity.id}",
        token,
        json={"version": legacy_activity.version, "name": "Paie des agents"},
    )
    assert response.status_code == 200, response.json
    assert response.json["name"] == "Paie des agents"


def test_a_restyled_sheet_past_the_render_limits_falls_back_with_a_warning(
    app, client, session, login_as, organisation, make_activity, tmp_path, monkeypatch
):
    from docx import Document as NewDocument

    from compliance import documents
    from compliance.documents import ExportRecord

    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(tmp_path))
    activity = make_activity(organisation, name="Paie des agents")
    session.commit()
    restyled = NewDocument()
    restyled.add_paragraph("Maquette communale {{ activity.name }}")
    restyled.add_paragraph(
        "{% for i in range(6) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    )
    path = documents.override_path("processing-activity", organisation)
    path.parent.mkdir(parents=True)
    restyled.save(str(path))

    login_as(Role.DPO, organisation)
    response = client.post(f"/processing/activities/{activity.id}/export")
    assert response.status_code == 200
    text = _docx_text(response.data)
    assert "Paie des agents" in text and "Maquette communale" not in text
    record = session.scalar(sa.select(ExportRecord).order_by(ExportRecord.id.desc()).limit(1))
    assert "itérations" in record.parameters["template_fallback"]["reason"]
    page = client.get(f"/processing/activities/{activity.id}").get_data(as_text=True)
    assert "le document a été produit avec le modèle d&#39;origine" in page


def test_a_register_holding_legacy_text_can_still_be_published(
    session, organisation, legacy_activity
):
    from registers.processing import publish

    version = publish.publish_register(
        session, organisation, check(VersionCreate, {"note": "Audit"}), actor="test"
    )
    session.flush()
    names = [activity["name"] for activity in version.content["activities"]]
    assert names == ["Paie des agents fin"]
