"""Signed checkpoints (signed tree heads): every `audit_checkpoint_records` records or
`audit_checkpoint_seconds`, the gateway signs the log's size, Merkle root and chain head with its Ed25519 key
(published at `/v1/webhooks/jwks`). A verifier, or a witness holding an older checkpoint, can then prove that
no record covered by it was changed, removed, reordered or inserted."""

import asyncio
import contextlib
import json
import logging
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.context import AppContext
from gateway.core.crypto import KeyRing, b64url, sign_canonical, unb64url, verify_canonical
from gateway.core.settings import Settings

from .chain import frontier_root, unpack
from .models import AuditCheckpoint
from .repository import audit_head

checkpoint_table = AuditCheckpoint.__table__  # type: ignore[attr-defined]
log = logging.getLogger("inbeeld.audit")


def log_id(settings: Settings) -> str:
    """The name a new log takes from the gateway's address, so one region's checkpoint never passes for another's."""
    return f"{settings.public_url.rstrip('/')}/v1/audit"


async def log_name(conn: AsyncConnection, settings: Settings) -> str:
    """The name this log's checkpoints carry: the one its first checkpoint was signed with. A log keeps it when the
    gateway's address changes (a demo started on another port), so every checkpoint of one log names one log."""
    first = await conn.scalar(select(checkpoint_table.c.statement).order_by(checkpoint_table.c.tree_size).limit(1))
    return str(json.loads(first)["log"]) if first is not None else log_id(settings)


def statement(*, log: str, tree_size: int, root: bytes, chain_head: bytes, timestamp: datetime) -> dict[str, Any]:
    return {"log": log, "tree_size": tree_size, "root_hash": b64url(root), "chain_head": b64url(chain_head),
            "timestamp": timestamp.isoformat()}


def public_checkpoint(row: Any) -> dict[str, Any]:
    """A checkpoint as the API and exports carry it."""
    return {"statement": json.loads(row.statement), "key_id": row.key_id, "signature": row.signature}


def verify_checkpoint(checkpoint: dict[str, Any], jwks: dict[str, Any]) -> tuple[int, bytes, bytes]:
    """(tree size, root, chain head) when the signature holds; `CryptoError` otherwise."""
    body = checkpoint["statement"]
    verify_canonical(body, checkpoint["signature"], checkpoint["key_id"], jwks)
    return int(body["tree_size"]), unb64url(body["root_hash"]), unb64url(body["chain_head"])


async def latest(conn: AsyncConnection) -> Any:
    return (await conn.execute(select(checkpoint_table).order_by(checkpoint_table.c.tree_size.desc()).limit(1))
            ).first()


async def make_checkpoint(conn: AsyncConnection, *, ring: KeyRing, settings: Settings, now: datetime
                          ) -> dict[str, Any] | None:
    """Sign the log as it stands, unless it is empty or already signed at this size."""
    head = (await conn.execute(select(audit_head).where(audit_head.c.id == 1))).one()
    if head.seq == 0:
        return None
    body = statement(log=await log_name(conn, settings), tree_size=head.seq, root=frontier_root(unpack(head.frontier)),
                     chain_head=head.chain_hash, timestamp=now)
    kid, key = ring.signing[-1]
    values = {"tree_size": head.seq, "statement": json.dumps(body), "key_id": kid,
              "signature": sign_canonical(body, key), "signed_at": now}
    try:
        async with conn.begin_nested():
            await conn.execute(insert(checkpoint_table).values(**values))
    except IntegrityError:  # another replica signed this size first
        return None
    return {"statement": body, "key_id": kid, "signature": values["signature"]}


async def due(conn: AsyncConnection, context: AppContext) -> bool:
    """New records, and either enough of them or enough time since the newest checkpoint."""
    size = await conn.scalar(select(audit_head.c.seq).where(audit_head.c.id == 1)) or 0
    newest = await latest(conn)
    if newest is None:
        return bool(size)
    waited = (context.clock() - newest.signed_at).total_seconds()
    fresh = int(size) - int(newest.tree_size)
    return fresh > 0 and (fresh >= context.settings.audit_checkpoint_records
                          or waited >= context.settings.audit_checkpoint_seconds)


async def run_checkpointer(context: AppContext, stop: asyncio.Event) -> None:
    """The background loop of each replica; replicas racing for one size sign it once."""
    interval = min(1.0, context.settings.audit_checkpoint_seconds)
    while not stop.is_set():
        try:
            async with context.db.engine.begin() as conn:
                if await due(conn, context):
                    await make_checkpoint(conn, ring=context.keys.current(), settings=context.settings,
                                          now=context.clock())
        except Exception:  # the next round tries again; the log itself is not at risk
            log.exception("audit checkpoint failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)

