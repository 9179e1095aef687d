"""Each refusal ground holds only for the rights it answers (Art. 12(5), 15(4), 17(3), 20(4),
21(1)), and an objection to direct marketing is never refused (Art. 21(3))."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from compliance.audit import AuditEntry
from compliance.services import FieldErrors
from registers.rights import services
from registers.rights.schemas import RightsStatus

REASONING = "Les motifs sont exposés dans le courrier adressé à la personne."


def _refusal(ground, **more):
    return {
        "answered_on": date(2026, 4, 10),
        "refusal_ground": ground,
        "refusal_details": "Article 17.3.b : obligation légale",
        "refusal_reasoning": REASONING,
        "remedies_mentioned": True,
        **more,
    }


@pytest.mark.parametrize(
    ("right", "ground"),
    [
        ("access", "erasure_exception"),
        ("rectification", "compelling_grounds"),
        ("erasure", "rights_of_others"),
        ("objection", "rights_of_others"),
        ("access", "compelling_grounds"),
    ],
)
def test_a_ground_is_refused_for_a_right_it_does_not_answer(
    session, make_request, organisation, right, ground
):
    request = make_request(organisation, right=right)
    with pytest.raises(FieldErrors) as error:
        services.refuse_request(
            session, request, _refusal(ground, not_direct_marketing=True), actor="t"
        )
    assert "ne valent que pour" in error.value.errors["refusal_ground"] or (
        "ne vaut que pour" in error.value.errors["refusal_ground"]
    )
    assert request.status == RightsStatus.RECEIVED


@pytest.mark.parametrize(
    ("right", "ground"),
    [
        ("erasure", "erasure_exception"),
        ("access", "rights_of_others"),
        ("portability", "rights_of_others"),
        ("rectification", "manifestly_unfounded"),
        ("objection", "excessive"),
        ("erasure", "other"),
    ],
)
def test_a_ground_holds_for_its_rights(session, make_request, organisation, right, ground):
    request = make_request(organisation, right=right)
    services.refuse_request(session, request, _refusal(ground), actor="t")
    assert request.status == RightsStatus.REFUSED


def test_a_partial_answer_checks_its_ground_too(session, make_request, organisation):
    request = make_request(organisation, right="rectification")
    values = _refusal("erasure_exception") | {
        "answer_summary": "Adresse postale rectifiée dans le fichier des usagers.",
        "answer_means": "courriel",
        "partial": True,
    }
    with pytest.raises(FieldErrors) as error:
        services.answer_request(session, request, values, actor="t")
    assert "17.3" in error.value.errors["refusal_ground"]


def test_compelling_grounds_need_the_objection_not_to_concern_direct_marketing(
    session, make_request, organisation
):
    request = make_request(organisation, right="objection")
    with pytest.raises(FieldErrors) as error:
        services.refuse_request(session, request, _refusal("compelling_grounds"), actor="t")
    assert "21.3" in error.value.errors["not_direct_marketing"]
    assert request.status == RightsStatus.RECEIVED
    services.refuse_request(
        session, request, _refusal("compelling_grounds", not_direct_marketing="on"), actor="t"
    )
    session.flush()
    assert request.status == RightsStatus.REFUSED
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "refuse").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.changes["not_direct_marketing"]["after"] is True


def test_the_means_and_the_details_are_masked_in_the_audit(session, make_request, organisation):
    request = make_request(organisation, right="erasure")
    values = _refusal("erasure_exception", answer_means="Courriel à Mme Claire Martin")
    services.refuse_request(session, request, values, actor="t")
    session.flush()
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "refuse").order_by(AuditEntry.id.desc())
    ).first()
    assert "Martin" not in str(entry.changes) and "17.3.b" not in str(entry.changes)
    assert entry.changes["refusal_details"]["after"] not in (None, values["refusal_details"])
