"""Revocation reaches live tokens: every replica re-reads the revoked clients at most once a second."""

import asyncio
import time

from gateway.core.db import READ_ONLY, Database

from . import repository


class RevokedClients:
    """Revoked client ids, re-read at most every `refresh_seconds`, so a revocation reaches every
    replica within that time and kills the client's live tokens.

    One request refreshes while the others use the list they have: a request already holds a pooled
    connection, and many waiting for a second one at once would drain the pool.
    """

    def __init__(self, refresh_seconds: float) -> None:
        self._ids: set[str] = set()
        self._refresh = refresh_seconds
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def load(self, db: Database) -> None:
        async with db.engine.connect() as conn:
            await conn.execution_options(**READ_ONLY)
            self._ids = await repository.revoked_client_ids(conn)
        self._next = time.monotonic() + self._refresh

    async def contains(self, db: Database, client_id: str) -> bool:
        if time.monotonic() >= self._next and not self._lock.locked():
            async with self._lock:
                if time.monotonic() >= self._next:
                    await self.load(db)
        return client_id in self._ids
