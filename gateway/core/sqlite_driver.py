"""aiosqlite with one trip to its worker thread per statement, or none for small statements that cannot wait.

SQLAlchemy's aiosqlite adapter creates a cursor, executes, fetches and closes it in four trips to aiosqlite's
thread; on these machines a trip costs about 0.2 ms, far more than a small statement itself, and an audited request
made some thirty of them. This cursor does the four in one trip. A statement executed with the `IN_LOOP` option
(`db.py`) makes no trip at all: it runs in the event loop's thread, which suits statements that touch a few rows by
index and never wait on a lock. A connection that writes first takes a file lock beside the database, so writers in
several worker processes queue without SQLite's sleeps; when no one holds it, the lock, BEGIN and COMMIT make no
trip either, and a thread of the driver's own checkpoints the WAL every CHECKPOINT_EVERY commits. The connection,
transactions, errors and server-side cursors stay SQLAlchemy's; the dialect is registered as
`sqlite+aiosqlite_onetrip` (see `db.py`).
"""

import concurrent.futures
import contextlib
import fcntl
import itertools
import logging
import os
import sqlite3
import threading
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


WRITER_WAIT_SECONDS = 10.0
"""How long a writer waits for the file lock before it leaves the waiting to SQLite (whose own limit then gives
'database is locked', a 503): a holder that is not one of ours, or that hangs, cannot stop a request for longer."""


def _take_writer_lock(path: str) -> int | None:
    """The file lock, as a descriptor of its own (closing it lets go), or None after WRITER_WAIT_SECONDS.

    The kernel hands a free lock to the next waiter at once. SQLite makes a waiting writer sleep 1, 2, 5, 10 … ms
    between tries, and polling does no better: two worker processes that both write all the time kept each other
    waiting (lookup p99 450-680 ms with SQLite's sleeps, 2 workers 1.1x one with polling)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        pass
    taken, decided, gave_up = threading.Event(), threading.Lock(), [False]

    def wait() -> None:  # blocks without a time limit: on a thread of its own, which may be left waiting
        fcntl.flock(fd, fcntl.LOCK_EX)
        with decided:
            if gave_up[0]:
                os.close(fd)  # the writer went on without it: let go at once
            else:
                taken.set()

    threading.Thread(target=wait, name="inbeeld-writer-lock", daemon=True).start()
    if taken.wait(WRITER_WAIT_SECONDS):
        return fd
    with decided:
        if taken.is_set():
            return fd
        gave_up[0] = True
    return None


def _begin_writing(conn: sqlite3.Connection, lock_path: str | None) -> tuple[_Outcome, int | None]:
    """In aiosqlite's thread: wait for the writers of other connections and processes, then take SQLite's lock.
    Returns the outcome and the file lock held (or None)."""
    held = _take_writer_lock(lock_path) if lock_path is not None else None
    try:
        return _run(conn, "BEGIN IMMEDIATE", None, False), held
    except BaseException:
        if held is not None:
            os.close(held)
        raise


BUSY_TIMEOUT_MS = 10_000
"""SQLite's own wait for a lock held by a connection that is not one of ours (`db.py` sets it)."""
CHECKPOINT_EVERY = 200
"""Commits between two checkpoints of the WAL into the database file. SQLite's own (at 1,000 pages) would run in
the committing thread, the event loop's; these run on a connection and thread of their own, and a PASSIVE
checkpoint waits for no reader or writer, nor they for it."""
_commits = itertools.count(1)  # per process, as checkpoints are per database file
_checkpointer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="inbeeld-checkpoint")
_checkpointing: set[str] = set()
_log = logging.getLogger(__name__)


def _checkpoint(database: str) -> None:
    try:
        with contextlib.closing(sqlite3.connect(database, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as error:  # the next one catches up; the WAL only grows meanwhile
        _log.warning("WAL checkpoint failed", extra={"error": type(error).__name__})
    finally:
        _checkpointing.discard(database)


def _checkpoint_soon(database: str) -> None:
    if database not in _checkpointing:
        _checkpointing.add(database)
        _checkpointer.submit(_checkpoint, database)


def _begin_in_loop(conn: sqlite3.Connection, lock_path: str) -> tuple[_Outcome, int] | None:
    """BEGIN IMMEDIATE in the event loop's thread when no writer holds either lock, with the file lock; None when
    one does (then `_begin_writing` waits, in aiosqlite's thread). Nothing is handed to a thread and back while the
    lock is held: under load each hand-over kept it ~1.5 ms longer, and every other worker's writer waiting."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    conn.execute("PRAGMA busy_timeout=0")  # a foreign writer (not holding the file lock) must not stall the loop
    try:
        return _run(conn, "BEGIN IMMEDIATE", None, False), fd
    except sqlite3.OperationalError as error:
        os.close(fd)
        if error.sqlite_errorcode == sqlite3.SQLITE_BUSY:
            return None
        raise
    except BaseException:
        os.close(fd)
        raise
    finally:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def _commit(conn: sqlite3.Connection, writer_lock: int | None) -> None:
    try:
        conn.commit()
    finally:  # a failed commit may have ended the transaction too (SQLITE_FULL rolls it back)
        if writer_lock is not None and not conn.in_transaction:
            os.close(writer_lock)


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
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        async with adapted._execute_mutex:
            if operation == "BEGIN IMMEDIATE":
                path = adapted.writer_lock_path
                if path is not None and (began := _begin_in_loop(self._connection._conn, path)) is not None:
                    self._keep(began[0])
                    adapted.writer_lock = began[1]
                    return
                outcome, adapted.writer_lock = await self._connection._execute(
                    _begin_writing, self._connection._conn, adapted.writer_lock_path)
                self._keep(outcome)
                return
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
    __slots__ = ("database", "writer_lock", "writer_lock_path")
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any, database: str | None) -> None:
        super().__init__(dbapi, connection)
        self.database = database
        """The database file (None for one in memory)."""
        self.writer_lock_path = f"{database}-writer.lock" if database is not None else None
        """A file beside the database, locked while a connection writes (see `_begin_writing`)."""
        self.writer_lock: int | None = None
        """This connection's hold on it, while it writes."""

    def _sqlite(self) -> sqlite3.Connection | None:
        return self._connection._connection  # type: ignore[no-any-return]

    def _release_writer_lock(self) -> None:
        if self.writer_lock is not None:
            os.close(self.writer_lock)
            self.writer_lock = None

    def rollback(self) -> None:
        """Nothing outside a transaction (the pool resets every connection it takes back); otherwise in the
        caller's thread, since a rollback never waits on a lock."""
        sqlite = self._sqlite()
        try:
            if sqlite is None or not sqlite.in_transaction:
                return
            if self._execute_mutex.locked():
                super().rollback()
                return
            try:
                sqlite.rollback()
            except Exception as error:
                self._handle_exception(error)
        finally:
            self._release_writer_lock()

    def commit(self) -> None:
        """In the caller's thread, since a commit with the write lock waits on nothing (SQLite does not checkpoint
        here, see CHECKPOINT_EVERY), and the file lock goes at once."""
        sqlite = self._sqlite()
        if sqlite is None or not sqlite.in_transaction:
            self._release_writer_lock()
            return
        try:
            if self._execute_mutex.locked():
                await_(self._connection._execute(_commit, sqlite, self.writer_lock))
            else:
                _commit(sqlite, self.writer_lock)
        except Exception as error:
            self._handle_exception(error)
        finally:
            if not sqlite.in_transaction:
                self.writer_lock = None  # closed by _commit
        if self.database is not None and next(_commits) % CHECKPOINT_EVERY == 0:
            _checkpoint_soon(self.database)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release_writer_lock()


class _OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        database = str(arg[0] if arg else kw.get("database", ""))
        connection = super().connect(*arg, **kw)._connection
        on_disk = database not in ("", ":memory:") and not database.startswith("file:")
        return OneTripConnection(self, connection, database if on_disk else None)


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
