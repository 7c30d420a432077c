"""Readiness: may a load balancer send this replica requests? Only when the database answers, the policy engine
decides, and the key ring (re-read from its file when changed) is complete — each checked within a short deadline."""

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy import text

from gateway.context import AppContext
from gateway.core.errors import ServiceUnavailable
from gateway.policy.engine import decide

CHECK_SECONDS = 1.0


class NotReady(ServiceUnavailable):
    code, title = "not-ready", "Not ready to serve requests"


async def _database(context: AppContext) -> None:
    async with context.db.reading() as conn:
        await conn.execute(text("SELECT 1"))


async def _policy(context: AppContext) -> None:
    decision = await decide(context.policy, "inbeeld.index.decision", {
        "subject": {"properties": {}}, "action": {"name": "readiness"}, "context": {}})
    if decision.allow:  # the probe asks something no policy may allow
        raise RuntimeError("policy allowed a probe")


async def _keys(context: AppContext) -> None:
    context.keys.current()  # a ring loads only when complete (pseudonym, child_ref, signing and token keys)


CHECKS: dict[str, Callable[[AppContext], Awaitable[None]]] = {
    "database": _database, "policy": _policy, "keys": _keys}


async def readiness(context: AppContext) -> dict[str, str]:
    """Every check's outcome; raises `NotReady` (503, with the outcomes) when one fails. Causes are not named:
    they may hold connection details."""

    async def run(check: Callable[[AppContext], Awaitable[None]]) -> str:
        try:
            async with asyncio.timeout(CHECK_SECONDS):
                await check(context)
        except Exception:  # any failure means: not ready
            return "unavailable"
        return "ok"

    outcomes = dict(zip(CHECKS, await asyncio.gather(*(run(c) for c in CHECKS.values())), strict=True))
    if any(v != "ok" for v in outcomes.values()):
        raise NotReady("Not ready: " + ", ".join(k for k, v in outcomes.items() if v != "ok") + ".",
                       extra={"checks": outcomes})
    return outcomes
