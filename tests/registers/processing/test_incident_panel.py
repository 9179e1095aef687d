"""The processing activities concerned by an incident, shown on the incident's page."""

from __future__ import annotations

from flask_login import login_user

from registers.processing.panels import incident_panel


class _Incident:
    def __init__(self, applications):
        self.applications = applications


def test_lists_the_visible_activities_relying_on_an_affected_application(
    app, make_user, organisation, other_organisation, make_application, make_activity
):
    hit, spared = make_application(name="Logiciel touché"), make_application(name="Autre")
    concerned = make_activity(organisation, name="Paie", application_ids=[hit.id])
    make_activity(organisation, name="Courrier", application_ids=[spared.id])
    make_activity(other_organisation, name="État civil", application_ids=[hit.id])
    dpo = make_user("dpo", organisation)
    with app.test_request_context():
        login_user(dpo)
        panel = incident_panel(_Incident([hit]))
    assert [row["activity"].name for row in panel["rows"]] == [concerned.name]
    assert [a.name for a in panel["rows"][0]["applications"]] == ["Logiciel touché"]
    assert panel["rows"][0]["people"] == 30000


def test_nothing_without_affected_applications(app, make_user, organisation):
    with app.test_request_context():
        login_user(make_user("dpo", organisation))
        assert incident_panel(_Incident([])) is None
