from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import Organisation

organisation = Organisation.__table__  # type: ignore[attr-defined]


async def exists(conn: AsyncConnection, organisation_id: str) -> bool:
    return await conn.scalar(select(organisation.c.id).where(organisation.c.id == organisation_id)) is not None


async def add(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(insert(organisation).values(**values))


async def type_of(conn: AsyncConnection, organisation_id: str) -> str | None:
    found = await conn.scalar(select(organisation.c.type).where(organisation.c.id == organisation_id))
    return str(found) if found is not None else None
