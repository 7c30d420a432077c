"""Thuiszitter tables. Events carry dates, hours and fixed categories only (no reasons in words, no names);
cases and steps are derived from them and can be rebuilt at any time."""

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from gateway.core.db import BigId, UtcDateTime


class CaseEvent(SQLModel, table=True):
    __tablename__ = "case_event"
    __table_args__ = (Index("ix_case_event_child", "child_id", "received_at"),)

    id: UUID = Field(primary_key=True, description="The reporter's event id: a repeat is recognised, not counted")
    child_id: int = Field(sa_column=Column(BigId, ForeignKey("child.id"), nullable=False))
    organisation_id: str = Field(foreign_key="organisation.id", max_length=64)
    kind: str = Field(max_length=32)
    starts_on: date
    ends_on: date | None = None
    hours: int | None = None
    detail: str | None = Field(default=None, max_length=24)
    subject_organisation: str | None = Field(default=None, max_length=64)
    due_on: date | None = None
    fingerprint: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    received_at: datetime = Field(sa_type=UtcDateTime)


class ThuiszitterCase(SQLModel, table=True):
    """One episode at home without a passend aanbod, with what the monthly monitor counts it by."""

    __tablename__ = "thuiszitter_case"
    __table_args__ = (UniqueConstraint("child_id", "started_on"), Index("ix_case_period", "started_on", "ended_on"))

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    child_id: int = Field(sa_column=Column(BigId, ForeignKey("child.id"), nullable=False))
    started_on: date
    kind: str = Field(max_length=16)
    thuiszitter_on: date | None = None
    ended_on: date | None = None
    end_reason: str | None = Field(default=None, max_length=24)
    offer: str | None = Field(default=None, max_length=24)
    gemeente: str = Field(max_length=64)
    school_type: str = Field(max_length=16)
    rule_version: str = Field(max_length=32)


class CaseStep(SQLModel, table=True):
    """A clock of a case: who must act from `starts_on`, by `due_on`; notified once when it starts and once when
    it is overdue."""

    __tablename__ = "case_step"
    __table_args__ = (UniqueConstraint("child_id", "step_key"), Index("ix_case_step_open", "done_on", "starts_on"))

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    child_id: int = Field(sa_column=Column(BigId, ForeignKey("child.id"), nullable=False))
    step_key: str = Field(max_length=80)
    case_started_on: date | None = None
    name: str = Field(max_length=32)
    party: str = Field(sa_type=String(80))
    starts_on: date
    due_on: date = Field(index=True)
    done_on: date | None = None
    announced_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    overdue_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
