"""Appending to the audit log (Core): the head row is locked, the record gets the next position, its leaf
hash and chain hash, and the head its new chain hash and Merkle frontier, all in the caller's transaction."""

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Dialect, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.db import IN_LOOP
from gateway.core.direct_reads import asyncpg_errors

from .chain import chain_next, content_of, frontier_append, leaf_hash, pack, unpack
from .errors import AuditUnavailable
from .models import AuditHead, AuditRecord

audit_record = AuditRecord.__table__  # type: ignore[attr-defined]
audit_head = AuditHead.__table__  # type: ignore[attr-defined]

# Built once: a statement made per request spends more on SQL compilation caching than on the insert.
# The increment takes the row lock (PostgreSQL); on SQLite the transaction holds the write lock already, so none
# of the three waits (IN_LOOP). Appends are serialised.
_APPEND = insert(audit_record).execution_options(**IN_LOOP)
_NEXT = (update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq + bindparam("count"))
         .returning(audit_head.c.seq, audit_head.c.chain_hash, audit_head.c.frontier).execution_options(**IN_LOOP))
_ADVANCE = update(audit_head).where(audit_head.c.id == 1).execution_options(**IN_LOOP)


def _chained(rows: Sequence[dict[str, Any]], last: int, chained: bytes, packed: bytes
             ) -> tuple[list[dict[str, Any]], bytes, bytes]:
    """The records at positions last - len(rows) + 1 … last, after the head `chained` / `packed`; and the new
    head's chain hash and packed frontier."""
    first, frontier = last - len(rows) + 1, unpack(packed)
    records = []
    for seq, values in enumerate(rows, start=first):
        leaf = leaf_hash(content_of({**values, "seq": seq}))
        chained = chain_next(chained, leaf)
        frontier = frontier_append(frontier, seq - 1, leaf)
        records.append({**values, "seq": seq, "entry_hash": leaf, "chain_hash": chained})
    return records, chained, pack(frontier)


async def append_many(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Append records in order, in the caller's transaction; returns their positions. A log that cannot be
    written stops the request (503)."""
    if not rows:
        return []
    try:
        last, chained, packed = (await conn.execute(_NEXT, {"count": len(rows)})).one()
        records, chained, packed = _chained(rows, last, chained, packed)
        await conn.execute(_APPEND, records)
        await conn.execute(_ADVANCE, {"chain_hash": chained, "frontier": packed})
    except DBAPIError:
        raise AuditUnavailable("The audit log cannot be written, so nothing was changed or disclosed.") from None
    return list(range(last - len(rows) + 1, last + 1))


# The same append on a connection of asyncpg's own (`Database.direct_transaction`, PostgreSQL): the records go in
# as one array per column and the head advances in the same statement, two statements under the head's lock
# instead of three, and none through SQLAlchemy's async layer (the group writer's batch).
_COLUMNS = [c for c in audit_record.columns if c.name != "id"]
_DEFAULTS = {c.name: c.default.arg for c in _COLUMNS if c.default is not None and c.default.is_scalar}
_PG_NEXT = "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, chain_hash, frontier"
_PG: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
_ARRAYS = ", ".join(f"${i}::{c.type.compile(dialect=_PG)}[]" for i, c in enumerate(_COLUMNS, 1))
# Built from the table's own column names and types only; every value is a bound parameter.
_PG_APPEND = (
    f"WITH appended AS (INSERT INTO audit_record ({', '.join(c.name for c in _COLUMNS)}) "  # noqa: S608
    f"SELECT * FROM unnest({_ARRAYS})) "
    f"UPDATE audit_head SET chain_hash = ${len(_COLUMNS) + 1}, frontier = ${len(_COLUMNS) + 2} WHERE id = 1")


async def append_many_direct(conn: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """`append_many` on an asyncpg connection in a transaction."""
    if not rows:
        return []
    try:
        last, chained, packed = await conn.fetchrow(_PG_NEXT, len(rows))
        records, chained, packed = _chained(rows, last, chained, packed)
        columns = [[record.get(c.name, _DEFAULTS.get(c.name)) for record in records] for c in _COLUMNS]
        await conn.execute(_PG_APPEND, *columns, chained, packed)
    except asyncpg_errors():
        raise AuditUnavailable("The audit log cannot be written, so nothing was changed or disclosed.") from None
    return list(range(last - len(rows) + 1, last + 1))


async def append(conn: AsyncConnection, values: dict[str, Any]) -> int:
    """Append one record in the caller's transaction (the change it records commits with it, or neither does)."""
    return (await append_many(conn, [values]))[0]


async def head_size(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(audit_head.c.seq).where(audit_head.c.id == 1)) or 0)


async def records_in_order(conn: AsyncConnection, *, batch: int = 5000) -> AsyncIterator[Any]:
    """Every record by position, streamed in batches."""
    after = 0
    while True:
        rows = (await conn.execute(select(audit_record).where(audit_record.c.seq > after)
                                   .order_by(audit_record.c.seq).limit(batch))).all()
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1].seq


async def leaf_hashes(conn: AsyncConnection, size: int) -> list[bytes]:
    """The stored leaf hashes of the first `size` records (for proofs; verification recomputes them)."""
    rows = await conn.execute(select(audit_record.c.entry_hash).where(audit_record.c.seq <= size)
                              .order_by(audit_record.c.seq))
    return [bytes(h) for h in rows.scalars()]


async def about_child(conn: AsyncConnection, child_id: int, *, except_organisation: str, limit: int = 200
                      ) -> list[Any]:
    """The newest records about a child, left out one organisation's (the portal's own)."""
    return list((await conn.execute(
        select(audit_record).where(audit_record.c.child_id == child_id,
                                   audit_record.c.organisation_id != except_organisation)
        .order_by(audit_record.c.seq.desc()).limit(limit))).all())
