"""Request and response shapes of the case index API. Requests forbid unknown fields: no free text
about a child can slip in."""

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from gateway.core.vocabulary import AttendanceStatus, LegalBasis, PlainText, Purpose, Role
from gateway.organisations.schemas import OrganisationSummary
from gateway.pseudonyms.bsn import BsnField

ContactPoint = Annotated[PlainText, Field(
    min_length=3, max_length=200,
    description="Functional contact point of the team (mailbox, phone), never a person's name")]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InvolvementCreate(StrictModel):
    bsn: BsnField
    purpose: Purpose
    contact_point: ContactPoint | None = None
    since: date | None = Field(default=None, description="Default: today (Europe/Amsterdam)")
    until: date | None = None
    legal_basis: LegalBasis = LegalBasis.verwijsindex
    birth_date: date | None = Field(default=None, description=(
        "Optional, only so the child leaves the index at 23: the index keeps the month after that birthday, "
        "not the date"))


class InvolvementRegistered(BaseModel):
    id: UUID
    child_ref: str = Field(description="This organisation's reference for the child")
    role: Role
    contact_point: str
    since: date
    until: date | None
    legal_basis: LegalBasis


BATCH_SIZE = 500


class InvolvementBatch(StrictModel):
    involvements: list[InvolvementCreate] = Field(min_length=1, max_length=BATCH_SIZE)


class BatchOutcome(BaseModel):
    index: int = Field(description="Position in the request's list")
    status: int = Field(description="What registering it alone would have answered: 201, or the problem's status")
    involvement: InvolvementRegistered | None = None
    problem: str | None = Field(default=None, description="The problem's code, when it was not registered")


class InvolvementBatchResult(BaseModel):
    registered: int
    refused: int
    results: list[BatchOutcome]


class ChildLookup(StrictModel):
    bsn: BsnField
    purpose: Purpose


class ChildReference(BaseModel):
    child_ref: str


class InvolvementPublic(BaseModel):
    id: UUID | None = Field(default=None, description="Only for the caller's own involvements")
    organisation: OrganisationSummary
    role: Role
    contact_point: str
    since: date
    until: date | None = None


class InvolvementList(BaseModel):
    child_ref: str
    involvements: list[InvolvementPublic]


class Attendance(BaseModel):
    status: AttendanceStatus
    since: date | None = None
    reported_by: OrganisationSummary | None = None


class RegisseurAssignment(StrictModel):
    purpose: Purpose
    organisation_id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")


class ChildCard(BaseModel):
    """The index card. A field the policy withholds is absent, not empty."""

    model_config = ConfigDict(json_schema_extra={"description": "Fields are present only when disclosed"})

    child_ref: str
    attendance: Attendance | None = None
    regisseur: OrganisationSummary | None = None
    involvements: list[InvolvementPublic] | None = None
