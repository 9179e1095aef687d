"""The pages' forms answer a foreign reference as they answer an unknown one: a form POST can
carry any id, whatever choices the page offered. Each form is first posted as the page fills
it, with the writer's own record (it is accepted: the control), then with the id of another
organisation's record and with an unknown id: the same status and the same message on the
field, and nothing written."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from compliance.db import utcnow
from compliance.permissions import Role
from registers.incidents.common import today
from tests.compliance.test_references import UNKNOWN, _state
from tests.compliance.world import build_world


class _FormReader(HTMLParser):
    """The fields of every <form> of a page, with the values the page filled in."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "fields": {}})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            fields.setdefault(name, [])
            sent = kind not in ("checkbox", "radio") or "checked" in attrs
            if sent and kind != "submit":
                fields[name].append(attrs.get("value", ""))
        elif tag == "select" and name:
            self._select, self._first = name, None
            self._multiple = "multiple" in attrs
            fields.setdefault(name, [])
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = attrs.get("value", "")
            if "selected" in attrs:
                fields[self._select].append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            values = self.forms[-1]["fields"][self._select]
            # A browser sends the first option of a single select that marks none.
            if not values and not self._multiple and self._first is not None:
                values.append(self._first)
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["fields"][self._textarea][0] += data


def _form(page: str, field: str) -> dict:
    reader = _FormReader()
    reader.feed(page)
    form = next(f for f in reader.forms if field in f["fields"])
    return {name: values for name, values in form["fields"].items() if name != "csrf_token"}


def _field_errors(page: str, field: str) -> list[str]:
    """The messages shown under one field (WCAG: linked by id `<field>-error`)."""
    match = re.search(rf'id="{re.escape(field)}-error"[^>]*>(.*?)</ul>', page, re.S)
    if match is None:
        return []
    return [
        re.sub(r"<[^>]+>", "", item).strip()
        for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)
    ]


def _datetime(delta_hours=-1) -> str:
    return (utcnow() + timedelta(hours=delta_hours)).strftime("%Y-%m-%dT%H:%M")


# (name, role, page to read the form from, field, own id, foreign id, values to fill)
FORMS = [
    ("incident organisation", Role.CISO, lambda w: "/incidents/new", "organisation_id",
     lambda w: w.a.organisation.id, lambda w: w.b.organisation.id,
     {"title": "Panne", "category": "malware", "severity": "2", "detection_source": "internal",
      "detected_at": _datetime(), "description": "Poste infecté."}),
    ("incident applications", Role.CISO, lambda w: "/incidents/new", "application_ids",
     lambda w: w.a.application.id, lambda w: w.b.application.id,
     {"title": "Panne", "category": "malware", "severity": "2", "detection_source": "internal",
      "detected_at": _datetime(), "description": "Poste infecté."}),
    ("incident affected organisations", Role.CISO,
     lambda w: f"/incidents/{w.a.incident.id}/edit", "organisation_ids",
     lambda w: w.a.organisation.id, lambda w: w.b.organisation.id, {}),
    ("corrective action organisation", Role.CISO, lambda w: "/incidents/actions/new",
     "organisation_id", lambda w: w.a.organisation.id, lambda w: w.b.organisation.id,
     {"title": "Revue", "source": "internal_audit", "nonconformity": "Comptes actifs.",
      "grade": "minor", "action": "Revue annuelle.", "owner": "RSSI",
      "due_on": (today() + timedelta(days=30)).isoformat()}),
    ("corrective action incident", Role.CISO, lambda w: "/incidents/actions/new", "incident_id",
     lambda w: w.a.incident.id, lambda w: w.b.incident.id,
     {"title": "Revue", "source": "incident", "nonconformity": "Comptes actifs.",
      "grade": "minor", "action": "Revue annuelle.", "owner": "RSSI",
      "organisation_id": "", "due_on": (today() + timedelta(days=30)).isoformat()}),
    ("breach processing", Role.DPO,
     lambda w: f"/breaches/new?organisation_id={w.a.organisation.id}", "processing_ids",
     lambda w: w.a.activity.id, lambda w: w.b.activity.id,
     {"title": "Courriel mal adressé", "awareness_at": _datetime(), "confidentiality": "y"}),
    ("roadmap organisation", Role.CISO, lambda w: "/roadmap/new", "organisation_id",
     lambda w: w.a.organisation.id, lambda w: w.b.organisation.id,
     {"title": "Plan 2027", "start_on": today().isoformat(),
      "end_on": (today() + timedelta(days=365)).isoformat()}),
    ("roadmap action incidents", Role.CISO,
     lambda w: f"/roadmap/{w.a.roadmap.id}/actions/new", "incident_ids",
     lambda w: w.a.incident.id, lambda w: w.b.incident.id,
     {"title": "Sauvegardes", "theme": "I", "start_on": today().isoformat(),
      "target_on": (today() + timedelta(days=60)).isoformat()}),
    ("roadmap action corrective actions", Role.CISO,
     lambda w: f"/roadmap/{w.a.roadmap.id}/actions/new", "corrective_action_ids",
     lambda w: w.a.corrective_action.id, lambda w: w.b.corrective_action.id,
     {"title": "Sauvegardes", "theme": "I", "start_on": today().isoformat(),
      "target_on": (today() + timedelta(days=60)).isoformat()}),
    ("roadmap action applications", Role.CISO,
     lambda w: f"/roadmap/{w.a.roadmap.id}/actions/new", "application_ids",
     lambda w: w.a.application.id, lambda w: w.b.application.id,
     {"title": "Sauvegardes", "theme": "I", "start_on": today().isoformat(),
      "target_on": (today() + timedelta(days=60)).isoformat()}),
    ("escalation roadmap", Role.CISO,
     lambda w: f"/roadmap/escalate/{w.a.corrective_action.id}", "roadmap_id",
     lambda w: w.a.roadmap.id, lambda w: w.b.roadmap.id,
     {"target_on": (today() + timedelta(days=60)).isoformat()}),
    ("processing applications", Role.DPO,
     lambda w: f"/processing/registers/{w.a.organisation.slug}/new", "application_ids",
     lambda w: w.a.application.id, lambda w: w.b.application.id, {"name": "Cantine"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "role", "page", "field", "own", "foreign", "values"), FORMS, ids=[f[0] for f in FORMS]
)
def test_a_form_answers_a_foreign_reference_as_an_unknown_one(
    name, role, page, field, own, foreign, values, session, login_as, client, app
):
    world = build_world(session)
    login_as(role, world.a.organisation)
    url = page(world)
    response = client.get(url)
    assert response.status_code == 200, url
    base = {**_form(response.get_data(as_text=True), field), **values}
    connection = app.extensions["db"].bind

    def post(ref):
        savepoint = connection.begin_nested()
        try:
            before = _state(session)
            response = client.post(url, data={**base, field: [str(ref)]})
            return response, _state(session) != before
        finally:
            savepoint.rollback()

    accepted, written = post(own(world))
    assert accepted.status_code == 302, re.findall(
        r'class="field-errors" id="([^"]+)"[^>]*>(.*?)</ul>', accepted.get_data(as_text=True), re.S
    )
    answers = []
    for ref in (foreign(world), UNKNOWN):
        response, written = post(ref)
        assert response.status_code == 400, (ref, response.status_code)
        assert not written, f"{name}: something was written"
        errors = _field_errors(response.get_data(as_text=True), field)
        answers.append([re.sub(rf"\b{ref}\b", "N", html.unescape(m)) for m in errors])
    assert answers[0] and answers[0] == answers[1]
