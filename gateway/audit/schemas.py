"""Audit API shapes. Hashes are base64url; positions count from 1."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Outcome(StrEnum):
    """What became of a request: answered, refused by policy, or about a child (or record) not known here."""

    allowed = "allowed"
    denied = "denied"
    not_found = "not-found"


class Checkpoint(BaseModel):
    statement: dict[str, Any] = Field(description="log, tree_size, root_hash, chain_head, timestamp")
    key_id: str
    signature: str = Field(description="Ed25519 over the RFC 8785 form of `statement` (keys: /v1/webhooks/jwks)")


class InclusionProof(BaseModel):
    seq: int
    tree_size: int
    leaf_hash: str
    proof: list[str] = Field(description="RFC 9162 §2.1.3 audit path")


class ConsistencyProof(BaseModel):
    first: int
    second: int
    proof: list[str] = Field(description="RFC 9162 §2.1.4 consistency proof")


class AuditRecordPublic(BaseModel):
    seq: int
    occurred_at: datetime
    request_id: str
    trace_id: str
    processing_activity: str
    organisation_id: str
    role: str
    professional: str
    action: str
    child_ref: str | None = Field(description="The caller's own reference for the child (allowed requests only)")
    purpose: str | None
    basis: str | None
    statutory: bool = Field(description="The basis is a law, not a consent")
    outcome: Outcome
    reasons: list[str]
    fields: list[str]
    policy_revision: str
    entry_hash: str


class Flag(BaseModel):
    kind: str = Field(description="statutory-access, denial-burst, unusual-volume or no-involvement")
    professional: str | None = None
    organisation_id: str
    count: int
    first_seq: int
    detail: str


class AuditPage(BaseModel):
    records: list[AuditRecordPublic]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page")
    flags: list[Flag]
