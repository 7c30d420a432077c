"""Consent SQL (Core). Read at every request: no cache can outlive a withdrawal."""

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.db import IN_LOOP

from .models import Consent, ConsentReceipt, ConsentStatus

consent = Consent.__table__  # type: ignore[attr-defined]

_FOR_RECIPIENT = select(consent.c.id, consent.c.purpose, consent.c.status, consent.c.valid_from,
                        consent.c.valid_until).where(
    consent.c.child_id == bindparam("child_id"), consent.c.recipient_id == bindparam("recipient_id")
).execution_options(**IN_LOOP)


async def for_recipient(conn: AsyncConnection, child_id: int, recipient_id: str) -> list[dict[str, Any]]:
    """The consents about this child for this recipient, shaped as policy input."""
    rows = await conn.execute(_FOR_RECIPIENT, {"child_id": child_id, "recipient_id": recipient_id})
    return [as_policy_input(r.id, r) for r in rows]


def as_policy_input(consent_id: UUID, r: Any) -> dict[str, Any]:
    return {"id": str(consent_id), "purpose": r.purpose, "status": r.status, "valid_from": r.valid_from.isoformat(),
            "valid_until": r.valid_until.isoformat() if r.valid_until else None}


async def add(conn: AsyncConnection, *, child_id: int, purpose: str, recipient_id: str, valid_from: date,
              valid_until: date | None, now: datetime, status: ConsentStatus = ConsentStatus.active) -> UUID:
    new_id = uuid4()
    await conn.execute(insert(consent).values(
        id=new_id, child_id=child_id, purpose=purpose, recipient_id=recipient_id, valid_from=valid_from,
        valid_until=valid_until, status=status, created_at=now))
    return new_id


async def withdraw(conn: AsyncConnection, consent_id: UUID, now: datetime) -> None:
    await conn.execute(update(consent).where(consent.c.id == consent_id).values(
        status=ConsentStatus.withdrawn, withdrawn_at=now))


async def for_children(conn: AsyncConnection, child_ids: list[int]) -> list[Any]:
    return list((await conn.execute(select(consent).where(consent.c.child_id.in_(child_ids))
                                    .order_by(consent.c.created_at))).all())


receipt = ConsentReceipt.__table__  # type: ignore[attr-defined]


async def add_with_givers(conn: AsyncConnection, *, child_id: int, purpose: str, recipient_id: str,
                          valid_from: date, valid_until: date | None, given_by: str, registered_by: str | None,
                          obtained_via: str, status: ConsentStatus, now: datetime) -> UUID:
    new_id = uuid4()
    await conn.execute(insert(consent).values(
        id=new_id, child_id=child_id, purpose=purpose, recipient_id=recipient_id, valid_from=valid_from,
        valid_until=valid_until, status=status, given_by=given_by, obtained_via=obtained_via,
        registered_by=registered_by, created_at=now))
    return new_id


async def set_givers(conn: AsyncConnection, consent_id: UUID, *, given_by: str, status: ConsentStatus) -> None:
    """Another person who must consent joined (or refused) a pending consent."""
    await conn.execute(update(consent).where(consent.c.id == consent_id, consent.c.status == ConsentStatus.pending)
                       .values(given_by=given_by, status=status))


async def get(conn: AsyncConnection, consent_id: UUID) -> Any:
    return (await conn.execute(select(consent).where(consent.c.id == consent_id))).first()


async def for_child(conn: AsyncConnection, child_id: int) -> list[Any]:
    return list((await conn.execute(
        select(consent).where(consent.c.child_id == child_id).order_by(consent.c.created_at))).all())


async def add_receipt(conn: AsyncConnection, *, consent_id: UUID, action: str, document: str, now: datetime) -> None:
    await conn.execute(insert(receipt).values(id=uuid4(), consent_id=consent_id, action=action, document=document,
                                              created_at=now))


async def receipts(conn: AsyncConnection, consent_id: UUID) -> list[str]:
    return list((await conn.execute(select(receipt.c.document).where(receipt.c.consent_id == consent_id)
                                    .order_by(receipt.c.created_at))).scalars())
