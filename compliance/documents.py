"""Word documents: render a register's .docx template, and register every export."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlmodel import JSON, Field, SQLModel

from compliance.db import UTCDateTime, utcnow


class ExportRecord(SQLModel, table=True):
    """One document handed out: who, when, what, and the SHA-256 that proves it later."""

    __tablename__ = "export_record"

    id: int | None = Field(default=None, primary_key=True)
    reference: str | None = Field(default=None, max_length=32, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    actor_id: int | None = Field(default=None, index=True)
    actor_label: str | None = Field(default=None, max_length=254)
    organisation_id: int | None = Field(default=None, index=True)
    document: str = Field(max_length=64, nullable=False)
    title: str = Field(max_length=300, nullable=False)
    filename: str = Field(max_length=300, nullable=False)
    sha256: str | None = Field(default=None, max_length=64, index=True)
    size: int | None = None
    parameters: dict | None = Field(default=None, sa_type=JSON)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
