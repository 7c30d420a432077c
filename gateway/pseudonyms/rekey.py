"""Re-keying the index after `inbeeld keys rotate`, in batches, while the gateway serves.

Each stored index key is lifted to the newest key generation by one more HMAC (no BSN needed).
Lookups meanwhile try every generation, so no child goes missing half-way. If a child was
registered afresh under the new key before its old row was lifted (a race of milliseconds),
the two rows are merged: the old row's involvements move to the new one.
"""

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from gateway.core.db import Database
from gateway.core.keys import KeyRingSource
from gateway.index.models import Child, Involvement

from .service import rekey_step

child = Child.__table__  # type: ignore[attr-defined]
involvement = Involvement.__table__  # type: ignore[attr-defined]


async def rekey(db: Database, keys: KeyRingSource, *, batch: int = 1000) -> int:
    newest = keys.current().pseudonym[-1].kid
    lifted = 0
    while True:
        async with db.engine.begin() as conn:
            rows = (await conn.execute(
                select(child.c.id, child.c.index_key, child.c.key_id)
                .where(child.c.key_id != newest).order_by(child.c.id).limit(batch))).all()
            for row in rows:
                kid, value = rekey_step(keys, row.key_id, row.index_key)
                try:
                    async with conn.begin_nested():
                        await conn.execute(update(child).where(
                            child.c.id == row.id, child.c.key_id == row.key_id).values(index_key=value, key_id=kid))
                except IntegrityError:
                    survivor = await conn.scalar(select(child.c.id).where(child.c.index_key == value))
                    await conn.execute(update(involvement).where(
                        involvement.c.child_id == row.id).values(child_id=survivor))
                    await conn.execute(delete(child).where(child.c.id == row.id))
        lifted += len(rows)
        if len(rows) < batch:
            return lifted
