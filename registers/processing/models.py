"""The record of processing activities (Art. 30 GDPR): one ProcessingActivity per organisation
and activity (the CNIL's "fiche de registre"), its child rows, and the published versions of a
register."""

# No `from __future__ import annotations`: SQLModel resolves relationship annotations at
# class creation and needs them as real objects or quoted names.

from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlmodel import JSON, Field, Relationship, SQLModel

from compliance.crypto import EncryptedText
from compliance.db import IdMixin, RecordMixin, UTCDateTime, str_enum
from compliance.permissions import Register
from compliance.tenancy import Organisation, Scope
from registers.applications.models import Application, Vendor
from registers.processing.reference import (
    Art9Condition,
    DataCategory,
    DpiaStatus,
    FinalFate,
    LegalBasis,
    ProcessingRole,
    ProcessingStatus,
    RecipientType,
    SecurityFamily,
    SpecialCategory,
    SubjectCategory,
    TransferSafeguard,
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


class ProcessingActivity(RecordMixin, table=True):
    __tablename__ = "processing_activity"
    __scope__ = Scope(Register.PROCESSING)
    # Free text that names people: encrypted at rest, redacted in the audit trail.
    __sensitive__ = ("contact",)

    organisation_id: int = Field(
        foreign_key="organisation.id", nullable=False, index=True, ondelete="CASCADE"
    )
    reference: str = Field(max_length=50, nullable=False)
    name: str = Field(max_length=300, nullable=False)
    description: str | None = None
    responsible_service: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, sa_type=EncryptedText)

    role: ProcessingRole = Field(
        default=ProcessingRole.CONTROLLER, sa_type=str_enum(ProcessingRole), nullable=False
    )
    # Joint controllers (or, for a processor, the controllers it acts for) and the arrangement.
    other_controllers: str | None = None
    joint_arrangement: str | None = None

    criminal_data: bool = Field(default=False, nullable=False)
    criminal_data_basis: str | None = None
    nir_used: bool = Field(default=False, nullable=False)
    nir_legal_text: str | None = None

    # DPIA screening: codes of reference.EdpbCriterion, CnilDpiaType and Art35Case.
    dpia_criteria: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    dpia_cnil_types: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    dpia_art35_cases: list[str] = Field(default_factory=list, sa_type=JSON, nullable=False)
    dpia_screening_notes: str | None = None
    # The screening's result, kept by the services so that lists can filter on it in SQL.
    dpia_required: bool = Field(default=False, nullable=False, index=True)
    dpia_status: DpiaStatus = Field(
        default=DpiaStatus.NOT_STARTED, sa_type=str_enum(DpiaStatus), nullable=False
    )
    dpia_done_on: date | None = None
    dpia_conclusion: str | None = None
    dpia_dpo_opinion: str | None = None
    dpia_next_review_on: date | None = None

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
    last_review_on: date | None = None
    next_review_on: date | None = None
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    # A model processing kept by the DPO (in the host organisation), or a copy of one.
    is_model: bool = Field(default=False, nullable=False)
    model_id: int | None = Field(
        default=None, foreign_key="processing_activity.id", index=True, ondelete="SET NULL"
    )
    # The model's values when this copy was made or last synchronised: a field whose value
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


class ProcessingPurpose(IdMixin, table=True):
    """A purpose (the main one or a sub-purpose) with its Art. 6(1) legal basis."""

    __tablename__ = "processing_purpose"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    position: int = Field(default=0, nullable=False)
    is_main: bool = Field(default=False, nullable=False)
    description: str = Field(nullable=False)
    legal_basis: LegalBasis | None = Field(default=None, sa_type=str_enum(LegalBasis))
    # The text it rests on: for a public body usually a code article.
    legal_text: str | None = None

    processing: ProcessingActivity = Relationship(back_populates="purposes")


class ProcessingDataCategory(IdMixin, table=True):
    """A category of personal data of the CNIL's list, with its retention."""

    __tablename__ = "processing_data_category"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    position: int = Field(default=0, nullable=False)
    category: DataCategory = Field(sa_type=str_enum(DataCategory), nullable=False)
    description: str | None = None
    active_period: str | None = Field(default=None, max_length=300)
    # Durée d'utilité administrative: the intermediate archive period.
    intermediate_period: str | None = Field(default=None, max_length=300)
    final_fate: FinalFate | None = Field(default=None, sa_type=str_enum(FinalFate))
    # The archives instruction or law the periods come from.
    retention_source: str | None = Field(default=None, max_length=500)
    # When no period can be given: the criterion that ends the retention.
    retention_criterion: str | None = None

    processing: ProcessingActivity = Relationship(back_populates="data_categories")

    @property
    def has_retention(self) -> bool:
        return bool(self.active_period or self.intermediate_period or self.retention_criterion)


class ProcessingSpecialCategory(IdMixin, table=True):
    """Special-category data (Art. 9(1)) and the Art. 9(2) condition that allows it."""

    __tablename__ = "processing_special_category"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    category: SpecialCategory = Field(sa_type=str_enum(SpecialCategory), nullable=False)
    condition: Art9Condition | None = Field(default=None, sa_type=str_enum(Art9Condition, 1))
    details: str | None = None

    processing: ProcessingActivity = Relationship(back_populates="special_categories")


class ProcessingSubject(IdMixin, table=True):
    """A category of data subjects and their estimated number."""

    __tablename__ = "processing_subject"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    category: SubjectCategory = Field(sa_type=str_enum(SubjectCategory), nullable=False)
    details: str | None = Field(default=None, max_length=500)
    estimated_number: int | None = None

    processing: ProcessingActivity = Relationship(back_populates="subjects")

    __table_args__ = (
        sa.CheckConstraint(
            "estimated_number IS NULL OR estimated_number >= 0", name="estimated_number_positive"
        ),
    )


class ProcessingRecipient(IdMixin, table=True):
    """A recipient of the data, by type; a processor may be a vendor of the application map."""

    __tablename__ = "processing_recipient"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    recipient_type: RecipientType = Field(sa_type=str_enum(RecipientType), nullable=False)
    name: str = Field(max_length=300, nullable=False)
    details: str | None = None
    vendor_id: int | None = Field(
        default=None, foreign_key="vendor.id", index=True, ondelete="SET NULL"
    )

    processing: ProcessingActivity = Relationship(back_populates="recipients")
    vendor: Optional["Vendor"] = Relationship()


class ProcessingTransfer(IdMixin, table=True):
    """A transfer of data outside the European Union."""

    __tablename__ = "processing_transfer"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    recipient: str = Field(max_length=300, nullable=False)
    country: str = Field(max_length=2, nullable=False)
    safeguard: TransferSafeguard | None = Field(default=None, sa_type=str_enum(TransferSafeguard))
    documentation_url: str | None = Field(default=None, max_length=500)
    details: str | None = None

    processing: ProcessingActivity = Relationship(back_populates="transfers")


class ProcessingSecurityMeasure(IdMixin, table=True):
    """A security measure in one of the CNIL's seven families."""

    __tablename__ = "processing_security_measure"
    # Audited as part of its parent's change.
    __audit_parent__ = ("ProcessingActivity", "processing_id")
    __audit_fold__ = True

    processing_id: int = _parent_fk()
    family: SecurityFamily = Field(sa_type=str_enum(SecurityFamily), nullable=False)
    details: str = Field(nullable=False)

    processing: ProcessingActivity = Relationship(back_populates="security_measures")


class RegisterVersion(IdMixin, table=True):
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
    note: str | None = None
    activity_count: int = Field(default=0, nullable=False)
    # SHA-256 of the canonical JSON of `content`: a later change to the row would show.
    digest: str = Field(max_length=64, nullable=False)
    content: dict = Field(sa_type=JSON, nullable=False)

    organisation: Organisation = Relationship()

    __table_args__ = (sa.UniqueConstraint("organisation_id", "number"),)
