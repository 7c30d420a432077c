"""The file lock SQLite writers queue on (gateway/core/sqlite_driver.py): writers of several engines (as of several
worker processes) take turns, the lock is let go after every commit and rollback, a holder that never lets go
delays a writer by at most WRITER_WAIT_SECONDS, a writer that is not ours never stalls the event loop, and the WAL
reaches the database file by the driver's own checkpoints."""

import asyncio
import fcntl
import itertools
import os
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.core import sqlite_driver
from gateway.core.db import Database

pytestmark = pytest.mark.anyio


async def _database(path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{path}")
    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT)"))
    return db


async def test_writers_of_two_engines_take_turns(tmp_path: Path) -> None:
    first, second = await _database(tmp_path / "db.sqlite"), await _database(tmp_path / "db.sqlite")
    try:
        async with first.engine.begin() as holder:
            await holder.execute(text("INSERT INTO t (who) VALUES ('first')"))
            waiting = asyncio.create_task(_insert(second, "second"))
            await asyncio.sleep(0.3)
            assert not waiting.done()  # it waits for the first writer
        await asyncio.wait_for(waiting, timeout=5)  # and goes on once the first committed
        async with first.reading() as conn:
            assert [r.who for r in await conn.execute(text("SELECT who FROM t ORDER BY n"))] == ["first", "second"]
        for _ in range(3):  # a rollback lets go as well
            async with first.engine.connect() as conn:
                await conn.execute(text("INSERT INTO t (who) VALUES ('undone')"))
                await conn.rollback()
            await asyncio.wait_for(_insert(second, "after a rollback"), timeout=5)
    finally:
        await first.dispose()
        await second.dispose()


async def _insert(db: Database, who: str) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": who})


async def test_a_holder_that_never_lets_go_delays_a_writer_only_so_long(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_driver, "WRITER_WAIT_SECONDS", 0.3)
    db = await _database(tmp_path / "db.sqlite")
    stuck = os.open(f"{tmp_path / 'db.sqlite'}-writer.lock", os.O_RDWR)
    fcntl.flock(stuck, fcntl.LOCK_EX)  # held by no connection of the gateway's: SQLite itself is free
    try:
        await asyncio.wait_for(_insert(db, "through"), timeout=5)
        async with db.reading() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM t WHERE who = 'through'")) == 1
    finally:
        os.close(stuck)
        await db.dispose()


async def test_a_foreign_writer_never_stalls_the_event_loop(tmp_path: Path) -> None:
    """A writer outside the gateway holds SQLite's lock but not the file lock: the gateway's writer waits for it in
    aiosqlite's thread (SQLite's busy wait), and the event loop goes on meanwhile."""
    db = await _database(tmp_path / "db.sqlite")
    foreign = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    foreign.execute("BEGIN IMMEDIATE")
    try:
        writing = asyncio.create_task(_insert(db, "after the foreign writer"))
        ticks, started = 0, time.monotonic()
        while time.monotonic() - started < 0.5:  # the loop keeps turning while the writer waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks >= 20 and not writing.done()
        foreign.rollback()
        await asyncio.wait_for(writing, timeout=5)
        async with db.reading() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM t")) == 1
    finally:
        foreign.close()
        await db.dispose()


async def test_the_wal_reaches_the_database_file_by_the_drivers_checkpoints(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_driver, "CHECKPOINT_EVERY", 5)
    monkeypatch.setattr(sqlite_driver, "_commits", itertools.count(1))
    db = await _database(tmp_path / "db.sqlite")  # its CREATE TABLE was commit 1

    def in_database_file() -> int | None:  # the rows the database file holds, without the WAL (None: no table)
        with sqlite3.connect(f"file:{tmp_path / 'db.sqlite'}?immutable=1", uri=True) as file:
            if file.execute("SELECT 1 FROM sqlite_master WHERE name = 't'").fetchone() is None:
                return None
            return int(file.execute("SELECT count(*) FROM t").fetchone()[0])

    try:
        for n in range(3):
            await _insert(db, f"row {n}")  # commits 2-4: in the WAL only (no checkpoint by SQLite in the loop)
        assert in_database_file() is None
        await _insert(db, "row 3")  # commit 5: checkpointed after it, on the driver's own thread
        for _ in range(100):  # bounded: 5 s; read the file only once the checkpoint no longer writes it
            if str(tmp_path / "db.sqlite") not in sqlite_driver._checkpointing:
                break
            await asyncio.sleep(0.05)
        assert in_database_file() == 4
    finally:
        await db.dispose()
