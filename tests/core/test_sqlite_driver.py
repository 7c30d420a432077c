"""The one-trip aiosqlite cursor behaves as the DBAPI says: rows, rowcount, lastrowid, executemany, errors —
each statement is one trip to aiosqlite's thread, an IN_LOOP statement none."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gateway.core.db import IN_LOOP, READ_ONLY, Database

pytestmark = pytest.mark.anyio


async def test_statements_rows_counts_and_errors(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    try:
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
            inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
            assert inserted.lastrowid == 1 and inserted.rowcount == 1
            many = await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])
            assert many.rowcount == 2
            changed = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1 RETURNING id"))
            assert sorted(changed.scalars()) == [2, 3]
            assert (await conn.execute(text("SELECT name FROM t ORDER BY id"))).scalars().all() == ["a", "b!", "c!"]
        with pytest.raises(IntegrityError):
            async with db.engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (name) VALUES ('d')"))
                await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
        async with db.engine.connect() as conn:  # the failed transaction left nothing
            assert await conn.scalar(text("SELECT count(*) FROM t")) == 3
            await conn.rollback()
            raw = (await conn.get_raw_connection()).driver_connection
            trips: list[object] = []
            queue = raw._tx
            put = queue.put_nowait
            raw._tx = type("Counting", (), {"put_nowait": lambda _, item: (trips.append(item), put(item))[1],
                                            "get": queue.get})()
            one = text("SELECT id, name FROM t WHERE id = :i")
            try:
                await conn.rollback()  # outside a transaction: nothing to do, no trip
                assert trips == []
                assert (await conn.execute(one, {"i": 2})).one() == (2, "b!")
                assert len(trips) == 1  # BEGIN IMMEDIATE in the loop's thread (no writer holds the lock)
                await conn.rollback()
                read_only = await conn.execution_options(**READ_ONLY, **IN_LOOP)
                assert (await read_only.execute(one, {"i": 3})).one() == (3, "c!")
                await conn.rollback()
                assert len(trips) == 1  # deferred BEGIN, statement and rollback in the loop's thread
            finally:
                raw._tx = queue
    finally:
        await db.dispose()
