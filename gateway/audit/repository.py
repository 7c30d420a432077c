"""Appending audit records (Core inserts)."""

from typing import Any

from sqlalchemy import Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession

from .models import AuditRecord

audit_record = AuditRecord.__table__  # type: ignore[attr-defined]


def audit_insert(values: dict[str, Any]) -> Insert:
    return insert(audit_record).values(**values)


async def append(session: AsyncSession, values: dict[str, Any]) -> None:
    await session.execute(audit_insert(values))
