"""A hot-path `Query` read by `Database.fetch` (on SQLite, on a connection of its own, past SQLAlchemy's async layer)
gives exactly the rows that `AsyncConnection.execute` gives, sees every commit at once, and fails as a storage
error (503), never as something else."""

import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from consent.models import Consent
from gateway.core.db import Database, _sqlite_pragmas, fetch, migrate
from gateway.core.direct_reads import Query, SqliteReads
from gateway.core.vocabulary import AttendanceStatus, LegalBasis, Role
from gateway.index.models import Child, Involvement
from gateway.index.repository import _FIND_WITH_BASIS_BY_KEY, find_child_with_basis
from gateway.organisations.models import Organisation
from tests.fixtures.outages import tcp_proxy

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
KEY = b"\x01" * 32


async def _seed(db: Database) -> UUID:
    organisation, child, involvement = (t.__table__ for t in (Organisation, Child, Involvement))  # type: ignore
    async with db.engine.begin() as conn:
        await conn.execute(insert(organisation), [
            {"id": org, "name": org, "type": "school", "identifier": "00AA", "region": "r", "contact_point": "c",
             "created_at": NOW} for org in ("school-a", "ggd")])
        await conn.execute(insert(child), {"id": 7, "index_key": KEY, "key_id": "k1",
                                           "attendance_status": AttendanceStatus.none, "created_at": NOW})
        await conn.execute(insert(involvement), {
            "id": uuid4(), "child_id": 7, "organisation_id": "school-a", "professional_role": Role.zorgcoordinator,
            "contact_point": "c", "since": date(2026, 9, 1), "legal_basis": LegalBasis.verwijsindex,
            "created_at": NOW})
    return await _consent(db, "ggd", date(2026, 10, 1), None)


async def _consent(db: Database, recipient: str, since: date, until: date | None) -> UUID:
    consent_id = uuid4()
    async with db.engine.begin() as conn:
        await conn.execute(insert(Consent.__table__), {  # type: ignore[attr-defined]
            "id": consent_id, "child_id": 7, "purpose": "zorgcoordinatie", "recipient_id": recipient,
            "valid_from": since, "valid_until": until, "status": "given", "created_at": NOW})
    return consent_id


async def test_a_query_gives_the_rows_that_execute_gives(database_url: str) -> None:
    migrate(database_url)
    db = Database(database_url)
    try:
        consent_id = await _seed(db)
        for organisation in ("ggd", "school-a", "nobody"):
            params = {"key": KEY, "organisation_id": organisation}
            async with db.reading() as conn:
                expected = (await conn.execute(_FIND_WITH_BASIS_BY_KEY.statement, params)).all()
            rows = await db.fetch(_FIND_WITH_BASIS_BY_KEY, params)
            assert [tuple(r) for r in rows] == [tuple(r) for r in expected] and len(rows) == 1
            assert [type(v) for v in rows[0]] == [type(v) for v in expected[0]]
        assert await find_child_with_basis(db, [KEY], "ggd") == (7, False, rows := await db.fetch(
            _FIND_WITH_BASIS_BY_KEY, {"key": KEY, "organisation_id": "ggd"}))
        assert rows[0].consent_id == consent_id and rows[0].valid_from == date(2026, 10, 1)
        assert rows[0].valid_until is None and rows[0].caller_involved is False
        assert (await find_child_with_basis(db, [KEY], "school-a"))[:2] == (7, True)
        assert await db.fetch(_FIND_WITH_BASIS_BY_KEY, {"key": b"\x02" * 32, "organisation_id": "ggd"}) == []

        # A commit made elsewhere is seen by the very next read: no snapshot is kept between reads.
        second = await _consent(db, "ggd", date(2026, 11, 1), date(2027, 11, 1))
        found = await find_child_with_basis(db, [KEY], "ggd")
        assert sorted(r.consent_id for r in found[2]) == sorted([consent_id, second])
        assert {r.valid_until for r in found[2]} == {None, date(2027, 11, 1)}
        async with db.reading() as conn:  # in a connection (a request transaction's), the same answer
            assert await find_child_with_basis(conn, [KEY], "ggd") == found
    finally:
        await db.dispose()


async def test_a_failing_direct_read_is_a_storage_error(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}"
    migrate(url)
    db = Database(url)
    try:
        await _seed(db)
        async with db.engine.begin() as conn:  # the table goes away under the reader
            await conn.exec_driver_sql("DROP TABLE consent_receipt")
            await conn.exec_driver_sql("DROP TABLE consent")
        with pytest.raises(DBAPIError):
            await db.fetch(_FIND_WITH_BASIS_BY_KEY, {"key": KEY, "organisation_id": "ggd"})
        child = Child.__table__  # type: ignore[attr-defined]
        assert [tuple(r) for r in await fetch(db, Query(select(child.c.id)), {})] == [(7,)]  # and on it goes
        with pytest.raises(DBAPIError, match="readonly"):  # its connection reads only
            await SqliteReads(str(tmp_path / "inbeeld.db"), _sqlite_pragmas).fetch("DELETE FROM child", ())
    finally:
        await db.dispose()


def _direct_transaction(db: Database) -> Any:
    transaction = db.direct_transaction()
    assert transaction is not None
    return transaction


PID = Query(select(func.pg_backend_pid().label("pid")))


@pytest.mark.postgres
async def test_a_postgres_connection_the_server_closed_is_replaced_unseen(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        [(first,)] = await db.fetch(PID, {})
        assert await db.fetch(PID, {}) == [(first,)]  # kept in the pool
        with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (first,))
        [(second,)] = await db.fetch(PID, {})  # no error: the dead connection never reached a statement
        assert second != first
    finally:
        await db.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("outage", ["stopped", "silent"])
async def test_postgres_reads_fail_as_storage_errors_within_seconds_and_recover(postgres_url: str,
                                                                                outage: str) -> None:
    with tcp_proxy(5432) as proxy:
        url = make_url(postgres_url).set(port=proxy.port, query={"connect_timeout": "1"})
        db = Database(url.render_as_string(hide_password=False))
        try:
            [(first,)] = await db.fetch(PID, {})
            proxy.cut() if outage == "stopped" else proxy.silence()
            for _ in range(2):
                started = time.monotonic()
                with pytest.raises(DBAPIError):
                    await db.fetch(PID, {})
                with pytest.raises(DBAPIError):  # the audit writer's batches use the same pool
                    async with _direct_transaction(db) as conn:
                        await conn.execute("SELECT 1")
                assert time.monotonic() - started < 5
            proxy.restore()  # which closes every connection made through it
            [(again,)] = await db.fetch(PID, {})
            assert again != first
            async with _direct_transaction(db) as conn:
                assert await conn.fetchval("SELECT 1") == 1
        finally:
            await db.dispose()
