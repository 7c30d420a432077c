from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import Organisation

organisation = Organisation.__table__  # type: ignore[attr-defined]


async def exists(session: AsyncSession, organisation_id: str) -> bool:
    return await session.scalar(select(organisation.c.id).where(organisation.c.id == organisation_id)) is not None


async def add(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(insert(organisation).values(**values))


async def type_of(session: AsyncSession, organisation_id: str) -> str | None:
    found = await session.scalar(select(organisation.c.type).where(organisation.c.id == organisation_id))
    return str(found) if found is not None else None
