"""The breach services: validation, the notification decision and its rules, closing,
archiving, optimistic locking, encryption at rest and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from compliance.audit import AuditEntry, verify
from compliance.db import ConflictError, utcnow
from compliance.schemas import validate
from registers.breaches import services
from registers.breaches.models import BreachStatus, PersonalDataBreach
from registers.breaches.schemas import (
    BreachCreate,
    BreachUpdate,
    NotificationCreate,
    NotNotifiable,
    RiskLevel,
)
from registers.incidents.common import FieldErrors

IN_A_WEEK = (utcnow() + timedelta(days=7)).date()
LATE_REASONS = "Le périmètre des données touchées n'était pas encore connu."
NO_RISK_REASONING = "Le fichier perdu était chiffré et la clé n'a pas été exposée."
NOT_NOTIFIED_REASON = "Aucun risque pour les personnes : données inintelligibles."
HIGH_RISK_REASONING = "Coordonnées bancaires exposées : risque de fraude pour les familles."


def test_required_fields_and_bad_values_change_nothing(session, organisation):
    with pytest.raises(FieldErrors) as caught:
        services.create_breach(
            session,
            validate(
                BreachCreate,
                {"organisation_id": organisation.id, "people_count": -3, "colour": "red"},
            ),
            actor="test",
        )
    assert set(caught.value.errors) >= {"title", "awareness_at", "people_count", "colour"}
    assert session.scalar(sa.select(sa.func.count()).select_from(PersonalDataBreach)) == 0


def test_times_are_checked(session, organisation, make_breach):
    now = utcnow()
    with pytest.raises(FieldErrors) as caught:
        make_breach(
            organisation,
            awareness_at=now + timedelta(hours=1),
            started_at=now - timedelta(hours=2),
            ended_at=now - timedelta(hours=3),
        )
    assert set(caught.value.errors) == {"awareness_at", "ended_at"}


def test_activities_must_be_the_controllers_own(
    session, organisation, other_organisation, make_breach, make_activity
):
    theirs = make_activity(other_organisation, reference="RH-01")
    with pytest.raises(FieldErrors) as caught:
        make_breach(organisation, processing_ids=[theirs.id])
    assert "processing_ids" in caught.value.errors


def test_the_controller_never_changes(session, organisation, other_organisation, make_breach):
    breach = make_breach(organisation)
    with pytest.raises(FieldErrors) as caught:
        services.update_breach(
            session,
            breach,
            validate(BreachUpdate, {"organisation_id": other_organisation.id}),
            actor="test",
        )
    assert "organisation_id" in caught.value.errors


def test_an_ongoing_breach_has_no_end(session, organisation, make_breach):
    breach = make_breach(organisation, started_at=utcnow() - timedelta(hours=3))
    services.update_breach(
        session, breach, validate(BreachUpdate, {"is_ongoing": True}), actor="test"
    )
    assert breach.ended_at is None


def test_a_late_notification_needs_its_reasons(session, organisation, make_breach):
    breach = make_breach(organisation, awareness_at=utcnow() - timedelta(hours=80))
    sent = utcnow() - timedelta(hours=1)
    with pytest.raises(FieldErrors) as caught:
        services.record_notification(
            session,
            breach,
            validate(NotificationCreate, {"kind": "complete", "sent_at": sent}),
            actor="test",
        )
    assert "delay_reasons" in caught.value.errors
    assert breach.status == BreachStatus.BEING_ASSESSED
    services.record_notification(
        session,
        breach,
        validate(
            NotificationCreate,
            {"kind": "complete", "sent_at": sent, "delay_reasons": LATE_REASONS},
        ),
        actor="test",
    )
    assert breach.status == BreachStatus.NOTIFIED
    assert breach.decided_at == sent
    assert breach.notified_late() is True


def test_initial_then_complementary_notifications(session, organisation, make_breach):
    breach = make_breach(organisation, awareness_at=utcnow() - timedelta(hours=10))
    with pytest.raises(FieldErrors):
        services.record_notification(
            session,
            breach,
            validate(NotificationCreate, {"kind": "complementary", "sent_at": utcnow()}),
            actor="test",
        )
    services.record_notification(
        session,
        breach,
        validate(
            NotificationCreate,
            {
                "kind": "initial",
                "sent_at": utcnow() - timedelta(hours=2),
                "reference": "N-1",
                "follow_up_by": IN_A_WEEK,
            },
        ),
        actor="test",
    )
    with pytest.raises(FieldErrors):
        services.record_notification(
            session,
            breach,
            validate(
                NotificationCreate,
                {"kind": "initial", "sent_at": utcnow(), "follow_up_by": IN_A_WEEK},
            ),
            actor="test",
        )
    assert breach.follow_up_due == IN_A_WEEK
    services.record_notification(
        session,
        breach,
        validate(
            NotificationCreate,
            {"kind": "complementary", "sent_at": utcnow(), "notes": "Périmètre définitif"},
        ),
        actor="test",
    )
    assert [n.kind.value for n in breach.notifications] == ["initial", "complementary"]
    assert breach.notified_late() is False
    assert breach.follow_up_due is None


def test_not_notifiable_only_without_risk_and_with_its_reasons(session, organisation, make_breach):
    breach = make_breach(organisation)
    with pytest.raises(FieldErrors) as caught:
        services.decide_not_notifiable(session, breach, validate(NotNotifiable, {}), actor="test")
    assert set(caught.value.errors) == {"risk_reasoning", "not_notified_reason"}
    with pytest.raises(FieldErrors) as caught:
        services.decide_not_notifiable(
            session,
            breach,
            validate(
                NotNotifiable,
                {
                    "risk_level": "high",
                    "risk_reasoning": NO_RISK_REASONING,
                    "not_notified_reason": NOT_NOTIFIED_REASON,
                },
            ),
            actor="test",
        )
    assert "risk_level" in caught.value.errors
    services.decide_not_notifiable(
        session,
        breach,
        validate(
            NotNotifiable,
            {"risk_reasoning": NO_RISK_REASONING, "not_notified_reason": NOT_NOTIFIED_REASON},
        ),
        actor="test",
    )
    assert breach.status == BreachStatus.NOT_NOTIFIABLE
    assert breach.risk_level == RiskLevel.NONE
    assert breach.communication_ground.value == "not_high_risk"


def test_closing_needs_a_decision_and_for_a_high_risk_the_people_told(
    session, organisation, make_breach
):
    breach = make_breach(organisation, risk_level="high", risk_reasoning=HIGH_RISK_REASONING)
    with pytest.raises(FieldErrors):
        services.close_breach(session, breach, actor="test")
    services.record_notification(
        session,
        breach,
        validate(
            NotificationCreate, {"kind": "complete", "sent_at": utcnow() - timedelta(minutes=5)}
        ),
        actor="test",
    )
    with pytest.raises(FieldErrors) as caught:
        services.close_breach(session, breach, actor="test")
    assert "communicated_at" in caught.value.errors
    services.update_breach(
        session,
        breach,
        validate(BreachUpdate, {"communicated_at": utcnow(), "communication_means": "Courrier"}),
        actor="test",
    )
    services.close_breach(session, breach, actor="test")
    assert breach.status == BreachStatus.CLOSED
    with pytest.raises(FieldErrors):
        services.update_breach(
            session, breach, validate(BreachUpdate, {"title": "Changée"}), actor="test"
        )
    services.reopen_breach(session, breach, actor="test")
    assert breach.status == BreachStatus.NOTIFIED


def test_stale_version_is_refused(session, organisation, make_breach):
    breach = make_breach(organisation)
    session.flush()
    stale = breach.version
    services.update_breach(
        session, breach, validate(BreachUpdate, {"title": "Premier"}), actor="test", version=stale
    )
    session.flush()
    with pytest.raises(ConflictError):
        services.update_breach(
            session,
            breach,
            validate(BreachUpdate, {"title": "Second"}),
            actor="test",
            version=stale,
        )


def test_archive_and_restore(session, organisation, make_breach):
    breach = make_breach(organisation)
    services.archive_breach(session, breach, actor="test")
    assert breach.is_archived
    with pytest.raises(FieldErrors):
        services.update_breach(
            session, breach, validate(BreachUpdate, {"title": "x"}), actor="test"
        )
    services.restore_breach(session, breach, actor="test")
    assert not breach.is_archived


def test_free_text_is_encrypted_at_rest_and_redacted_in_the_audit(
    session, organisation, make_breach
):
    breach = make_breach(
        organisation,
        consequences="M. Martin, 12 rue des Lilas",
        contact="Mme Bernard, 01 45 21 00 00",
    )
    session.flush()
    stored = session.execute(
        sa.text(
            "SELECT consequences, description, contact FROM personal_data_breach WHERE id = :id"
        ),
        {"id": breach.id},
    ).one()
    assert "Martin" not in stored.consequences
    assert "familles" not in stored.description
    assert "Bernard" not in stored.contact and stored.contact.startswith("gAAAAA")
    session.expire(breach)
    assert breach.contact == "Mme Bernard, 01 45 21 00 00"
    entries = list(
        session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.object_type == "PersonalDataBreach",
                AuditEntry.object_id == str(breach.id),
            )
        )
    )
    assert entries and entries[0].action == "create"
    assert entries[0].changes["consequences"]["after"] == "[chiffré]"
    assert entries[0].changes["contact"]["after"] == "[chiffré]"
    assert "Martin" not in str(entries[0].changes) and "Bernard" not in str(entries[0].changes)
    assert verify(session).ok


def test_a_notification_cannot_precede_awareness(session, organisation, make_breach):
    breach = make_breach(organisation, awareness_at=utcnow() - timedelta(hours=2))
    with pytest.raises(FieldErrors) as caught:
        services.record_notification(
            session,
            breach,
            validate(
                NotificationCreate, {"kind": "initial", "sent_at": utcnow() - timedelta(hours=3)}
            ),
            actor="test",
        )
    assert "sent_at" in caught.value.errors
    assert breach.status == BreachStatus.BEING_ASSESSED


def test_the_columns_declared_by_the_schemas_keep_their_encryption(
    session, organisation, make_breach
):
    """The encrypted columns are declared once, in BreachBase and NotificationBase: the tables
    that inherit them still encrypt them at rest."""
    breach = make_breach(organisation, risk_reasoning="Mme Petit, dossier social à réexaminer")
    values = {
        "kind": "complete",
        "sent_at": utcnow(),
        "notes": "Liste transmise : M. Durand",
        "delay_reasons": "M. Leroy absent pendant trois jours",
    }
    notification = services.record_notification(
        session, breach, validate(NotificationCreate, values), actor="test"
    )
    session.flush()
    notes = session.scalar(
        sa.text("SELECT notes FROM breach_notification WHERE id = :id"), {"id": notification.id}
    )
    stored = session.execute(
        sa.text("SELECT risk_reasoning, delay_reasons FROM personal_data_breach WHERE id = :id"),
        {"id": breach.id},
    ).one()
    assert notes.startswith("gAAAAA") and "Durand" not in notes
    assert "Petit" not in stored.risk_reasoning and "Leroy" not in stored.delay_reasons
    session.expire_all()
    assert notification.notes == "Liste transmise : M. Durand"
