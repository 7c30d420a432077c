"""Reading and replacing the region's routekaart. No child is involved; the policy still decides (everyone
reads, only the region's administrator edits) and both are audited. Edits are optimistic: the caller sends
the version it read (If-Match) and a stale one is refused, so two administrators cannot overwrite each other."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit.service import ALLOWED, AuditEntry
from gateway.auth.tokens import Caller
from gateway.context import AppContext, RequestMeta
from gateway.core.errors import InbeeldError
from gateway.core.vocabulary import Purpose
from gateway.policy.enforce import policy_input, require_permit

from . import repository
from .schemas import DEFAULT_ENTRIES, RouteEntry, Routekaart, RoutekaartUpdate

ENTRYPOINT = "inbeeld.region.decision"


class VersionRequired(InbeeldError):
    status, code, title = 428, "if-match-required", "Send the version you read in If-Match"


class VersionStale(InbeeldError):
    status, code, title = 412, "version-stale", "The routekaart changed since you read it"


async def read(conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta) -> Routekaart:
    audit = AuditEntry.of(caller, meta, "routekaart.read", None)
    permit = await require_permit(context, audit, None, policy_input(
        context, caller, "routekaart.read", Purpose.monitoring, {}), entrypoint=ENTRYPOINT)
    version, rows = await repository.entries(conn, context.settings.region)
    await audit.record(conn, now=context.clock(), outcome=ALLOWED, decision=permit.decision)
    return Routekaart(region=context.settings.region, version=version, entries=[
        RouteEntry(signal=r.signal, label=r.label, partner_type=r.partner_type, advice=r.advice) for r in rows])


async def replace(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, body: RoutekaartUpdate,
    if_match: str | None,
) -> Routekaart:
    audit = AuditEntry.of(caller, meta, "routekaart.edit", None)
    permit = await require_permit(context, audit, None, policy_input(
        context, caller, "routekaart.edit", Purpose.monitoring, {}), entrypoint=ENTRYPOINT)
    if if_match is None:
        raise VersionRequired("Read the routekaart first and send its version (ETag) in If-Match.")
    version = await repository.current_version(conn, context.settings.region)
    if if_match.strip('W/"') != str(version):
        raise VersionStale(f"The routekaart is at version {version}; read it again and redo your change.")
    now = context.clock()
    await repository.replace(conn, region=context.settings.region, values=[e.model_dump() for e in body.entries],
                             version=version + 1, by=caller.organisation_id, now=now)
    await audit.record(conn, now=now, outcome=ALLOWED, decision=permit.decision)
    return Routekaart(region=context.settings.region, version=version + 1, entries=body.entries)


async def seed_defaults(conn: AsyncConnection, *, region: str, now: datetime) -> None:
    """The Utrecht routekaart as a starting point (demo), when the region has none yet."""
    if not await repository.count(conn, region):
        await repository.replace(conn, region=region, values=[e.model_dump() for e in DEFAULT_ENTRIES], version=1,
                                 by="inbeeld", now=now)
