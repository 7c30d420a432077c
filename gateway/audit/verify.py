"""Verification of the audit log, from the database or from an export, against its signed checkpoints.

Stored hashes are never trusted: each record's leaf hash is recomputed from its content, the chain and the
Merkle root are rebuilt, and every checkpoint's signature and root must match. A record whose content was
purged after its retention keeps its leaf hash, and counts only when a later purge record (itself in the log,
covered by checkpoints) declares it purged.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.crypto import CryptoError, b64url, unb64url

from .chain import EMPTY_CHAIN, chain_next, content_of, frontier_append, frontier_root, leaf_hash
from .checkpoints import checkpoint_table, public_checkpoint, verify_checkpoint
from .repository import head_size, records_in_order

PURGE_ACTION = "audit.purge"
MAX_FINDINGS = 50


@dataclass(frozen=True)
class Entry:
    """One record as the verifier sees it (a database row or an exported line)."""

    content: dict[str, Any]
    entry_hash: bytes
    chain_hash: bytes
    purged: bool

    @property
    def seq(self) -> int:
        return int(self.content["seq"])

    @classmethod
    def from_row(cls, row: Any) -> "Entry":
        return cls(content_of(row), bytes(row.entry_hash), bytes(row.chain_hash), bool(row.purged))

    @classmethod
    def from_export(cls, line: dict[str, Any]) -> "Entry":
        return cls(line["content"], unb64url(line["entry_hash"]), unb64url(line["chain_hash"]), line["purged"])

    def export(self) -> dict[str, Any]:
        return {"type": "record", "content": self.content, "entry_hash": b64url(self.entry_hash),
                "chain_hash": b64url(self.chain_hash), "purged": self.purged}


@dataclass
class Report:
    log: str | None = None
    """The log's name, as its first valid checkpoint carries it."""
    records: int = 0
    checkpoints: int = 0
    covered: int = 0
    """Records covered by the newest valid checkpoint (the rest is chained but not yet signed)."""
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def find(self, text: str) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(text)


def _purged_through(entries: list[Entry]) -> int:
    """The highest position a purge record declares purged."""
    through = 0
    for entry in entries:
        if entry.content.get("action") == PURGE_ACTION and not entry.purged:
            try:
                through = max(through, int(json.loads(entry.content["decision_input"])["purged_through"]))
            except (ValueError, KeyError, TypeError):
                continue
    return through


def _size_of(checkpoint: Any) -> int:
    try:
        return int(checkpoint["statement"]["tree_size"])
    except (KeyError, TypeError, ValueError):
        return 0  # its signature check reports it


def verify_log(entries: Iterable[Entry], checkpoints: Iterable[dict[str, Any]], jwks: dict[str, Any], *,
               log: str | None = None, head_size: int | None = None) -> Report:
    """`log` is the name the log must carry when the verifier knows it (an export says it); otherwise the log is
    named by its first checkpoint whose signature holds. Every checkpoint must carry that one name."""
    records = list(entries)
    report = Report(log=log, records=len(records))
    signed: dict[int, tuple[bytes, bytes]] = {}
    for checkpoint in sorted(checkpoints, key=_size_of):
        try:
            size, root, chain_head = verify_checkpoint(checkpoint, jwks)
        except (CryptoError, KeyError, TypeError, ValueError) as exc:
            report.find(f"a checkpoint's signature does not verify ({exc})")
            continue
        report.log = report.log or checkpoint["statement"].get("log")
        if checkpoint["statement"].get("log") != report.log:
            report.find(f"checkpoint {size} belongs to another log")
            continue
        signed[size] = (root, chain_head)
    report.checkpoints = len(signed)

    purged_through = _purged_through(records)
    frontier: list[bytes] = []
    chain, size, chain_intact = EMPTY_CHAIN, 0, True
    for entry in records:
        expected = size + 1
        if entry.seq > expected:
            report.find(f"record {expected} is missing" if entry.seq == expected + 1
                        else f"records {expected} to {entry.seq - 1} are missing")
        elif entry.seq < expected:
            report.find(f"record {entry.seq} is out of order or duplicated")
        if entry.purged:
            if entry.seq > purged_through:
                report.find(f"record {entry.seq} was emptied without a purge record")
            leaf = entry.entry_hash
        else:
            leaf = leaf_hash(entry.content)
            if leaf != entry.entry_hash:
                report.find(f"record {entry.seq} was changed after it was written")
        chain = chain_next(chain, leaf)
        if chain != entry.chain_hash and chain_intact:
            report.find(f"the hash chain breaks at record {entry.seq}")
            chain_intact = False
        frontier = frontier_append(frontier, size, leaf)
        size += 1
        if size in signed:
            root, chain_head = signed[size]
            if frontier_root(frontier) != root or chain != chain_head:
                report.find(f"the records do not match the checkpoint signed at size {size}")
            else:
                report.covered = size
    for signed_size in sorted(s for s in signed if s > size):
        report.find(f"a checkpoint was signed at size {signed_size} but the log ends at {size}: "
                    "records were removed from the end")
    if head_size is not None and head_size != size:
        report.find(f"the log head says {head_size} records, the log holds {size}")
    return report


async def verify_stored(conn: AsyncConnection, jwks: dict[str, Any]) -> Report:
    """`inbeeld audit verify`: the log in the database, its checkpoints and its head."""
    entries = [Entry.from_row(row) async for row in records_in_order(conn)]
    rows = (await conn.execute(checkpoint_table.select())).all()
    return verify_log(entries, [public_checkpoint(r) for r in rows], jwks, head_size=await head_size(conn))
