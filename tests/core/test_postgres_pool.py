"""PostgreSQL's pooled connections: a connection used a moment ago is reused without a ping, one the server closed
is replaced before a request sees it, one idle for long is pinged; reads take no transaction."""

import psycopg
import pytest
from sqlalchemy import text

from gateway.core import db as db_module
from gateway.core.db import Database

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture
async def database(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Database:
    database = Database(postgres_url)
    pings: list[object] = []
    ping = database.engine.dialect.do_ping
    monkeypatch.setattr(database.engine.dialect, "do_ping", lambda conn: (pings.append(conn), ping(conn))[1])
    database.pings = pings  # type: ignore[attr-defined]
    yield database
    await database.dispose()


async def _backend_pid(database: Database) -> int:
    async with database.reading() as conn:
        return int(await conn.scalar(text("SELECT pg_backend_pid()")))


async def test_a_connection_in_use_is_not_pinged(database: Database) -> None:
    pids = {await _backend_pid(database) for _ in range(5)}
    assert len(pids) == 1 and database.pings == []  # type: ignore[attr-defined]


async def test_a_connection_the_server_closed_is_replaced_unseen(database: Database, postgres_url: str) -> None:
    first = await _backend_pid(database)
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (first,))  # returns once it is gone
    second = await _backend_pid(database)  # no error: the dead connection never reached a statement
    assert second != first and database.pings == []  # type: ignore[attr-defined]


async def test_an_idle_connection_is_pinged(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await _backend_pid(database)
    monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)
    assert await _backend_pid(database) == first
    assert len(database.pings) == 1  # type: ignore[attr-defined]


async def test_reads_take_no_transaction(database: Database) -> None:
    async with database.reading() as conn:
        # Within one transaction both statements would see the same transaction id.
        first = await conn.scalar(text("SELECT pg_current_xact_id()::text"))
        second = await conn.scalar(text("SELECT pg_current_xact_id()::text"))
    assert first != second


async def test_a_libpq_url_serves_asyncpg_as_it_is(postgres_url: str) -> None:
    """The setting is written for libpq (psycopg serves migrations and the CLI): its sslmode and connect_timeout
    reach asyncpg under asyncpg's names."""
    database = Database(f"{postgres_url}?sslmode=disable&connect_timeout=2")
    try:
        assert await _backend_pid(database) > 0
    finally:
        await database.dispose()
    url, connect_args = db_module.asyncpg_url(f"{postgres_url}?sslmode=verify-full&connect_timeout=2")
    assert url.drivername == "postgresql+asyncpg" and url.query == {"ssl": "verify-full"}
    assert connect_args["timeout"] == 2.0
