"""Events in, case views out. One event shape per kind (a tagged union on `kind`); unknown fields are refused,
so no free text about a child can slip in."""

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.core.vocabulary import AttendanceStatus, Purpose

OrganisationId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: UUID = Field(description="The reporter's own id for this event: sending it again changes nothing")
    purpose: Purpose


class _Period(_Event):
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _ordered(self) -> "_Period":
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on lies before starts_on")
        if (self.ends_on - self.starts_on).days > 92:
            raise ValueError("a period is at most 93 days; report longer absence in parts")
        return self


class UnauthorisedAbsence(_Period):
    kind: Literal["unauthorised-absence"]
    hours: int = Field(ge=1, le=1000, description="Hours of unauthorised absence in the period")

    @model_validator(mode="after")
    def _plausible(self) -> "UnauthorisedAbsence":
        if self.hours > 12 * ((self.ends_on - self.starts_on).days + 1):
            raise ValueError("more than 12 hours per day")
        return self


class AuthorisedAbsence(_Period):
    kind: Literal["authorised-absence"]
    reason: Literal["ziekte", "verlof"]


class Enrolment(_Event):
    kind: Literal["enrolment", "de-enrolment"]
    starts_on: date
    school: OrganisationId | None = Field(default=None, description="Default: the reporting school")


class SchoolLeaving(_Event):
    """A pupil leaves this school (the overstap from VO, to MBO or to nothing yet). Without a startkwalificatie and
    not enrolled again by 1 October, the young person is on the RMC's worklist (until 23)."""

    kind: Literal["school-leaving"]
    starts_on: date = Field(description="The first day the pupil is no longer at this school")
    startkwalificatie: bool = Field(description="Leaves with a havo or vwo diploma or one of mbo level 2 or higher")
    destination: OrganisationId | None = Field(
        default=None, description="The MBO institution (a registered school) the pupil is going to, if known")


class Vrijstelling(_Event):
    kind: Literal["vrijstelling-5a"]
    starts_on: date
    ends_on: date | None = None
    reassess_on: date = Field(description="When leerplicht assesses again whether (partial) school is possible")


class PassendAanbod(_Event):
    kind: Literal["passend-aanbod"]
    starts_on: date
    offer: Literal["onderwijs", "zorg", "onderwijs-en-zorg"]


class CaseDecision(_Event):
    kind: Literal["actietafel-held", "joint-decision", "interventieteam-started", "interventieteam-plan",
                  "interventieteam-solution", "no-place"]
    starts_on: date


class Doorzettingsmacht(_Event):
    kind: Literal["doorzettingsmacht"]
    starts_on: date
    designated: OrganisationId = Field(description="The school or institution that must offer a place")
    deadline: date

    @model_validator(mode="after")
    def _after(self) -> "Doorzettingsmacht":
        if self.deadline < self.starts_on:
            raise ValueError("deadline lies before the decision")
        return self


CaseEventIn = Annotated[
    UnauthorisedAbsence | AuthorisedAbsence | Enrolment | SchoolLeaving | Vrijstelling | PassendAanbod | CaseDecision
    | Doorzettingsmacht, Field(discriminator="kind")]


class StepView(BaseModel):
    name: str
    party: str
    starts_on: date
    due_on: date
    done_on: date | None


class EpisodeView(BaseModel):
    started_on: date
    kind: Literal["relatief", "absoluut"]
    thuiszitter_on: date | None
    ended_on: date | None
    end_reason: str | None
    steps: list[StepView]


class CaseView(BaseModel):
    child_ref: str
    status: AttendanceStatus
    since: date | None
    rule_version: str | None
    episodes: list[EpisodeView] = Field(description="Newest first")
    reassessment: list[StepView] = Field(description="Re-assessments of a vrijstelling")
    overstap: list[StepView] = Field(description="The RMC's contact after leaving school without a startkwalificatie")


class EventAccepted(BaseModel):
    id: UUID
    repeated: bool = Field(description="True when this event id was received before (nothing changed)")
    status: AttendanceStatus
    since: date | None
    rule_version: str | None


class WorkItem(BaseModel):
    child_ref: str
    step: str
    party: str
    status: AttendanceStatus
    case_started_on: date | None
    starts_on: date
    due_on: date
    days_overdue: int = Field(description="0 when not yet past the due date")


class Worklist(BaseModel):
    today: date
    items: list[WorkItem]
