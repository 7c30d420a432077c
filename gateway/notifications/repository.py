"""Outbox SQL. Claims use a lease so that several replicas never deliver the same message at once."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.organisations.models import Organisation

from .models import OutboxMessage

outbox = OutboxMessage.__table__  # type: ignore[attr-defined]
organisation = Organisation.__table__  # type: ignore[attr-defined]


async def enqueue(conn: AsyncConnection, *, message_id: UUID, recipient_id: str, event_type: str,
                  payload: str, now: datetime) -> None:
    await conn.execute(insert(outbox).values(
        id=message_id, recipient_id=recipient_id, event_type=event_type, payload=payload,
        created_at=now, next_attempt_at=now, attempts=0))


def _claimable(now: datetime) -> Any:
    return and_(outbox.c.delivered_at.is_(None), outbox.c.failed_at.is_(None),
                or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < now))


async def claim_due(conn: AsyncConnection, *, now: datetime, lease: timedelta, limit: int) -> list[Any]:
    """Take up to `limit` due messages: each claimed by a conditional update, so only one replica wins."""
    candidates = (await conn.execute(
        select(outbox.c.id).where(_claimable(now), outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at).limit(limit))).scalars().all()
    claimed: list[UUID] = []
    for message_id in candidates:
        result = await conn.execute(
            update(outbox).where(outbox.c.id == message_id, _claimable(now))
            .values(lease_until=now + lease, attempts=outbox.c.attempts + 1))
        if result.rowcount == 1:
            claimed.append(message_id)
    if not claimed:
        return []
    rows = await conn.execute(
        select(outbox.c.id, outbox.c.payload, outbox.c.attempts, outbox.c.event_type,
               organisation.c.webhook_url)
        .join(organisation, organisation.c.id == outbox.c.recipient_id)
        .where(outbox.c.id.in_(claimed)))
    return list(rows.all())


async def mark_delivered(conn: AsyncConnection, message_id: UUID, now: datetime) -> None:
    await conn.execute(update(outbox).where(outbox.c.id == message_id).values(
        delivered_at=now, lease_until=None, last_error=None))


async def mark_retry(conn: AsyncConnection, message_id: UUID, *, at: datetime, error: str) -> None:
    await conn.execute(update(outbox).where(outbox.c.id == message_id).values(
        next_attempt_at=at, lease_until=None, last_error=error[:40]))


async def mark_failed(conn: AsyncConnection, message_id: UUID, *, now: datetime, error: str) -> None:
    await conn.execute(update(outbox).where(outbox.c.id == message_id).values(
        failed_at=now, lease_until=None, last_error=error[:40]))
