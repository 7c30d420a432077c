"""All SQL of the case index, in SQLAlchemy Core (no ORM object loading on these paths)."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.core.vocabulary import AttendanceStatus, LegalBasis, Role
from gateway.organisations.models import Organisation

from .models import Child, Involvement

child = Child.__table__  # type: ignore[attr-defined]
involvement = Involvement.__table__  # type: ignore[attr-defined]
organisation = Organisation.__table__  # type: ignore[attr-defined]


async def find_child_id(session: AsyncSession, index_keys: Sequence[bytes]) -> int | None:
    found = await session.scalar(select(child.c.id).where(child.c.index_key.in_(index_keys)).limit(1))
    return int(found) if found is not None else None


async def find_or_create_child(
    session: AsyncSession, *, index_keys: Sequence[bytes], key_id: str, now: datetime
) -> int:
    """`index_keys[0]` is the value under the newest key; the others find rows not yet re-keyed."""
    existing = await find_child_id(session, index_keys)
    if existing is not None:
        return existing
    try:
        async with session.begin_nested():
            new_id = await session.scalar(
                insert(child).values(index_key=index_keys[0], key_id=key_id,
                                     attendance_status=AttendanceStatus.none, created_at=now)
                .returning(child.c.id))
    except IntegrityError:  # a concurrent request created it first
        new_id = await find_child_id(session, index_keys)
    assert new_id is not None
    return int(new_id)


async def get_child(session: AsyncSession, child_id: int) -> Any:
    return (await session.execute(select(child).where(child.c.id == child_id))).first()


_involvement_columns = (
    involvement.c.id, involvement.c.organisation_id, involvement.c.professional_role,
    involvement.c.contact_point, involvement.c.since, involvement.c.until,
    organisation.c.name.label("organisation_name"), organisation.c.type.label("organisation_type"),
)


async def active_involvements(session: AsyncSession, child_id: int) -> list[Any]:
    result = await session.execute(
        select(*_involvement_columns)
        .join(organisation, organisation.c.id == involvement.c.organisation_id)
        .where(involvement.c.child_id == child_id, involvement.c.ended_at.is_(None))
        .order_by(involvement.c.since, involvement.c.created_at))
    return list(result.all())


async def insert_involvement(
    session: AsyncSession, *, child_id: int, organisation_id: str, role: Role, contact_point: str,
    since: date, until: date | None, legal_basis: LegalBasis, now: datetime,
) -> UUID:
    new_id = uuid4()
    await session.execute(insert(involvement).values(
        id=new_id, child_id=child_id, organisation_id=organisation_id, professional_role=role,
        contact_point=contact_point, since=since, until=until, legal_basis=legal_basis, created_at=now))
    return new_id


async def get_active_involvement(session: AsyncSession, involvement_id: UUID) -> Any:
    return (await session.execute(
        select(involvement).where(involvement.c.id == involvement_id, involvement.c.ended_at.is_(None))
    )).first()


async def end_involvement(session: AsyncSession, involvement_id: UUID, now: datetime) -> None:
    await session.execute(update(involvement).where(involvement.c.id == involvement_id).values(ended_at=now))


async def set_attendance(
    session: AsyncSession, *, child_id: int, status: AttendanceStatus, since: date, reported_by: str
) -> None:
    await session.execute(update(child).where(child.c.id == child_id).values(
        attendance_status=status, attendance_since=since, attendance_reported_by=reported_by))


async def set_regisseur(session: AsyncSession, *, child_id: int, organisation_id: str) -> None:
    await session.execute(update(child).where(child.c.id == child_id).values(regisseur_id=organisation_id))


async def organisation_summaries(session: AsyncSession, ids: Sequence[str]) -> dict[str, Any]:
    if not ids:
        return {}
    rows = await session.execute(
        select(organisation.c.id, organisation.c.name, organisation.c.type).where(organisation.c.id.in_(ids)))
    return {row.id: row for row in rows}


async def is_involved(session: AsyncSession, child_id: int, organisation_id: str) -> bool:
    found = await session.scalar(select(involvement.c.id).where(
        involvement.c.child_id == child_id, involvement.c.organisation_id == organisation_id,
        involvement.c.ended_at.is_(None)).limit(1))
    return found is not None


async def organisations_with_webhooks(session: AsyncSession, ids: Sequence[str]) -> dict[str, Any]:
    if not ids:
        return {}
    rows = await session.execute(select(
        organisation.c.id, organisation.c.name, organisation.c.type, organisation.c.contact_point,
        organisation.c.webhook_url).where(organisation.c.id.in_(ids)))
    return {row.id: row for row in rows}
