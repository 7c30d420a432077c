"""A witness outside the gateway accepts a growing log and catches a rewritten one — even when the operator,
who holds the signing key, re-signs the rewritten history."""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from gateway.audit.chain import EMPTY_CHAIN, chain_next, content_of, frontier_append, leaf_hash, pack
from gateway.audit.witness import observe
from gateway.core.vocabulary import Role
from tests.fixtures.portal import DemoGateway, demo_gateway
from tests.fixtures.processes import run_cli


@pytest.fixture
def gw(tmp_path: Path) -> Iterator[DemoGateway]:
    with demo_gateway(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}") as gateway:
        yield gateway


def _audited_requests(gw: DemoGateway, count: int) -> None:
    api = gw.api("leerplicht-utrecht", Role.leerplichtambtenaar)
    for bsn in gw.seeded[:count]:
        api.post("/v1/children/lookup", json={"bsn": bsn, "purpose": "leerplicht-handhaving"})


def _sign(gw: DemoGateway, tmp_path: Path) -> str:
    return run_cli("audit", "checkpoint", cwd=tmp_path, env={
        "INBEELD_MODE": "test", "INBEELD_DATA_DIR": str(tmp_path), "INBEELD_PUBLIC_URL": gw.url,
        "INBEELD_DATABASE_URL": gw.settings.effective_database_url})


def _rewrite_history(database: Path) -> None:
    """The operator turns an allowed request into a refusal and recomputes every hash."""
    db = sqlite3.connect(database)
    db.execute("UPDATE audit_record SET outcome = 'denied', reasons = 'rewritten' WHERE seq = 3")
    db.execute("DELETE FROM audit_checkpoint")
    columns = [c[1] for c in db.execute("PRAGMA table_info(audit_record)")]
    chain, frontier, size = EMPTY_CHAIN, list[bytes](), 0
    for values in db.execute("SELECT * FROM audit_record ORDER BY seq").fetchall():
        row = dict(zip(columns, values, strict=True))
        row["occurred_at"] = datetime.fromisoformat(row["occurred_at"]).replace(tzinfo=UTC)  # stored in UTC
        leaf = leaf_hash(content_of(row))
        chain, frontier, size = chain_next(chain, leaf), frontier_append(frontier, size, leaf), size + 1
        db.execute("UPDATE audit_record SET entry_hash = ?, chain_hash = ? WHERE seq = ?", (leaf, chain, row["seq"]))
    db.execute("UPDATE audit_head SET seq = ?, chain_hash = ?, frontier = ?", (size, chain, pack(frontier)))
    db.commit()
    db.close()


def test_a_witness_accepts_a_growing_log_and_catches_a_rewritten_one(gw: DemoGateway, tmp_path: Path) -> None:
    store = tmp_path / "witness.json"
    with httpx.Client(timeout=10) as http:
        _audited_requests(gw, 5)
        assert "signed checkpoint at size 5" in _sign(gw, tmp_path)
        first = observe(http, gw.url, store)
        assert first.ok and first.size == 5, first
        _audited_requests(gw, 7)
        _sign(gw, tmp_path)
        second = observe(http, gw.url, store)
        assert second.ok and second.size == 12, second
        assert observe(http, gw.url, store).ok  # nothing new: still consistent

        _rewrite_history(tmp_path / "inbeeld.db")
        _audited_requests(gw, 2)
        assert "signed checkpoint at size 14" in _sign(gw, tmp_path)  # re-signed with the real key
        caught = observe(http, gw.url, store)
    assert not caught.ok and "history was rewritten" in caught.message, caught
