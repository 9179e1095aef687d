"""Published versions: a frozen snapshot of an organisation's register."""

from __future__ import annotations

import pytest

from compliance.permissions import Role
from registers.processing import publish, services
from registers.processing.models import RegisterVersion
from registers.processing.schemas import ActivityUpdate, VersionCreate, check


def test_published_version_stays_frozen_after_edits(session, organisation, make_activity):
    activity = make_activity(organisation, contact="M. Secret, poste 1234")
    first = publish.publish_register(
        session, organisation, check(VersionCreate, {"note": "Revue annuelle"}), actor="dpo"
    )
    assert first.number == 1 and first.activity_count == 1
    services.update_processing(
        session, activity, check(ActivityUpdate, {"name": "Nom modifié"}), actor="test"
    )
    make_activity(organisation, name="Deuxième")
    session.flush()
    session.expire_all()

    stored = session.get(RegisterVersion, first.id)
    assert stored.content["activities"][0]["name"] == "Gestion de la liste électorale"
    assert stored.content["number"] == 1
    assert stored.activity_count == 1 and publish.is_intact(stored)
    # The contact names a person: it stays in its encrypted column, not in the snapshot.
    assert "contact" not in stored.content["activities"][0]
    assert "Secret" not in str(stored.content)

    second = publish.publish_register(session, organisation, actor="dpo")
    assert second.number == 2 and second.activity_count == 2
    assert {a["name"] for a in second.content["activities"]} == {"Nom modifié", "Deuxième"}
    assert publish.find_version(session, organisation.id, 1).id == first.id


def test_snapshot_holds_what_the_register_computes(session, organisation, make_activity):
    make_activity(organisation, nir_used=True, dpia_criteria=["large_scale", "sensitive_data"])
    content = publish.publish_register(session, organisation, actor="dpo").content
    (activity,) = content["activities"]
    assert content["organisation"]["name"] == organisation.name
    assert activity["completeness"]["score"] == 100
    assert {w["code"] for w in activity["warnings"]} == {"nir_without_legal_text", "dpia_not_done"}
    assert activity["dpia_screening"]["required"] is True
    assert "critères du CEPD" in activity["dpia_screening"]["reasons"][0]


def test_only_the_dpo_publishes(session, organisation, make_user):
    referent = make_user(Role.REFERENT, organisation)
    with pytest.raises(services.PermissionDenied):
        publish.publish_register(session, organisation, actor=referent)
    dpo = make_user(Role.DPO, organisation)
    assert publish.publish_register(session, organisation, actor=dpo).published_by_id == dpo.id


def test_altered_content_is_detected(session, organisation, make_activity):
    make_activity(organisation)
    version = publish.publish_register(session, organisation, actor="dpo")
    version.content = {**version.content, "activities": []}
    assert not publish.is_intact(version)
