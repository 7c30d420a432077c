"""The audit log over HTTP: checkpoints and proofs for anyone who keeps the gateway honest (they hold hashes
only), and the records for privacy officers (policy `inbeeld.toezicht`)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select

from gateway.core.errors import NotFound, problem_responses
from gateway.dependencies import CallerDep, ConnectionDep, ContextDep, MetaDep
from gateway.index.errors import ChildNotFound
from gateway.policy.decision import PolicyDenied
from gateway.policy.engine import PolicyUnavailable

from . import proofs, search
from .checkpoints import checkpoint_table, latest, public_checkpoint
from .errors import ProofOutOfRange
from .schemas import AuditPage, Checkpoint, ConsistencyProof, InclusionProof, Outcome

router = APIRouter(prefix="/v1/audit", tags=["audit"])
Toezicht = Annotated[str, Query(pattern="^toezicht$", description="Always `toezicht`")]
_officer_errors = (PolicyDenied, PolicyUnavailable, ChildNotFound)


class NoCheckpoint(NotFound):
    code, title = "no-checkpoint", "No checkpoint yet"


def _filters(role: str | None, professional: str | None, child_ref: str | None, about_purpose: str | None,
             basis: str | None, outcome: Outcome | None, action: str | None, since: datetime | None,
             until: datetime | None) -> search.Filters:
    return search.Filters(role=role, professional=professional, child_ref=child_ref, purpose=about_purpose,
                          basis=basis, outcome=outcome.value if outcome else None, action=action, since=since,
                          until=until)


FilterQuery = Annotated[str | None, Query(max_length=96)]
# An enum, so a misspelt outcome is a 422 and not an empty page.
OutcomeQuery = Annotated[Outcome | None, Query(description="allowed, denied or not-found")]
_POSITIONS = 2**63 - 1  # a position the database's 64-bit integers can hold: beyond, a 422, not an overflow
Size = Annotated[int, Query(ge=0, le=_POSITIONS)]
Position = Annotated[int, Query(ge=1, le=_POSITIONS)]


@router.get("/checkpoints/latest", operation_id="getLatestCheckpoint", responses=problem_responses(NoCheckpoint))
async def latest_checkpoint(conn: ConnectionDep) -> Checkpoint:
    """The newest signed checkpoint (size, Merkle root, chain head), verifiable with /v1/webhooks/jwks."""
    row = await latest(conn)
    if row is None:
        raise NoCheckpoint("The log has no signed checkpoint yet.")
    return Checkpoint(**public_checkpoint(row))


@router.get("/checkpoints", operation_id="listCheckpoints", responses=problem_responses())
async def checkpoints(conn: ConnectionDep, from_size: Size = 0) -> list[Checkpoint]:
    """Signed checkpoints from a size on (at most 1,000), oldest first: what a witness collects."""
    rows = await conn.execute(select(checkpoint_table).where(checkpoint_table.c.tree_size >= from_size)
                              .order_by(checkpoint_table.c.tree_size).limit(1000))
    return [Checkpoint(**public_checkpoint(r)) for r in rows]


@router.get("/proofs/inclusion", operation_id="getInclusionProof", responses=problem_responses(ProofOutOfRange))
async def inclusion_proof(conn: ConnectionDep, seq: Position,
                          tree_size: Position) -> InclusionProof:
    """RFC 9162 inclusion proof of record `seq` in the tree of `tree_size` records."""
    return await proofs.inclusion(conn, seq=seq, tree_size=tree_size)


@router.get("/proofs/consistency", operation_id="getConsistencyProof",
            responses=problem_responses(ProofOutOfRange))
async def consistency_proof(conn: ConnectionDep, first: Position,
                            second: Position) -> ConsistencyProof:
    """RFC 9162 consistency proof: the log at `first` records is a prefix of the log at `second`."""
    return await proofs.consistency(conn, first=first, second=second)


@router.get("/records", operation_id="searchAuditRecords", responses=problem_responses(*_officer_errors))
async def records(
    conn: ConnectionDep, context: ContextDep, caller: CallerDep, meta: MetaDep, purpose: Toezicht,
    role: FilterQuery = None, professional: FilterQuery = None, child_ref: FilterQuery = None,
    about_purpose: FilterQuery = None, basis: FilterQuery = None, outcome: OutcomeQuery = None,
    action: FilterQuery = None, since: datetime | None = None, until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, before: Position | None = None,
) -> AuditPage:
    """The organisation's audit records, newest first, with flags (privacy officer, purpose toezicht)."""
    return await search.search(conn, context=context, caller=caller, meta=meta, limit=limit, before=before,
                               filters=_filters(role, professional, child_ref, about_purpose, basis, outcome,
                                                action, since, until))


@router.get("/records.csv", operation_id="exportAuditRecords", responses={
    200: {"content": {"text/csv": {}}}, **problem_responses(*_officer_errors)})
async def records_csv(
    conn: ConnectionDep, context: ContextDep, caller: CallerDep, meta: MetaDep, purpose: Toezicht,
    role: FilterQuery = None, professional: FilterQuery = None, child_ref: FilterQuery = None,
    about_purpose: FilterQuery = None, basis: FilterQuery = None, outcome: OutcomeQuery = None,
    action: FilterQuery = None, since: datetime | None = None, until: datetime | None = None,
) -> Response:
    """The same records as CSV (oldest first), for a spreadsheet; formula-like cells are neutralised."""
    body = await search.export_csv(conn, context=context, caller=caller, meta=meta, filters=_filters(
        role, professional, child_ref, about_purpose, basis, outcome, action, since, until))
    return StreamingResponse(body, media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": 'attachment; filename="audit.csv"'})


@router.get("/activity", operation_id="getAuditActivity", responses=problem_responses(*_officer_errors))
async def activity(conn: ConnectionDep, context: ContextDep, caller: CallerDep, meta: MetaDep,
                   purpose: Toezicht, days: Annotated[int, Query(ge=1, le=366)] = 30) -> list[dict[str, Any]]:
    """Allowed and refused requests per day (Europe/Amsterdam), for a chart."""
    rows = await search.activity(conn, context=context, caller=caller, meta=meta, filters=search.Filters(),
                                 days=days)
    return [{"day": day, "allowed": allowed, "denied": denied} for day, allowed, denied in rows]
