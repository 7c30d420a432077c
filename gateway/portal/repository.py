"""The portal's own SQL (Core): when each person last visited, and the organisations' names."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.organisations.models import Organisation

from .models import PortalVisit

visit = PortalVisit.__table__  # type: ignore[attr-defined]
organisation = Organisation.__table__  # type: ignore[attr-defined]


async def record_visit(conn: AsyncConnection, person: str, now: datetime) -> datetime | None:
    """Store this visit; returns the previous one."""
    previous: datetime | None = await conn.scalar(select(visit.c.seen_at).where(visit.c.person == person))
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(insert(visit).values(person=person, seen_at=now).on_conflict_do_update(
        index_elements=["person"], set_={"seen_at": now}))
    return previous


async def organisation_names(conn: AsyncConnection) -> dict[str, str]:
    return {row.id: row.name for row in await conn.execute(select(organisation.c.id, organisation.c.name))}
