from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.core.vocabulary import OrgType, PlainText, Purpose, Role
from gateway.pseudonyms.bsn import BsnField


class PeerConfig(BaseModel):
    region: str = Field(pattern=r"^[a-z0-9-]{2,64}$")
    url: str
    jwks: dict[str, list[dict[str, str]]] = Field(description="The peer's request-signing keys (Ed25519 JWKs)")


class FederatedLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bsn: BsnField
    purpose: Purpose


ReasonCode = Annotated[str, Field(pattern=r"^[a-z0-9-]{1,64}$")]


class PeerInvolvement(BaseModel):
    """As a peer region's gateway says it, and checked as strictly as what a partner registers here: it is passed
    on to the asking partner."""

    organisation: PlainText = Field(min_length=1, max_length=200)
    organisation_type: OrgType
    contact_point: PlainText = Field(min_length=3, max_length=200)
    since: date


class PeerAnswer(BaseModel):
    region: str
    status: Literal["found", "not-found", "refused", "unavailable"]
    involvements: list[PeerInvolvement] = Field(default_factory=list, max_length=100)
    reasons: list[ReasonCode] = Field(default_factory=list, max_length=10,
                                      description="Why the peer refused, or why it did not answer")


class FederatedAnswer(BaseModel):
    region: str
    child_ref: str | None = Field(description="This region's reference, when the child is known here")
    peers: list[PeerAnswer]


class PeerRequest(BaseModel):
    """What one gateway asks another, signed by the asking gateway."""

    model_config = ConfigDict(extra="forbid")

    bsn: BsnField
    purpose: Purpose
    organisation: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    organisation_type: OrgType
    role: Role
    professional: PlainText = Field(min_length=1, max_length=64)
