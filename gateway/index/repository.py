"""All SQL of the case index, in SQLAlchemy Core (no ORM object loading on these paths)."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from consent.models import Consent
from gateway.core.db import IN_LOOP, Database, fetch
from gateway.core.direct_reads import Query
from gateway.core.vocabulary import AttendanceStatus
from gateway.organisations.models import Organisation

from .models import Child, Involvement

child = Child.__table__  # type: ignore[attr-defined]
involvement = Involvement.__table__  # type: ignore[attr-defined]
organisation = Organisation.__table__  # type: ignore[attr-defined]
consent = Consent.__table__  # type: ignore[attr-defined]


# Hot-path statements are built once, with bound parameters; reads by index run in the event loop (IN_LOOP).
_FIND_CHILD = (select(child.c.id).where(child.c.index_key.in_(bindparam("keys", expanding=True))).limit(1)
               .execution_options(**IN_LOOP))
_FIND_CHILD_BY_KEY = (select(child.c.id).where(child.c.index_key == bindparam("key"))
                      .execution_options(**IN_LOOP))
_GET_CHILD = select(child).where(child.c.id == bindparam("child_id")).execution_options(**IN_LOOP)
_IS_INVOLVED = (select(involvement.c.id).where(
    involvement.c.child_id == bindparam("child_id"), involvement.c.organisation_id == bindparam("organisation_id"),
    involvement.c.ended_at.is_(None)).limit(1).execution_options(**IN_LOOP))
_SUMMARIES = (select(organisation.c.id, organisation.c.name, organisation.c.type)
              .where(organisation.c.id.in_(bindparam("ids", expanding=True))).execution_options(**IN_LOOP))


def _with_basis(key_matches: Any) -> Any:
    """The child a key names, whether the organisation is involved, and its consents (a row each, or one row
    without): what a lookup weighs, in one statement."""
    involved = select(involvement.c.id).where(
        involvement.c.child_id == child.c.id, involvement.c.organisation_id == bindparam("organisation_id"),
        involvement.c.ended_at.is_(None)).exists()
    consents = child.outerjoin(consent, (consent.c.child_id == child.c.id)
                               & (consent.c.recipient_id == bindparam("organisation_id")))
    return (select(child.c.id, involved.label("caller_involved"), consent.c.id.label("consent_id"), consent.c.purpose,
                   consent.c.status, consent.c.valid_from, consent.c.valid_until)
            .select_from(consents).where(key_matches).execution_options(**IN_LOOP))


_FIND_WITH_BASIS_BY_KEY = Query(_with_basis(child.c.index_key == bindparam("key")))
_FIND_WITH_BASIS = _with_basis(child.c.id == _FIND_CHILD.scalar_subquery())


async def find_child_with_basis(conn: AsyncConnection | Database, index_keys: Sequence[bytes],
                                organisation_id: str) -> tuple[int | None, bool, list[Any]]:
    """(child id or None, caller involved, the caller's consent rows) for the child these keys name, in the
    caller's transaction or (a database) from a snapshot of its own."""
    if len(index_keys) == 1:
        rows = await fetch(conn, _FIND_WITH_BASIS_BY_KEY, {"key": index_keys[0], "organisation_id": organisation_id})
    else:  # between two pseudonym keys (a rotation)
        rows = await fetch(conn, _FIND_WITH_BASIS, {"keys": list(index_keys), "organisation_id": organisation_id})
    if not rows:
        return None, False, []
    return int(rows[0].id), bool(rows[0].caller_involved), [r for r in rows if r.consent_id is not None]


async def find_child_id(conn: AsyncConnection, index_keys: Sequence[bytes]) -> int | None:
    if len(index_keys) == 1:  # one pseudonym key, as between rotations: no list to expand into the statement
        found = await conn.scalar(_FIND_CHILD_BY_KEY, {"key": index_keys[0]})
    else:
        found = await conn.scalar(_FIND_CHILD, {"keys": list(index_keys)})
    return int(found) if found is not None else None


async def get_child(conn: AsyncConnection, child_id: int) -> Any:
    return (await conn.execute(_GET_CHILD, {"child_id": child_id})).first()


_involvement_columns = (
    involvement.c.id, involvement.c.organisation_id, involvement.c.professional_role,
    involvement.c.contact_point, involvement.c.since, involvement.c.until, involvement.c.created_at,
    organisation.c.name.label("organisation_name"), organisation.c.type.label("organisation_type"),
)


_ACTIVE_INVOLVEMENTS = (
    select(*_involvement_columns)
    .join(organisation, organisation.c.id == involvement.c.organisation_id)
    .where(involvement.c.child_id == bindparam("child_id"), involvement.c.ended_at.is_(None))
    .order_by(involvement.c.since, involvement.c.created_at).execution_options(**IN_LOOP))


async def active_involvements(conn: AsyncConnection, child_id: int) -> list[Any]:
    return list((await conn.execute(_ACTIVE_INVOLVEMENTS, {"child_id": child_id})).all())


_ACTIVE_INVOLVEMENTS_OF = (
    select(involvement.c.child_id, *_involvement_columns)
    .join(organisation, organisation.c.id == involvement.c.organisation_id)
    .where(involvement.c.child_id.in_(bindparam("child_ids", expanding=True)), involvement.c.ended_at.is_(None))
    .order_by(involvement.c.since, involvement.c.created_at).execution_options(**IN_LOOP))
_FIND_CHILDREN = (select(child.c.id, child.c.index_key)
                  .where(child.c.index_key.in_(bindparam("keys", expanding=True))).execution_options(**IN_LOOP))


def _insert_ignoring_duplicates(conn: AsyncConnection, table: Any) -> Any:
    """INSERT … ON CONFLICT DO NOTHING: a row that a concurrent request inserted first is skipped, not an error."""
    dialect_insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return dialect_insert(table).on_conflict_do_nothing()


async def find_children(conn: AsyncConnection, index_keys: Sequence[bytes]) -> dict[bytes, int]:
    rows = await conn.execute(_FIND_CHILDREN, {"keys": list(index_keys)})
    return {bytes(row.index_key): int(row.id) for row in rows}


async def find_or_create_children(
    conn: AsyncConnection, *, index_keys: Sequence[Sequence[bytes]], key_id: str, now: datetime,
) -> list[int]:
    """The children these index keys name, in their order, created where none exists. Each item's first key is
    the value under the newest pseudonym key; the others find rows not yet re-keyed."""
    every = [k for keys in index_keys for k in keys]
    found = await find_children(conn, every) if every else {}
    missing = list(dict.fromkeys(keys[0] for keys in index_keys if not any(k in found for k in keys)))
    if missing:
        await conn.execute(_insert_ignoring_duplicates(conn, child), [
            {"index_key": k, "key_id": key_id, "attendance_status": AttendanceStatus.none, "created_at": now}
            for k in missing])
        found.update(await find_children(conn, missing))
    return [next(found[k] for k in keys if k in found) for keys in index_keys]


async def active_involvements_of(conn: AsyncConnection, child_ids: Sequence[int]) -> dict[int, list[Any]]:
    """`active_involvements` of many children."""
    found: dict[int, list[Any]] = {i: [] for i in child_ids}
    if child_ids:
        for row in await conn.execute(_ACTIVE_INVOLVEMENTS_OF, {"child_ids": list(found)}):
            found[row.child_id].append(row)
    return found


async def insert_involvements(conn: AsyncConnection, rows: list[dict[str, Any]]) -> set[UUID]:
    """The ids inserted: a row skipped is an involvement that a concurrent request registered first."""
    if not rows:
        return set()
    inserted = await conn.execute(_insert_ignoring_duplicates(conn, involvement).returning(involvement.c.id), rows)
    return {row.id for row in inserted}


async def get_active_involvement(conn: AsyncConnection, involvement_id: UUID) -> Any:
    return (await conn.execute(
        select(involvement).where(involvement.c.id == involvement_id, involvement.c.ended_at.is_(None))
    )).first()


async def end_involvement(conn: AsyncConnection, involvement_id: UUID, now: datetime) -> None:
    await conn.execute(update(involvement).where(involvement.c.id == involvement_id).values(ended_at=now))


async def record_birth(conn: AsyncConnection, *, child_id: int, until: date, birth_month: date) -> None:
    """The birth month (for leerplicht age), and when the child leaves the index: `until` (the latest date any
    partner reported counts)."""
    await conn.execute(update(child).where(child.c.id == child_id).values(birth_month=birth_month))
    await conn.execute(update(child).where(child.c.id == child_id, or_(
        child.c.retain_until.is_(None), child.c.retain_until < until)).values(retain_until=until))


async def set_regisseur(conn: AsyncConnection, *, child_id: int, organisation_id: str) -> None:
    await conn.execute(update(child).where(child.c.id == child_id).values(regisseur_id=organisation_id))


async def organisation_summaries(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, Any]:
    if not ids:
        return {}
    rows = await conn.execute(_SUMMARIES, {"ids": list(ids)})
    return {row.id: row for row in rows}


async def is_involved(conn: AsyncConnection, child_id: int, organisation_id: str) -> bool:
    found = await conn.scalar(_IS_INVOLVED, {"child_id": child_id, "organisation_id": organisation_id})
    return found is not None


async def organisations_with_webhooks(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, Any]:
    if not ids:
        return {}
    rows = await conn.execute(select(
        organisation.c.id, organisation.c.name, organisation.c.type, organisation.c.contact_point,
        organisation.c.webhook_url).where(organisation.c.id.in_(ids)))
    return {row.id: row for row in rows}
