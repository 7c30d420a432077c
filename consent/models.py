"""The minimal consent record the policies read; the consent issue adds who gave it, receipts and the
lifecycle around it."""

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import Column, ForeignKey, Index, String, Text
from sqlmodel import Field, SQLModel

from gateway.core.db import BigId, UtcDateTime


class ConsentStatus(StrEnum):
    pending = "pending"
    """Given by some of the people who must consent (portal, joint custody); not yet valid."""
    active = "active"
    withdrawn = "withdrawn"
    refused = "refused"


class Consent(SQLModel, table=True):
    """Consent for one purpose to one recipient organisation, for a period. `expired` is not stored:
    it follows from `valid_until` and today's date."""

    __table_args__ = (Index("ix_consent_child_recipient", "child_id", "recipient_id"),)

    id: UUID = Field(primary_key=True)
    child_id: int = Field(sa_column=Column(BigId, ForeignKey("child.id"), nullable=False))
    purpose: str = Field(sa_type=String(32))
    recipient_id: str = Field(foreign_key="organisation.id", max_length=64)
    valid_from: date
    valid_until: date | None = None
    status: ConsentStatus = Field(sa_type=String(16))
    given_by: str = Field(default="", max_length=400, description="Pseudonyms of who consented, comma separated")
    obtained_via: str = Field(default="organisation", max_length=16, description="organisation or portal")
    registered_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UtcDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ConsentReceipt(SQLModel, table=True):
    """A signed receipt for a grant, withdrawal or refusal, kept for download."""

    __tablename__ = "consent_receipt"

    id: UUID = Field(primary_key=True)
    consent_id: UUID = Field(foreign_key="consent.id", index=True)
    action: str = Field(max_length=16)
    document: str = Field(sa_type=Text, description="The signed receipt as JSON")
    created_at: datetime = Field(sa_type=UtcDateTime)
