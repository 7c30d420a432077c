"""Group commit (gateway/audit/writer.py): many reads at once share a commit, and still each answer goes out only
after its own record is committed, the log stays gapless and verifiable, and a batch that cannot be written
answers 503 to every request in it, disclosing nothing."""

import asyncio

import pytest

from gateway.audit.service import AuditEntry
from gateway.auth.tokens import Caller
from gateway.context import RequestMeta
from gateway.core.vocabulary import OrgType, Role
from tests.fixtures.gateway import BSNS, Gateway, problem
from tests.fixtures.outages import unwritable_audit_log

pytestmark = pytest.mark.anyio


async def _lookups(gateway: Gateway, count: int, prefix: str, children: int = 1) -> list[tuple[str, int, str]]:
    """`count` lookups at once of the first `children` BSNs, each with its own request id: (request id, status,
    body)."""

    async def one(i: int) -> tuple[str, int, str]:
        request_id = f"{prefix}-{i:04d}"
        response = await gateway.client.post(
            "/v1/children/lookup", json={"bsn": BSNS[i % children], "purpose": "signalering"},
            headers={**gateway.auth("school-a"), "X-Request-ID": request_id})
        # Read on another connection at once: the record is there when the answer is.
        if response.status_code == 200:
            assert await gateway.rows("SELECT seq FROM audit_record WHERE request_id = :r", r=request_id)
        return request_id, response.status_code, response.text

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def test_reads_at_once_share_commits_and_each_has_its_record(gateway: Gateway) -> None:
    for bsn in BSNS[:3]:
        assert (await gateway.register("school-a", bsn)).status_code == 201
    before = await gateway.count("audit_record")
    answers = await _lookups(gateway, 60, "together", children=3)
    assert [status for _, status, _ in answers] == [200] * 60
    records = await gateway.rows("SELECT request_id, seq FROM audit_record WHERE request_id LIKE 'together-%'")
    assert sorted(r.request_id for r in records) == sorted(rid for rid, _, _ in answers)  # one each
    seqs = [r.seq for r in await gateway.rows("SELECT seq FROM audit_record ORDER BY seq")]
    assert seqs == list(range(1, before + 61))
    report = await gateway.audit_report()
    assert report.ok, report.findings


async def test_a_batch_that_cannot_be_written_refuses_every_request_in_it(gateway: Gateway) -> None:
    assert (await gateway.register("school-a", BSNS[0])).status_code == 201
    records = await gateway.count("audit_record")
    async with unwritable_audit_log(gateway):
        answers = await _lookups(gateway, 30, "refused")
    for _, status, text in answers:
        assert status == 503 and "child_ref" not in text
    assert await gateway.count("audit_record") == records
    again = await _lookups(gateway, 5, "after")  # the writer goes on once the log can be written
    assert [status for _, status, _ in again] == [200] * 5
    seqs = [r.seq for r in await gateway.rows("SELECT seq FROM audit_record ORDER BY seq")]
    assert seqs == list(range(1, records + 6))


async def test_a_refusal_decided_from_a_snapshot_is_recorded_before_it_is_answered(gateway: Gateway) -> None:
    response = await gateway.client.post("/v1/children/lookup", headers={**gateway.auth("ggd"),
                                                                         "X-Request-ID": "refused-ggd-1"},
                                         json={"bsn": BSNS[1], "purpose": "signalering"})
    assert response.status_code in (403, 404)
    problem(response, response.status_code, response.json()["code"])
    [record] = await gateway.rows("SELECT outcome FROM audit_record WHERE request_id = 'refused-ggd-1'")
    assert record.outcome in ("denied", "not-found")


async def test_the_writer_is_never_awaited_inside_a_request_transaction(gateway: Gateway) -> None:
    """It would wait for that transaction (SQLite's write lock, PostgreSQL's head row), which waits for it."""
    context = gateway.app.state.context
    caller = Caller(organisation_id="school-a", organisation_type=OrgType.school, role=Role.intern_begeleider,
                    professional="p")
    entry = AuditEntry.of(caller, RequestMeta(request_id="guard-0001", client="test"), "child.lookup", None)
    async with context.db.request_transaction():
        with pytest.raises(RuntimeError, match="request transaction"):
            await context.audit.append(entry.row(now=context.clock(), outcome="allowed"))
    assert not await gateway.rows("SELECT seq FROM audit_record WHERE request_id = 'guard-0001'")


@pytest.mark.postgres
async def test_on_postgres_a_batch_past_sqlalchemy_writes_what_append_many_writes(postgres_url: str) -> None:
    """The writer's batch on asyncpg's own connection (`append_many_direct`): the same columns and times as
    SQLAlchemy's insert, chained onto the records before it (the log verifies across both)."""
    from datetime import UTC, datetime, timedelta, timezone

    from gateway.audit.repository import append_many
    from gateway.audit.verify import verify_stored
    from gateway.audit.writer import AuditWriter
    from gateway.core.db import Database

    db = Database(postgres_url)
    amsterdam = datetime(2026, 12, 7, 10, 30, 0, 123456, tzinfo=timezone(timedelta(hours=1)))
    rows = [{"occurred_at": amsterdam, "request_id": f"r{i}", "organisation_id": "ggd", "role": "jeugdarts",
             "professional": "p", "action": "child.lookup", "child_id": i or None, "purpose": "signalering",
             "basis": None, "outcome": "allowed", "decision_input": '{"a": "é"}', "span_id": "s" * 16,
             "trace_id": "", "processing_activity": "pa", "reasons": "", "fields": "status", "policy_revision": "v",
             "client": "127.0.0.1"}
            for i in range(3)]
    try:
        async with db.writing() as conn:
            await append_many(conn, rows)
        writer = AuditWriter(db)
        assert await asyncio.gather(*(writer.append({**row, "request_id": f"d{i}"})
                                      for i, row in enumerate(rows))) == [4, 5, 6]
        assert db.direct_transaction() is not None
        async with db.reading() as conn:
            stored = [dict(r._mapping) for r in
                      (await conn.exec_driver_sql("SELECT * FROM audit_record ORDER BY seq")).all()]
            report = await verify_stored(conn, {})
        assert report.ok and report.records == 6, report.findings
        for by_sqlalchemy, direct in zip(stored[:3], stored[3:], strict=True):
            differ = {k for k in by_sqlalchemy if by_sqlalchemy[k] != direct[k]}
            assert differ == {"id", "seq", "request_id", "entry_hash", "chain_hash"}
        assert stored[3]["occurred_at"] == amsterdam.astimezone(UTC) and stored[3]["purged"] is False
        assert stored[3]["child_id"] is None
    finally:
        await db.dispose()
