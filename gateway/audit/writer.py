"""Group commit for requests whose only write is their audit record: reads, lookups and refusals.

Such a request hands its record to the writer and waits. The writer appends every record that is waiting at that
moment in one transaction, commits, and only then releases each request with its record's position, or with a
503 when the log could not be written. The answer still goes out after its record is committed and the chain
stays gapless (one writer per process; between processes and replicas the head row's lock orders the batches).
One commit serves many requests, and no request holds SQLite's write lock while it decides.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.db import IN_REQUEST_TRANSACTION, Database
from gateway.core.errors import InbeeldError

from .repository import append, append_many, append_many_direct


@dataclass(frozen=True, slots=True)
class Refusal:
    """The audit record of a refusal, written after the request's rollback (`Database.request_transaction`) or,
    for a request decided from a snapshot, by the writer (`AuditWriter.reading`)."""

    row: dict[str, Any]

    async def __call__(self, conn: AsyncConnection) -> None:
        await append(conn, self.row)


class AuditWriter:
    def __init__(self, db: Database, *, batch: int = 500) -> None:
        self._db = db
        self._batch = batch
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[int]]] = []
        self._running: asyncio.Task[None] | None = None

    async def append(self, row: dict[str, Any]) -> int:
        """The record's position, once it is committed."""
        if IN_REQUEST_TRANSACTION.get():  # the writer would wait for this transaction, and it for the writer
            raise RuntimeError("within a request transaction, append to the log in it (repository.append)")
        committed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiting.append((row, committed))
        if self._running is None:
            self._running = asyncio.create_task(self._write())
        return await committed

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:self._batch], self._waiting[self._batch:]
                rows = [row for row, _ in batch]
                try:
                    direct = self._db.direct_transaction()
                    if direct is None:
                        async with self._db.writing() as conn:
                            positions = await append_many(conn, rows)
                    else:
                        async with direct as raw:
                            positions = await append_many_direct(raw, rows)
                except Exception as error:  # in the append (AuditUnavailable) or at the commit (a storage error)
                    for _, committed in batch:
                        if not committed.done():  # a request given up at its deadline no longer waits
                            committed.set_exception(error)
                    continue
                for (_, committed), seq in zip(batch, positions, strict=True):
                    if not committed.done():
                        committed.set_result(seq)
        finally:
            self._running = None

    @contextlib.asynccontextmanager
    async def recording_refusals(self) -> AsyncIterator[None]:
        """For a request decided from a snapshot: a refusal raised in it has its audit record committed before
        the refusal goes on."""
        try:
            yield
        except InbeeldError as refused:
            if isinstance(refused.record_on_failure, Refusal):
                await self.append(refused.record_on_failure.row)
            raise

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """`Database.reading()` within `recording_refusals()`."""
        async with self.recording_refusals(), self._db.reading() as conn:
            yield conn

    async def close(self) -> None:
        """Wait for the records handed in so far."""
        if self._running is not None:
            await self._running
