"""aiosqlite with one trip to its worker thread per statement, or none for small statements that cannot wait.

SQLAlchemy's aiosqlite adapter creates a cursor, executes, fetches and closes it in four trips to aiosqlite's
thread; on these machines a trip costs about 0.2 ms, far more than a small statement itself, and an audited request
made some thirty of them. This cursor does the four in one trip. A statement executed with the `IN_LOOP` option
(`db.py`) makes no trip at all: it runs in the event loop's thread, which suits statements that touch a few rows by
index and never wait on a lock. The connection, transactions, errors and server-side cursors stay SQLAlchemy's; the
dialect is registered as `sqlite+aiosqlite_onetrip` (see `db.py`).
"""

import sqlite3
from collections import deque
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

_Outcome = tuple[Any, list[Any], int, int | None]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """In aiosqlite's thread: the statement and all its rows."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """Holds a statement's outcome; there is no aiosqlite cursor behind it to close."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()
        self._description: Any = None
        self._rowcount: int = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    def _keep(self, outcome: _Outcome) -> None:
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = deque(rows)

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            self._keep(await self._connection._execute(_run, self._connection._conn, operation, parameters, many))

    def execute_in_loop(self, operation: Any, parameters: Any) -> None:
        """In the caller's thread; by trip when the connection is busy in aiosqlite's thread."""
        if self._adapt_connection._execute_mutex.locked():
            self.execute(operation, parameters)
            return
        async def in_loop() -> _Outcome:  # awaited, as SQLAlchemy's async layer requires of a statement
            return _run(self._connection._conn, operation, parameters, False)

        try:
            self._keep(await_(in_loop()))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(operation, seq_of_parameters, True)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def _sqlite(self) -> sqlite3.Connection | None:
        return self._connection._connection  # type: ignore[no-any-return]

    def rollback(self) -> None:
        """Nothing outside a transaction (the pool resets every connection it takes back); otherwise in the
        caller's thread, since a rollback never waits on a lock."""
        sqlite = self._sqlite()
        if sqlite is None or not sqlite.in_transaction:
            return
        if self._execute_mutex.locked():
            super().rollback()
            return
        try:
            sqlite.rollback()
        except Exception as error:
            self._handle_exception(error)

    def commit(self) -> None:
        """By trip: a commit may checkpoint the WAL into the database file."""
        sqlite = self._sqlite()
        if sqlite is not None and sqlite.in_transaction:
            super().commit()


class _OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        return OneTripConnection(self, super().connect(*arg, **kw)._connection)


class OneTripDialect(SQLiteDialect_aiosqlite):
    supports_statement_cache = True

    def do_execute(self, cursor: Any, statement: str, parameters: Any, context: Any = None) -> None:
        if context is not None and context.execution_options.get("sqlite_in_loop"):
            cursor.execute_in_loop(statement, parameters)
        else:
            cursor.execute(statement, parameters)

    def do_execute_no_params(self, cursor: Any, statement: str, context: Any = None) -> None:
        self.do_execute(cursor, statement, None, context)

    @classmethod
    def import_dbapi(cls) -> _OneTripDBAPI:
        return _OneTripDBAPI(__import__("aiosqlite"), __import__("sqlite3"))
