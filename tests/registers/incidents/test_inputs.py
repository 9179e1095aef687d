"""Input hygiene on the incident log: the Word report and log never fail on text stored before
the input checks (control characters, non-characters), encrypted fields included."""

from __future__ import annotations

import io

import sqlalchemy as sa
from docx import Document

from compliance.permissions import Role
from registers.incidents.models import EntryKind, Incident, TimelineEntry

LEGACY = "Rançongiciel\x01 sur\x0b le\ufffe serveur\x1f"


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_word_exports_strip_what_xml_cannot_hold(client, session, login_as, host, make_incident):
    incident = make_incident(host)
    session.flush()
    # Written before the checks existed (bypassing them); the description is encrypted.
    session.execute(
        sa.update(Incident)
        .where(Incident.id == incident.id)
        .values(title=LEGACY, description=LEGACY)
    )
    session.commit()
    login_as(Role.CISO, host)
    response = client.post(f"/incidents/{incident.id}/export")
    assert response.status_code == 200
    assert "Rançongiciel sur le serveur" in _text(response.data)
    response = client.post("/incidents/export")
    assert response.status_code == 200
    assert "Rançongiciel sur le serveur" in _text(response.data)


def test_the_timeline_form_refuses_control_characters(
    client, session, login_as, host, make_incident
):
    incident = make_incident(host)
    session.commit()
    count = sa.select(sa.func.count()).where(TimelineEntry.incident_id == incident.id)
    before = session.scalar(count)
    login_as(Role.CISO, host)
    response = client.post(
        f"/incidents/{incident.id}/timeline",
        data={"kind": EntryKind.ACTION.value, "text": "Isolement\x07 du poste"},
    )
    assert response.status_code == 400
    assert "contient un caractère interdit" in response.get_data(as_text=True)
    assert session.scalar(count) == before
