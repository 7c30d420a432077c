"""Appending audit records (Core inserts)."""

from typing import Any

from sqlalchemy import Insert, insert
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import AuditRecord

audit_record = AuditRecord.__table__  # type: ignore[attr-defined]
# Built once: a statement made per request spends more on SQL compilation caching than on the insert.
_APPEND = insert(audit_record)


def audit_insert(values: dict[str, Any]) -> Insert:
    return insert(audit_record).values(**values)


async def append(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(_APPEND, [values])
