"""The record of processing activities (Art. 30 GDPR): one ProcessingActivity per organisation
and activity (the CNIL's "fiche de registre"), its child rows, and the published versions of a
register."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import JSON, Field, Relationship, SQLModel

from compliance.crypto import EncryptedText
from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.applications.models import Application, Vendor
from registers.processing.reference import (
    ProcessingStatus,
)
from registers.processing.schemas import (
    ActivityBase,
    DataCategoryBase,
    PurposeBase,
    RecipientBase,
    SecurityMeasureBase,
    SpecialCategoryBase,
    SubjectBase,
    TransferBase,
    VersionBase,
)


def _children(order_by: str) -> dict:
    return {
        "back_populates": "processing",
        "sa_relationship_kwargs": {"cascade": "all, delete-orphan", "order_by": order_by},
    }


def _parent_fk() -> int:
    return Field(
        foreign_key="processing_activity.id", nullable=False, index=True, ondelete="CASCADE"
    )


class ProcessingApplication(SQLModel, table=True):
    """A supporting application of a processing activity (link to the application map)."""

    __tablename__ = "processing_application"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = Field(
        foreign_key="processing_activity.id", primary_key=True, ondelete="CASCADE"
    )
    application_id: int = Field(
        foreign_key="application.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class ProcessingActivity(RecordMixin, ActivityBase, table=True):
    __tablename__ = "processing_activity"
    __scope__ = Scope(Register.PROCESSING)
    # Free text that names people: encrypted at rest, redacted in the audit trail.
    __sensitive__ = ("contact",)

    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    # Encrypted: declared here, checked by ActivityCreate.
    contact: str | None = Field(default=None, sa_type=EncryptedText)

    # DPIA screening: codes of reference.EdpbCriterion, CnilDpiaType and Art35Case.
    dpia_criteria: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    dpia_cnil_types: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    dpia_art35_cases: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    # The screening's result, kept by the services so that lists can filter on it in SQL.
    dpia_required: bool = Field(default=False, nullable=False, index=True)
    # What a register's summary sums (compute.stored_summary), kept by the services on every
    # write of the activity, its child rows or its organisation's kind: the completeness score
    # (percent), the number of missing items and of warnings other than compute.LIVE_WARNINGS.
    completeness_score: int = Field(default=0, nullable=False)
    missing_count: int = Field(default=0, nullable=False)
    warning_count: int = Field(default=0, nullable=False)

    status: ProcessingStatus = Field(
        default=ProcessingStatus.DRAFT,
        sa_type=str_enum(ProcessingStatus),
        nullable=False,
        index=True,
    )
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    validated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    validated_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    dpo_remarks: str | None = None
    # A validation despite missing items: the DPO's written reason and what was missing then
    # ({"code", "label"} each); None when the activity was validated complete.
    validation_override_reason: str | None = None
    validation_override_gaps: list[dict] | None = Field(default=None, sa_type=JSON)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # A template activity kept by the DPO (in the host organisation), or a copy of one; the
    # columns keep their first names (is_model, model_id, model_baseline).
    is_model: bool = Field(default=False, nullable=False)
    model_id: int | None = Field(
        default=None, foreign_key="processing_activity.id", index=True, ondelete="SET NULL"
    )
    # The template's values when this copy was made or last synchronised: a field whose value
    # differs from its baseline was changed locally (diverged) and a push leaves it alone.
    model_baseline: dict | None = Field(default=None, sa_type=JSON)

    organisation: Organisation = Relationship()
    model: Optional["ProcessingActivity"] = Relationship(
        sa_relationship_kwargs={"remote_side": "ProcessingActivity.id"}
    )
    applications: list[Application] = Relationship(
        link_model=ProcessingApplication,
        sa_relationship_kwargs={"order_by": "Application.name"},
    )
    purposes: list["ProcessingPurpose"] = Relationship(**_children("ProcessingPurpose.position"))
    data_categories: list["ProcessingDataCategory"] = Relationship(
        **_children("ProcessingDataCategory.position")
    )
    special_categories: list["ProcessingSpecialCategory"] = Relationship(
        **_children("ProcessingSpecialCategory.id")
    )
    subjects: list["ProcessingSubject"] = Relationship(**_children("ProcessingSubject.id"))
    recipients: list["ProcessingRecipient"] = Relationship(**_children("ProcessingRecipient.id"))
    transfers: list["ProcessingTransfer"] = Relationship(**_children("ProcessingTransfer.id"))
    security_measures: list["ProcessingSecurityMeasure"] = Relationship(
        **_children("ProcessingSecurityMeasure.id")
    )

    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "reference"),
        sa.CheckConstraint("model_id IS NULL OR model_id <> id", name="not_own_model"),
        # The API list's default order (reference, then id): its keyset pages seek on it.
        sa.Index("ix_processing_activity_reference_id", "reference", "id"),
        # Every column of the dashboard's counts (panels.summary_counts): an index-only scan.
        sa.Index(
            "ix_processing_activity_summary",
            "organisation_id",
            "is_model",
            "status",
            "dpia_required",
            "dpia_status",
            "next_review_on",
        ),
        # The overdue reviews of the dashboard (panels.summary_counts): per organisation, the
        # dates before today, read from the index alone.
        sa.Index(
            "ix_processing_activity_review",
            "organisation_id",
            "next_review_on",
            "is_model",
            "status",
        ),
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    @property
    def is_validated(self) -> bool:
        return self.status == ProcessingStatus.VALIDATED

    @property
    def is_archived(self) -> bool:
        return self.status == ProcessingStatus.ARCHIVED

    @property
    def main_purpose(self) -> Optional["ProcessingPurpose"]:
        return next((p for p in self.purposes if p.is_main), None)


class ProcessingPurpose(IdMixin, PurposeBase, table=True):
    """A purpose (the main one or a sub-purpose) with its Art. 6(1) legal basis."""

    __tablename__ = "processing_purpose"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    position: int = Field(default=0, nullable=False)
    processing: ProcessingActivity = Relationship(back_populates="purposes")


class ProcessingDataCategory(IdMixin, DataCategoryBase, table=True):
    """A category of personal data of the CNIL's list, with its retention."""

    __tablename__ = "processing_data_category"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    position: int = Field(default=0, nullable=False)
    processing: ProcessingActivity = Relationship(back_populates="data_categories")

    @property
    def has_retention(self) -> bool:
        return bool(self.active_period or self.intermediate_period or self.retention_criterion)


class ProcessingSpecialCategory(IdMixin, SpecialCategoryBase, table=True):
    """Special-category data (Art. 9(1)) and the Art. 9(2) condition that allows it."""

    __tablename__ = "processing_special_category"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    processing: ProcessingActivity = Relationship(back_populates="special_categories")


class ProcessingSubject(IdMixin, SubjectBase, table=True):
    """A category of data subjects and their estimated number."""

    __tablename__ = "processing_subject"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    processing: ProcessingActivity = Relationship(back_populates="subjects")

    __table_args__ = (
        sa.CheckConstraint(
            "estimated_number IS NULL OR estimated_number >= 0", name="estimated_number_positive"
        ),
    )


class ProcessingRecipient(IdMixin, RecipientBase, table=True):
    """A recipient of the data, by type; a processor may be a vendor of the application map."""

    __tablename__ = "processing_recipient"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    vendor_id: int | None = Field(
        default=None, foreign_key="vendor.id", index=True, ondelete="SET NULL"
    )

    processing: ProcessingActivity = Relationship(back_populates="recipients")
    vendor: Optional["Vendor"] = Relationship()


class ProcessingTransfer(IdMixin, TransferBase, table=True):
    """A transfer of data outside the European Union."""

    __tablename__ = "processing_transfer"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    processing: ProcessingActivity = Relationship(back_populates="transfers")


class ProcessingSecurityMeasure(IdMixin, SecurityMeasureBase, table=True):
    """A security measure in one of the CNIL's seven families."""

    __tablename__ = "processing_security_measure"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    processing: ProcessingActivity = Relationship(back_populates="security_measures")


class RegisterVersion(IdMixin, VersionBase, table=True):
    """A published version of an organisation's register: a frozen JSON snapshot."""

    __tablename__ = "processing_register_version"
    __scope__ = Scope(Register.PROCESSING)

    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    number: int = Field(nullable=False)
    published_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    published_by_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    published_by_label: str | None = Field(default=None, max_length=254)
    activity_count: int = Field(default=0, nullable=False)
    # SHA-256 of the canonical JSON of `content`: a later change to the row would show.
    digest: str = Field(max_length=64, nullable=False)
    content: dict = Field(sa_type=JSON, nullable=False)

    organisation: Organisation = Relationship()

    __table_args__ = (sa.UniqueConstraint("organisation_id", "number"),)


class ProcessingTally(SQLModel, table=True):
    """The non-model activities of an organisation counted by status, with their pending DPIAs:
    what the dashboard sums (a few rows an organisation rather than every activity). Derived
    data, recomputed from the activities by `registers.processing.tally` whenever a flush
    writes an activity; not audited (the activities are)."""

    __tablename__ = "processing_tally"
    __audit__ = False

    organisation_id: int = Field(
        foreign_key="organisation.id", primary_key=True, ondelete="CASCADE"
    )
    status: ProcessingStatus = Field(sa_type=str_enum(ProcessingStatus), primary_key=True)
    activities: int = Field(default=0, nullable=False)
    dpia_pending: int = Field(default=0, nullable=False)
