"""Reads on a request's hot path, past SQLAlchemy's async layer.

`AsyncConnection` runs each statement, checkout and release in a greenlet switch of its own; in a request's deep
stack these cost ~0.2 ms on SQLite (40 times an indexed read) and ~0.25 ms on PostgreSQL. A `Query` is a Core
SELECT compiled once per dialect; `Database.fetch` runs it on a connection of the driver's own, converting the
values bound and the columns read with the columns' own types, so its rows equal those of `execute` (tested).
Each statement reads from a snapshot of its own, as `Database.reading` does.
"""

import asyncio
import contextlib
import sqlite3
from collections import namedtuple
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Dialect, Select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError


@dataclass(frozen=True, slots=True)
class Compiled:
    sql: str
    binds: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # each placeholder's parameter, in order
    row: type  # a named tuple of the selected columns
    results: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(values[name] if bind is None else bind(values[name]) for name, bind in self.binds)

    def rows(self, raw: list[tuple[Any, ...]]) -> list[Any]:
        results = self.results
        return [self.row(*(value if convert is None else convert(value)
                           for value, convert in zip(row, results, strict=True))) for row in raw]


class Query:
    """A Core SELECT for `Database.fetch`. No expanding (IN) parameters."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._compiled: dict[str, Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            binds = tuple((name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                          for name in compiled.positiontup or [])
            columns = list(self.statement.selected_columns)
            found = self._compiled[dialect.name] = Compiled(
                compiled.string, binds, namedtuple("Row", [str(c.key) for c in columns], rename=True),
                tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns))
        return found


class DirectReads(Protocol):
    async def fetch(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...

    async def close(self) -> None: ...


class SqliteReads:
    """One read-only connection, used from the event loop's thread only: a read runs to its last row without an
    await, so no two requests use it at once (and SQLite's page cache serves them all)."""

    def __init__(self, path: str, configure: Callable[[sqlite3.Connection, Any], None]) -> None:
        self._path = path
        self._configure = configure
        self._conn: sqlite3.Connection | None = None

    def connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            self._configure(conn, None)
            conn.execute("PRAGMA query_only=ON")
            self._conn = conn
        return self._conn

    async def fetch(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            return self.connection().execute(sql, args).fetchall()
        except sqlite3.Error as error:
            raise DBAPIError.instance(sql, None, error, sqlite3.Error) from None

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class AsyncpgReads:
    """asyncpg's own pool, opened at the first read; the audit writer's batches use it too (`transaction`). As
    for SQLAlchemy's (`db._check_before_use`), a connection the server closed is replaced before a read sees it;
    one idle for long is closed rather than pinged. A release sends nothing (asyncpg's default resets the session
    by a round trip; these connections change nothing in it)."""

    def __init__(self, url: URL, *, connect: Callable[..., Awaitable[Any]], timeout: float, idle_seconds: float,
                 closed: Callable[[Any], bool], size: int = 10) -> None:
        self._url, self._connect, self._timeout, self._idle = url, connect, timeout, idle_seconds
        self._closed, self._size = closed, size
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def _opened(self) -> Any:
        async with self._opening:
            if self._pool is None:
                import asyncpg

                url = self._url
                self._pool = await asyncpg.create_pool(
                    host=url.host, port=url.port, user=url.username, password=url.password, database=url.database,
                    **dict(url.query), timeout=self._timeout, connect=self._connect, min_size=0,
                    max_size=self._size, max_inactive_connection_lifetime=self._idle, reset=_keep_session)
        return self._pool

    async def fetch(self, sql: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        try:
            pool = self._pool or await self._opened()
            conn = await self._acquire(pool)
            try:
                return [tuple(row) for row in await conn.fetch(sql, *args)]
            finally:
                await pool.release(conn)
        except asyncpg_errors() as error:
            raise DBAPIError.instance(sql, None, error, Exception) from None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """A connection of the pool in a transaction: committed when the block ends, rolled back when it raises.
        A driver error, in the block or at the commit, is a `DBAPIError` (503)."""
        try:
            pool = self._pool or await self._opened()
            conn = await self._acquire(pool)
            try:
                async with conn.transaction():
                    yield conn
            finally:
                if conn.is_in_transaction():  # the rollback did not reach the server: no one gets this session
                    conn.terminate()
                await pool.release(conn)
        except asyncpg_errors() as error:
            raise DBAPIError.instance("transaction", None, error, Exception) from None

    async def _acquire(self, pool: Any) -> Any:
        for _ in range(self._size + 1):  # each one closed is replaced by a new connection
            conn = await pool.acquire(timeout=self._timeout)
            if not self._closed(conn):
                return conn
            conn.terminate()
            await pool.release(conn)
        raise ConnectionError("no open connection to PostgreSQL")

    async def close(self) -> None:
        if self._pool is not None:
            try:
                await asyncio.wait_for(self._pool.close(), self._timeout)
            except TimeoutError:
                self._pool.terminate()
            self._pool = None


def asyncpg_errors() -> tuple[type[BaseException], ...]:
    """What asyncpg raises when the database refuses, breaks off or does not answer: a storage error (503)."""
    import asyncpg

    return asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError


async def _keep_session(_conn: Any) -> None:
    pass
