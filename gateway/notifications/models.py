from datetime import datetime
from uuid import UUID

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from gateway.core.db import UtcDateTime


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_due", "delivered_at", "failed_at", "next_attempt_at"),)

    id: UUID = Field(primary_key=True, description="Also the idempotency key the receiver sees")
    recipient_id: str = Field(foreign_key="organisation.id", max_length=64, index=True)
    event_type: str = Field(max_length=40)
    payload: str = Field(sa_type=Text, description="JSON; partner-specific references only")
    created_at: datetime = Field(sa_type=UtcDateTime)
    next_attempt_at: datetime = Field(sa_type=UtcDateTime)
    attempts: int = 0
    lease_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    failed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_error: str | None = Field(default=None, max_length=40)
