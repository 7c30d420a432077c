"""SQL of the token endpoint: clients, their keys, revocation, used assertion ids."""

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.organisations.models import Organisation

from .models import OAuthClient, UsedAssertion

client = OAuthClient.__table__  # type: ignore[attr-defined]
used = UsedAssertion.__table__  # type: ignore[attr-defined]
organisation = Organisation.__table__  # type: ignore[attr-defined]


async def get_client(conn: AsyncConnection, client_id: str) -> Any:
    """The client with its organisation's type, or None."""
    return (await conn.execute(
        select(client.c.id, client.c.jwks, client.c.revoked_at, organisation.c.type.label("organisation_type"))
        .join(organisation, organisation.c.id == client.c.id)
        .where(client.c.id == client_id))).first()


async def add_client(conn: AsyncConnection, *, client_id: str, jwks: dict[str, Any], now: datetime) -> None:
    await conn.execute(insert(client).values(id=client_id, jwks=json.dumps(jwks), created_at=now))


async def reinstate(conn: AsyncConnection, client_id: str, jwks: dict[str, Any]) -> None:
    """A revoked client returns only with new keys."""
    await conn.execute(update(client).where(client.c.id == client_id).values(jwks=json.dumps(jwks), revoked_at=None))


async def set_jwks(conn: AsyncConnection, client_id: str, jwks: dict[str, Any]) -> None:
    await conn.execute(update(client).where(client.c.id == client_id).values(jwks=json.dumps(jwks)))


async def revoke(conn: AsyncConnection, client_id: str, now: datetime) -> bool:
    result = await conn.execute(update(client).where(client.c.id == client_id, client.c.revoked_at.is_(None))
                                .values(revoked_at=now))
    return bool(result.rowcount)


async def revoked_client_ids(conn: AsyncConnection) -> set[str]:
    return set((await conn.execute(select(client.c.id).where(client.c.revoked_at.is_not(None)))).scalars())


async def use_assertion(conn: AsyncConnection, *, jti: str, client_id: str, expires_at: datetime,
                        now: datetime) -> bool:
    """Record a client's `jti` (kept hashed with the client id); False when it was used before (a replay).
    Expired entries are cleared on the way."""
    jti_hash = hashlib.sha256(f"{client_id}\0{jti}".encode()).hexdigest()
    await conn.execute(delete(used).where(used.c.expires_at < now))
    try:
        async with conn.begin_nested():
            await conn.execute(insert(used).values(jti_hash=jti_hash, client_id=client_id, expires_at=expires_at))
    except IntegrityError:
        return False
    return True
