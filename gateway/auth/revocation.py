"""Revocation reaches live tokens: every replica re-reads the revoked clients at most once a second."""

import time

from gateway.core.db import Database

from . import repository


class RevokedClients:
    """Revoked client ids, re-read at most every `refresh_seconds`, so a revocation reaches every
    replica within that time and kills the client's live tokens."""

    def __init__(self, refresh_seconds: float) -> None:
        self._ids: set[str] = set()
        self._refresh = refresh_seconds
        self._next = 0.0

    async def contains(self, db: Database, client_id: str) -> bool:
        if time.monotonic() >= self._next:
            async with db.engine.connect() as conn:
                self._ids = await repository.revoked_client_ids(conn)
            self._next = time.monotonic() + self._refresh
        return client_id in self._ids
