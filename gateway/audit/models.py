from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from gateway.core.db import BigId, UtcDateTime


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_record"

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    occurred_at: datetime = Field(sa_type=UtcDateTime, index=True)
    request_id: str = Field(max_length=64)
    organisation_id: str = Field(max_length=64, index=True)
    role: str = Field(max_length=32)
    professional: str = Field(max_length=64, description="Pseudonymous id of the acting professional")
    action: str = Field(max_length=40)
    child_id: int | None = Field(default=None, sa_column=Column(BigId, index=True))
    purpose: str | None = Field(default=None, max_length=32)
    basis: str | None = Field(default=None, max_length=64, description="A statute, or consent:<id>")
    outcome: str = Field(max_length=16, description="allowed, denied or not-found")
    reasons: str = Field(default="", max_length=200, description="Stable reason codes, comma separated")
    fields: str = Field(default="", max_length=200, description="Fields disclosed, comma separated")
    policy_revision: str = Field(default="", max_length=64)
