"""Enrolling partner organisations (an administrator's task: CLI and demo seeding)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.errors import Conflict
from gateway.notifications.urls import check_webhook_url

from . import repository
from .schemas import OrganisationCreate


class OrganisationExists(Conflict):
    code, title = "organisation-exists", "Organisation already enrolled"


async def enrol(conn: AsyncConnection, *, body: OrganisationCreate, relaxed: bool, now: datetime) -> None:
    url = check_webhook_url(body.webhook_url, relaxed=relaxed) if body.webhook_url else None
    if await repository.exists(conn, body.id):
        raise OrganisationExists(f"Organisation {body.id!r} is already enrolled.")
    await repository.add(conn, {**body.model_dump(exclude={"webhook_url"}), "webhook_url": url,
                                   "created_at": now})
