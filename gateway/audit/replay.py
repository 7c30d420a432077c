"""Replaying a recorded decision (the Authorization Decision Log idea): the audit record holds the policy input,
the entrypoint and the revision; the sources of every revision the gateway ran are kept, so the decision can be
made again with that revision — and with today's policy, to see whether it would still decide the same."""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.context import AppContext
from gateway.policy.decision import PolicyDecision
from gateway.policy.engine import EmbeddedRegoEngine, decide, policy_sources, revision_of

from .models import PolicySource
from .repository import audit_record

policy_source = PolicySource.__table__  # type: ignore[attr-defined]


class NothingToReplay(Exception):
    """No such record, or it holds no policy decision."""


async def record_policy_sources(context: AppContext) -> None:
    """Keep the sources of the policy revision this process runs (once per revision)."""
    sources = policy_sources(context.settings.policy_dir)
    async with context.db.engine.begin() as conn:
        known = await conn.scalar(select(policy_source.c.revision).where(
            policy_source.c.revision == revision_of(sources)))
        if known is None:
            try:
                async with conn.begin_nested():
                    await conn.execute(insert(policy_source).values(
                        revision=revision_of(sources), sources=json.dumps(sources), recorded_at=context.clock()))
            except IntegrityError:  # another replica was first
                pass


def _summary(decision: PolicyDecision) -> dict[str, Any]:
    """What a replay compares: the outcome, its basis and its reasons (disclosed fields may be fewer than
    allowed, when the child has less to show)."""
    return {"allow": decision.allow, "basis": decision.basis, "reasons": sorted(decision.reasons)}


@dataclass(frozen=True)
class Replay:
    seq: int
    entrypoint: str
    recorded: dict[str, Any]
    then: dict[str, Any] | None
    """The decision made again with the recorded revision (None when its sources were not kept)."""
    now: dict[str, Any]
    revision_then: str
    revision_now: str

    @property
    def reproduced(self) -> bool:
        return self.then == self.recorded

    @property
    def same_today(self) -> bool:
        return self.now == self.recorded


async def replay(conn: AsyncConnection, seq: int, *, today: EmbeddedRegoEngine) -> Replay:
    row = (await conn.execute(select(audit_record).where(audit_record.c.seq == seq))).first()
    if row is None or not row.decision_input or row.purged:
        raise NothingToReplay(f"record {seq} holds no policy decision")
    recorded_input = json.loads(row.decision_input)
    entrypoint, policy_input = recorded_input["entrypoint"], recorded_input["input"]
    allowed = row.outcome == "allowed"
    recorded = {"allow": allowed, "basis": row.basis, "reasons": sorted(filter(None, row.reasons.split(",")))}
    sources = await conn.scalar(select(policy_source.c.sources).where(policy_source.c.revision ==
                                                                       row.policy_revision))
    then = None
    if sources is not None:
        then = _summary(await decide(EmbeddedRegoEngine(sources=json.loads(sources)), entrypoint, policy_input))
    now = _summary(await decide(today, entrypoint, policy_input))
    return Replay(seq, entrypoint, recorded, then, now, row.policy_revision, today.revision)
