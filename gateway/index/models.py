"""Index tables. No BSN, no name, no free text about a child: only what says *that* a partner is
involved and *where* the child stands."""

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, String, text
from sqlmodel import Field, SQLModel

from gateway.core.db import BigId, UtcDateTime
from gateway.core.vocabulary import AttendanceStatus, LegalBasis, Role


class Child(SQLModel, table=True):
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    index_key: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False, unique=True))
    key_id: str = Field(max_length=32, index=True)
    attendance_status: AttendanceStatus = Field(default=AttendanceStatus.none, sa_type=String(32))
    attendance_since: date | None = None
    attendance_reported_by: str | None = Field(default=None, foreign_key="organisation.id", max_length=64)
    regisseur_id: str | None = Field(default=None, foreign_key="organisation.id", max_length=64)
    retain_until: date | None = Field(default=None, index=True,
                                      description="The month after the 23rd birthday, when a partner gave it")
    birth_month: date | None = Field(default=None, description="First day of the birth month, for leerplicht age")
    status_rule_version: str | None = Field(default=None, max_length=32)
    assessed_on: date | None = Field(default=None, index=True)
    created_at: datetime = Field(sa_type=UtcDateTime)


class Involvement(SQLModel, table=True):
    __table_args__ = (
        Index("ix_involvement_child_active", "child_id", "ended_at"),
        # One active involvement per organisation and child, also under concurrent registrations.
        Index("uq_involvement_active_per_org", "child_id", "organisation_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: UUID = Field(primary_key=True)
    child_id: int = Field(sa_column=Column(BigId, ForeignKey("child.id"), nullable=False))
    organisation_id: str = Field(foreign_key="organisation.id", max_length=64, index=True)
    professional_role: Role = Field(sa_type=String(32))
    contact_point: str = Field(max_length=200)
    since: date
    until: date | None = None
    legal_basis: LegalBasis = Field(sa_type=String(40))
    ended_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(sa_type=UtcDateTime)
