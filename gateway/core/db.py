"""Database engines and the one-commit-per-request transaction.

SQLite (WAL) is the embedded default; PostgreSQL when `INBEELD_DATABASE_URL` says so. Requests use
the async engine (asyncpg on PostgreSQL: about half psycopg's CPU per statement in asyncio); migrations
(Alembic) and the CLI use a sync engine on the same database (psycopg).
"""

import asyncio
import contextlib
import contextvars
import select
import time
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Engine, Integer, Select, TypeDecorator, create_engine, event
from sqlalchemy.dialects import registry
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from gateway.core.direct_reads import AsyncpgReads, DirectReads, Query, SqliteReads
from gateway.core.sqlite_driver import BUSY_TIMEOUT_MS

# 64-bit ids on PostgreSQL; SQLite only auto-increments an `INTEGER PRIMARY KEY`.
BigId = BigInteger().with_variant(Integer(), "sqlite")

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

registry.register("sqlite.aiosqlite_onetrip", "gateway.core.sqlite_driver", "OneTripDialect")


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes in WAL mode
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_checkpoint_by_driver(dbapi_connection: Any, _record: Any) -> None:
    # The one-trip driver commits in the event loop's thread and checkpoints in one of its own (CHECKPOINT_EVERY).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def asyncpg_url(url: str) -> tuple[URL, dict[str, Any]]:
    """A PostgreSQL URL written for libpq (`postgresql+psycopg://…?sslmode=…&connect_timeout=…`) as asyncpg's URL
    and connect arguments."""
    parsed = make_url(url)
    query = dict(parsed.query)
    if "sslmode" in query:
        query["ssl"] = query.pop("sslmode")
    # A database that is down or hangs must answer 503 within seconds, not after the OS's TCP timeout (minutes).
    timeout = float(query.pop("connect_timeout", 5))  # type: ignore[arg-type]
    return parsed.set(drivername="postgresql+asyncpg", query=query), {"timeout": timeout,
                                                                      "async_creator_fn": _connect_asyncpg}


async def _connect_asyncpg(*args: Any, **kwargs: Any) -> Any:
    """asyncpg's connect, whose refused or timed-out connection is a database error (503) like any other: SQLAlchemy
    passes such an `OSError` on unwrapped (sqlalchemy#11956)."""
    import asyncpg

    try:
        return await asyncpg.connect(*args, **kwargs)
    except (OSError, TimeoutError) as error:
        raise asyncpg.exceptions.ConnectionFailureError(f"cannot connect to PostgreSQL: {error}") from error


def sync_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return url


def _sqlite_own_transactions(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite begins a transaction only before its first INSERT/UPDATE/DELETE and never before a SAVEPOINT,
    # whose RELEASE then commits on its own: a change could be committed before its audit record. SQLAlchemy
    # emits BEGIN instead (see `_begin_immediate`).
    dbapi_connection.isolation_level = None


IN_LOOP = {"sqlite_in_loop": True}
"""Execution options for a statement that touches a few rows by index and never waits on a lock (a read, or a write
after the transaction took the write lock): on SQLite it runs in the event loop's thread, no trip to the driver's."""

READ_ONLY = {"sqlite_read_only": True}
"""Execution options for a connection that only reads, e.g. one opened while a request transaction holds the
write lock: it must not wait for that lock."""

IDLE_PING_SECONDS = 10.0
"""A pooled PostgreSQL connection idle longer than this is pinged before use (see `_check_before_use`)."""


def _begin_immediate(conn: Any) -> None:
    # Every request appends to the audit log, so every request writes: take the write lock at the start rather
    # than upgrading a read snapshot later (which SQLite refuses when another writer came in between).
    # A reader begins nothing: each statement reads a snapshot of its own (as on PostgreSQL, READ COMMITTED), and
    # no long read holds the WAL back from its checkpoint. BEGIN IMMEDIATE may wait, in the driver's thread.
    if not conn.get_execution_options().get("sqlite_read_only"):
        conn.exec_driver_sql("BEGIN IMMEDIATE", execution_options={"sqlite_in_loop": False})


def _closed_by_server(connection: Any) -> bool:
    """A session that PostgreSQL ended (restart, failover, `pg_terminate_backend`) has said so on its socket: an
    idle connection's socket has nothing to read unless it is closed. A check without a round trip, also before the
    event loop has seen that socket close (asyncpg keeps the transport private: no transport, no check)."""
    if connection.is_closed():
        return True
    transport = getattr(connection, "_transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        return False
    try:
        return bool(select.select([sock.fileno()], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _check_before_use(engine: Engine) -> None:
    """Instead of SQLAlchemy's `pool_pre_ping`, a round trip at every checkout (one or two per request): a pooled
    connection is discarded when the server closed it, and pinged only when it sat idle for a while (a connection
    a firewall forgot says nothing)."""

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _used(_dbapi_connection: Any, record: Any) -> None:
        record.info["used_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if _closed_by_server(record.driver_connection):
            raise DisconnectionError()  # the pool discards it and connects anew
        if time.monotonic() - record.info["used_at"] > IDLE_PING_SECONDS:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error as error:
                raise DisconnectionError() from error


def make_async_engine(url: str) -> AsyncEngine:
    if _is_sqlite(url):
        db_path = make_url(url).database
        if db_path:
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        # `sqlite+aiosqlite` URLs are served by the one-trip-per-statement variant of SQLAlchemy's adapter;
        # IN_LOOP statements use the connection from the loop's thread (one task uses a connection at a time).
        # Reads do not queue (only writers do): as many connections as requests read at once, kept open (a new
        # one costs a thread and a file open).
        engine = create_async_engine(make_url(url).set(drivername="sqlite+aiosqlite_onetrip"),
                                     pool_size=20, max_overflow=10,
                                     connect_args={"timeout": 10, "check_same_thread": False})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _sqlite_own_transactions)
        event.listen(engine.sync_engine, "connect", _sqlite_checkpoint_by_driver)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
        return engine
    # 20 kept open, as for SQLite: more requests than that read at once only in bursts, and a connection opened for
    # a burst (QueuePool's overflow) is closed after it, each costing a connect.
    for_asyncpg, connect_args = asyncpg_url(url)
    engine = create_async_engine(for_asyncpg, pool_size=20, max_overflow=10, pool_timeout=10, connect_args=connect_args)
    _check_before_use(engine.sync_engine)
    return engine


def direct_reads(url: str) -> DirectReads | None:
    """Where `Database.fetch` runs a `Query`: on SQLite on disk a read-only connection of its own, on PostgreSQL
    asyncpg's own pool; None (SQLAlchemy's connections) for SQLite in memory."""
    if _is_sqlite(url):
        path = make_url(url).database
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        return SqliteReads(path, _sqlite_pragmas)
    for_asyncpg, connect_args = asyncpg_url(url)
    return AsyncpgReads(for_asyncpg, connect=_connect_asyncpg, timeout=connect_args["timeout"],
                        idle_seconds=IDLE_PING_SECONDS, closed=_closed_by_server)


def make_sync_engine(url: str) -> Engine:
    url = sync_url(url)
    if _is_sqlite(url):
        db_path = make_url(url).database
        if db_path:
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = make_sync_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


IN_REQUEST_TRANSACTION = contextvars.ContextVar("in_request_transaction", default=False)
"""Set while the current task holds a request transaction: it must not wait for a transaction of its own (the
audit writer's), which would wait for it."""


async def statements_in_loop(conn: AsyncConnection) -> None:
    """From here on, the statements of this request transaction run in the event loop's thread (SQLite; nothing
    changes on PostgreSQL). For many small writes under the write lock the transaction holds (a bulk
    registration), where a trip to the driver's thread per statement costs more than the statement. The write
    lock is taken first (by trip when another writer holds it)."""
    if conn.dialect.name == "sqlite":
        if not conn.in_transaction():
            await conn.exec_driver_sql("SELECT 1")  # autobegin: BEGIN IMMEDIATE
        await conn.execution_options(**IN_LOOP)


async def fetch(source: "AsyncConnection | Database", query: Query | Select[Any], params: Mapping[str, Any]
                ) -> list[Any]:
    """The rows, in the caller's transaction (a connection) or from a snapshot of their own (the database)."""
    if isinstance(source, Database):
        return await source.fetch(query, params)
    return list((await source.execute(query.statement if isinstance(query, Query) else query, params)).all())


class Database:
    """The async engine, held by the app. Requests use Core on an `AsyncConnection` (no ORM session:
    on these paths its bookkeeping costs more than the query)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_async_engine(url)
        # SQLite has one writer and makes the others busy-wait with growing sleeps; in this process they queue
        # here instead, first come first served.
        self._writers = asyncio.Lock() if _is_sqlite(url) else None
        # PostgreSQL (READ COMMITTED) takes a snapshot per statement, in a transaction or not: a read needs none,
        # and its BEGIN and ROLLBACK would be two round trips.
        # The options are the engine's, not set per connection: that costs a trip through SQLAlchemy's greenlet.
        self._readers = self.engine.execution_options(
            **(READ_ONLY if _is_sqlite(url) else {"isolation_level": "AUTOCOMMIT"}))
        self._direct = direct_reads(url)

    async def fetch(self, query: Query | Select[Any], params: Mapping[str, Any]) -> list[Any]:
        """The rows of a read, each statement from a snapshot of its own (as `reading`); a `Query` past
        SQLAlchemy's async layer (`direct_reads`)."""
        if self._direct is None or not isinstance(query, Query):
            async with self.reading() as conn:
                return await fetch(conn, query, params)
        compiled = query.compiled(self.engine.dialect)
        return compiled.rows(await self._direct.fetch(compiled.sql, compiled.parameters(params)))

    @contextlib.asynccontextmanager
    async def request_transaction(self) -> AsyncIterator[AsyncConnection]:
        """One transaction per request: commit when the handler returned, roll back when it raised.

        A refusal still leaves its trace: an error carrying `record_on_failure` (an audit append)
        has that written in a transaction of its own after the rollback.
        """
        holding = IN_REQUEST_TRANSACTION.set(True)
        try:
            async with self._writers or contextlib.nullcontext(), self.engine.connect() as conn:
                # The transaction begins with the first statement (autobegin), not before authentication: on
                # SQLite that is when the write lock is taken, and it is held only until the commit.
                try:
                    yield conn
                except BaseException as exc:
                    await conn.rollback()
                    record = getattr(exc, "record_on_failure", None)
                    if record is not None:
                        async with conn.begin():
                            await record(conn)
                    raise
                await conn.commit()
        finally:
            IN_REQUEST_TRANSACTION.reset(holding)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """Reads outside any request transaction: no write lock, no place in the writers' queue. For requests that
        wait on others (partner systems) between reading and writing their audit record. Each statement reads from
        a snapshot of its own, on SQLite as on PostgreSQL."""
        async with self._readers.connect() as conn:  # closing it rolls back what a read began
            yield conn

    def direct_transaction(self) -> contextlib.AbstractAsyncContextManager[Any] | None:
        """On PostgreSQL, a transaction on a connection of asyncpg's own (`AsyncpgReads.transaction`), past
        SQLAlchemy's async layer; None elsewhere."""
        return self._direct.transaction() if isinstance(self._direct, AsyncpgReads) else None

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A transaction of its own, with a place in the writers' queue (the audit writer's batches)."""
        async with self._writers or contextlib.nullcontext(), self.engine.begin() as conn:
            yield conn

    async def dispose(self) -> None:
        if self._direct is not None:
            await self._direct.close()
        await self.engine.dispose()


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every engine (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
