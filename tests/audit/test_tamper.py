"""Tamper evidence: an audit log changed in the database — a record modified, deleted, reordered, inserted or
cut off, even with every stored hash recomputed the way an attacker without the signing key can — fails
verification against the signed checkpoints; the untouched log and its RFC 9162 proofs verify."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit.chain import (
    EMPTY_CHAIN,
    chain_next,
    content_of,
    frontier_append,
    frontier_root,
    leaf_hash,
    pack,
    unpack,
    verify_consistency,
    verify_inclusion,
)
from gateway.audit.checkpoints import checkpoint_table, log_id, make_checkpoint, statement, verify_checkpoint
from gateway.audit.repository import audit_head, records_in_order
from gateway.core.crypto import sign_canonical, unb64url
from tests.fixtures.gateway import BSNS, Gateway, gateway_settings, running_gateway

pytestmark = pytest.mark.anyio


@pytest.fixture
async def gw(database_url: str, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running_gateway(gateway_settings(tmp_path, database_url)) as gateway:
        for bsn in BSNS[:5]:  # allowed writes and reads, and refusals
            assert (await gateway.register("school-a", bsn)).status_code == 201
            await gateway.client.post("/v1/children/lookup", headers=gateway.auth("ggd"),
                                      json={"bsn": bsn, "purpose": "signalering"})
            await gateway.client.post("/v1/children/lookup", headers=gateway.auth("school-a"),
                                      json={"bsn": bsn, "purpose": "afstemming-kernteam"})
        yield gateway


async def _checkpoint(gw: Gateway) -> None:
    context = gw.app.state.context
    async with context.db.engine.begin() as conn:
        assert await make_checkpoint(conn, ring=context.keys.current(), settings=gw.settings, now=datetime.now(UTC))


async def _rehash(conn: AsyncConnection) -> None:
    """What an attacker with database access but without the signing key can do: recompute every hash."""
    chain, frontier, size = EMPTY_CHAIN, list[bytes](), 0
    for row in [r async for r in records_in_order(conn)]:
        leaf = leaf_hash(content_of(row))
        chain = chain_next(chain, leaf)
        frontier = frontier_append(frontier, size, leaf)
        size += 1
        await conn.execute(text("UPDATE audit_record SET entry_hash = :e, chain_hash = :c WHERE id = :id"),
                           {"e": leaf, "c": chain, "id": row.id})
    await conn.execute(text("UPDATE audit_head SET seq = :s, chain_hash = :c, frontier = :f"),
                       {"s": size, "c": chain, "f": pack(frontier)})


async def _modify(conn: AsyncConnection) -> None:
    await conn.execute(text("UPDATE audit_record SET organisation_id = 'leerplicht' WHERE seq = 4"))


async def _modify_and_rehash(conn: AsyncConnection) -> None:
    await conn.execute(text("UPDATE audit_record SET outcome = 'allowed', reasons = '' WHERE outcome = 'denied'"))
    await _rehash(conn)


async def _delete(conn: AsyncConnection) -> None:
    await conn.execute(text("DELETE FROM audit_record WHERE seq = 6"))


async def _delete_renumber_rehash(conn: AsyncConnection) -> None:
    await conn.execute(text("DELETE FROM audit_record WHERE seq = 6"))
    await conn.execute(text("UPDATE audit_record SET seq = -seq WHERE seq > 6"))
    await conn.execute(text("UPDATE audit_record SET seq = -seq - 1 WHERE seq < 0"))
    await _rehash(conn)


async def _reorder(conn: AsyncConnection) -> None:
    await conn.execute(text("UPDATE audit_record SET seq = -1 WHERE seq = 3"))
    await conn.execute(text("UPDATE audit_record SET seq = 3 WHERE seq = 5"))
    await conn.execute(text("UPDATE audit_record SET seq = 5 WHERE seq = -1"))


async def _reorder_and_rehash(conn: AsyncConnection) -> None:
    await _reorder(conn)
    await _rehash(conn)


async def _insert_and_rehash(conn: AsyncConnection) -> None:
    await conn.execute(text("UPDATE audit_record SET seq = -seq WHERE seq >= 5"))
    await conn.execute(text("UPDATE audit_record SET seq = -seq + 1 WHERE seq < 0"))
    await conn.execute(text(
        "INSERT INTO audit_record (seq, occurred_at, request_id, trace_id, span_id, processing_activity, "
        "organisation_id, role, professional, action, outcome, reasons, fields, policy_revision, decision_input, "
        "client, entry_hash, chain_hash, purged) SELECT 5, occurred_at, 'forged', trace_id, span_id, "
        "processing_activity, organisation_id, role, professional, action, 'allowed', '', fields, policy_revision, "
        "'', client, entry_hash, chain_hash, purged FROM audit_record WHERE seq = 4"))
    await _rehash(conn)


async def _truncate(conn: AsyncConnection) -> None:
    await conn.execute(text("DELETE FROM audit_record WHERE seq > 10"))


async def _truncate_and_rewind_head(conn: AsyncConnection) -> None:
    await _truncate(conn)
    await _rehash(conn)


async def _empty_without_purge_record(conn: AsyncConnection) -> None:
    await conn.execute(text("UPDATE audit_record SET purged = TRUE, organisation_id = '', professional = '' "
                            "WHERE seq = 2"))


async def _forge_checkpoint(conn: AsyncConnection) -> None:
    row = (await conn.execute(checkpoint_table.select())).first()
    assert row is not None
    statement = json.loads(row.statement)
    statement["tree_size"] -= 1
    await conn.execute(text("UPDATE audit_checkpoint SET statement = :s"), {"s": json.dumps(statement)})


TAMPERING: dict[str, Callable[[AsyncConnection], Awaitable[None]]] = {
    "modify": _modify, "modify-and-rehash": _modify_and_rehash, "delete": _delete,
    "delete-renumber-rehash": _delete_renumber_rehash, "reorder": _reorder,
    "reorder-and-rehash": _reorder_and_rehash, "insert-and-rehash": _insert_and_rehash, "truncate": _truncate,
    "truncate-and-rewind-head": _truncate_and_rewind_head, "empty-without-purge-record": _empty_without_purge_record,
    "forge-checkpoint": _forge_checkpoint,
}


async def test_every_kind_of_tampering_is_detected_and_the_true_log_verifies(gw: Gateway) -> None:
    await _checkpoint(gw)
    engine = gw.app.state.context.db.engine
    async with engine.connect() as conn:
        report = await gw.audit_report(conn)
    assert report.ok, report.findings
    assert report.records == report.covered == 15 and report.checkpoints == 1
    detected: dict[str, list[str]] = {}
    for name, tamper in TAMPERING.items():
        async with engine.connect() as conn:
            transaction = await conn.begin()
            await tamper(conn)
            detected[name] = (await gw.audit_report(conn)).findings
            await transaction.rollback()
    print("\n".join(f"{name}: {findings[0]}" for name, findings in detected.items() if findings))
    assert all(detected.values()), {name for name, findings in detected.items() if not findings}
    print(f"tampering detected: {sum(map(bool, detected.values()))}/{len(TAMPERING)}")
    async with engine.connect() as conn:  # every rollback left the true log
        assert (await gw.audit_report(conn)).ok


async def test_proofs_over_the_api_verify_against_the_signed_checkpoints(gw: Gateway) -> None:
    await _checkpoint(gw)
    first = (await gw.client.get("/v1/audit/checkpoints/latest")).json()
    jwks = (await gw.client.get("/v1/webhooks/jwks")).json()
    size, root, _ = verify_checkpoint(first, jwks)
    for seq in (1, 7, size):
        proof = (await gw.client.get("/v1/audit/proofs/inclusion", params={"seq": seq, "tree_size": size})).json()
        assert verify_inclusion(unb64url(proof["leaf_hash"]), seq - 1, size, [unb64url(p) for p in proof["proof"]],
                                root)
    await gw.register("school-b", BSNS[5])  # the log grows; the new checkpoint extends the old one
    await _checkpoint(gw)
    second = (await gw.client.get("/v1/audit/checkpoints/latest")).json()
    new_size, new_root, _ = verify_checkpoint(second, jwks)
    assert new_size > size
    proof = (await gw.client.get("/v1/audit/proofs/consistency", params={"first": size, "second": new_size})).json()
    assert verify_consistency(size, new_size, [unb64url(p) for p in proof["proof"]], root, new_root)
    assert len((await gw.client.get("/v1/audit/checkpoints")).json()) == 2
    bad = await gw.client.get("/v1/audit/proofs/inclusion", params={"seq": 5, "tree_size": new_size + 100})
    assert bad.status_code == 400 and bad.json()["code"] == "proof-out-of-range"




async def test_the_log_keeps_its_name_and_a_checkpoint_naming_another_log_is_detected(gw: Gateway) -> None:
    """The log is named by its first checkpoint. A gateway now configured at another address signs on under that
    name; a checkpoint naming another log (that operator's other region, say) does not pass, even signed with
    this gateway's key."""
    await _checkpoint(gw)
    await gw.register("school-b", BSNS[5])
    context = gw.app.state.context
    moved = gw.settings.model_copy(update={"public_url": "http://127.0.0.1:9999"})
    async with context.db.engine.begin() as conn:
        made = await make_checkpoint(conn, ring=context.keys.current(), settings=moved, now=datetime.now(UTC))
    assert made is not None and made["statement"]["log"] == log_id(gw.settings) != log_id(moved)
    assert (await gw.audit_report()).ok

    await gw.register("school-b", BSNS[6])
    async with context.db.engine.begin() as conn:
        head = (await conn.execute(select(audit_head))).one()
        body = statement(log="https://inbeeld.andere-regio.test/v1/audit", tree_size=head.seq,
                         root=frontier_root(unpack(head.frontier)), chain_head=head.chain_hash,
                         timestamp=datetime.now(UTC))
        kid, key = context.keys.current().signing[-1]
        await conn.execute(insert(checkpoint_table).values(
            tree_size=head.seq, statement=json.dumps(body), key_id=kid, signature=sign_canonical(body, key),
            signed_at=datetime.now(UTC)))
    report = await gw.audit_report()
    assert report.findings == [f"checkpoint {head.seq} belongs to another log"]
    assert report.log == log_id(gw.settings)
