"""The audit log: one record per request about one child (or none), chained and in a Merkle tree
(`chain.py`); the head of the log; signed checkpoints; and the policy sources per revision, for replay."""

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Text
from sqlmodel import Field, SQLModel

from gateway.core.db import BigId, UtcDateTime


class AuditRecord(SQLModel, table=True):
    """The fields NEN 7513 asks for (who, in which role, when, which action on which subject, from where) plus
    those of the Logboek Dataverwerkingen (trace and span, processing activity) and the policy decision."""

    __tablename__ = "audit_record"

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    seq: int = Field(sa_column=Column(BigId, nullable=False, unique=True), description="Position in the log, 1…n")
    occurred_at: datetime = Field(sa_type=UtcDateTime, index=True)
    request_id: str = Field(max_length=64)
    trace_id: str = Field(default="", max_length=32, description="W3C trace context")
    span_id: str = Field(default="", max_length=16)
    processing_activity: str = Field(default="", max_length=64, description="Register van verwerkingen id")
    organisation_id: str = Field(max_length=64, index=True)
    role: str = Field(max_length=32)
    professional: str = Field(max_length=64, description="Pseudonymous id of the acting professional or person")
    action: str = Field(max_length=40)
    child_id: int | None = Field(default=None, sa_column=Column(BigId, index=True))
    purpose: str | None = Field(default=None, max_length=32)
    basis: str | None = Field(default=None, max_length=64, description="A statute, or consent:<id>")
    outcome: str = Field(max_length=16, description="allowed, denied or not-found")
    reasons: str = Field(default="", max_length=200, description="Stable reason codes, comma separated")
    fields: str = Field(default="", max_length=200,
                        description="Fields disclosed (live details: asked of the partners), comma separated")
    policy_revision: str = Field(default="", max_length=64)
    decision_input: str = Field(default="", sa_type=Text, description="The policy input as JSON, for replay")
    client: str = Field(default="", max_length=64, description="Client address")
    entry_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    chain_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    purged: bool = Field(default=False, description="Content removed after its retention; the hashes stay")


class AuditHead(SQLModel, table=True):
    """One row: the newest position, chain hash and Merkle frontier. Appending locks it, so positions are
    gapless and in commit order across replicas."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = Field(default=0, sa_column=Column(BigId, nullable=False))
    chain_hash: bytes = Field(sa_column=Column(LargeBinary(32), nullable=False))
    frontier: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class AuditCheckpoint(SQLModel, table=True):
    """A signed tree head: the gateway's Ed25519 signature over the log's size, Merkle root and chain head."""

    __tablename__ = "audit_checkpoint"

    tree_size: int = Field(sa_column=Column(BigId, primary_key=True, autoincrement=False))
    statement: str = Field(sa_type=Text, description="The signed statement, canonical JSON")
    key_id: str = Field(max_length=64)
    signature: str = Field(max_length=200)
    signed_at: datetime = Field(sa_type=UtcDateTime)


class PolicySource(SQLModel, table=True):
    """The Rego sources of each policy revision a decision was made with, so it can be replayed."""

    __tablename__ = "policy_source"

    revision: str = Field(primary_key=True, max_length=64)
    sources: str = Field(sa_type=Text, description="JSON: module path -> Rego text")
    recorded_at: datetime = Field(sa_type=UtcDateTime)
