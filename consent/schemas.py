"""Consent API shapes. A consent registered by a partner names the people who consented by BSN; those
BSNs are checked against the BRP's gezag and turned into pseudonyms at once."""

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from gateway.core.vocabulary import Purpose
from gateway.pseudonyms.bsn import BsnField

OrganisationId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]


class GivenBy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    child: bool = Field(description="The child itself consented (required from 12, sufficient from 16)")
    custodians: list[BsnField] = Field(default_factory=list, max_length=4,
                                       description="BSNs of the parents or guardians with gezag who consented")


class ConsentGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bsn: BsnField
    purpose: Purpose
    recipients: list[OrganisationId] = Field(min_length=1, max_length=10)
    valid_from: date | None = Field(default=None, description="Default: today (Europe/Amsterdam)")
    valid_until: date | None = None
    given_by: GivenBy
    decision: Literal["granted", "refused"] = Field(
        default="granted", description="`refused`: the family said no; recorded with a receipt, grants nothing")


class ConsentPublic(BaseModel):
    id: UUID
    purpose: Purpose
    recipient: str
    valid_from: date
    valid_until: date | None
    status: str = Field(description="pending, active, withdrawn, refused or expired (on today's date)")
    obtained_via: str


class ConsentList(BaseModel):
    child_ref: str
    consents: list[ConsentPublic]


class ConsentGranted(BaseModel):
    consents: list[ConsentPublic]
    receipts: list[dict[str, Any]] = Field(description="One signed receipt per consent")
