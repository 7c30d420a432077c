from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.core.vocabulary import OrgType, Purpose, Role
from gateway.pseudonyms.bsn import BsnField


class PeerConfig(BaseModel):
    region: str = Field(pattern=r"^[a-z0-9-]{2,64}$")
    url: str
    jwks: dict[str, list[dict[str, str]]] = Field(description="The peer's request-signing keys (Ed25519 JWKs)")


class FederatedLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bsn: BsnField
    purpose: Purpose


class PeerInvolvement(BaseModel):
    organisation: str
    organisation_type: OrgType
    contact_point: str
    since: str


class PeerAnswer(BaseModel):
    region: str
    status: Literal["found", "not-found", "refused", "unavailable"]
    involvements: list[PeerInvolvement] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="Why the peer refused, or why it did not answer")


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
    professional: str = Field(max_length=64)
