"""All SQL of the routekaart."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import RoutekaartEntry

entry = RoutekaartEntry.__table__  # type: ignore[attr-defined]


async def entries(conn: AsyncConnection, region: str) -> tuple[int, list[Any]]:
    rows = list((await conn.execute(select(entry).where(entry.c.region == region).order_by(entry.c.position))).all())
    return (max(r.version for r in rows) if rows else 0), rows


async def current_version(conn: AsyncConnection, region: str) -> int:
    """Read under the write lock (PostgreSQL: the rows are locked), so two edits cannot both pass If-Match."""
    rows = await conn.execute(select(entry.c.version).where(entry.c.region == region).with_for_update())
    return max((r.version for r in rows), default=0)


async def replace(conn: AsyncConnection, *, region: str, values: Sequence[dict[str, Any]], version: int,
                  by: str, now: datetime) -> None:
    await conn.execute(delete(entry).where(entry.c.region == region))
    if values:
        await conn.execute(insert(entry), [{**v, "region": region, "position": n, "version": version,
                                            "updated_at": now, "updated_by": by} for n, v in enumerate(values)])


async def count(conn: AsyncConnection, region: str) -> int:
    return int(await conn.scalar(select(func.count()).select_from(entry).where(entry.c.region == region)) or 0)
