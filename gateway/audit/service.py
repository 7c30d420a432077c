"""The audit trail of one request: allowed, denied and not-found outcomes, never a BSN."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.tokens import Caller
from gateway.context import RequestMeta
from gateway.policy.decision import Permit, PolicyDecision

from .activities import activity_of
from .repository import append
from .schemas import Outcome
from .writer import AuditWriter, Refusal

ALLOWED, DENIED, NOT_FOUND = Outcome.allowed.value, Outcome.denied.value, Outcome.not_found.value


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Who asks what and why; completed with the outcome when it is known."""

    organisation_id: str
    role: str
    professional: str
    meta: RequestMeta
    action: str
    purpose: str | None

    @classmethod
    def of(cls, caller: Caller, meta: RequestMeta, action: str, purpose: str | None) -> "AuditEntry":
        return cls(caller.organisation_id, caller.role.value, caller.professional, meta, action, purpose)

    def row(
        self, *, now: datetime, outcome: str, child_id: int | None = None,
        decision: PolicyDecision | None = None, fields: Iterable[str] = (),
    ) -> dict[str, Any]:
        return {
            "occurred_at": now, "request_id": self.meta.request_id, "trace_id": self.meta.trace_id,
            "span_id": self.meta.span_id, "processing_activity": activity_of(self.action),
            "client": self.meta.client[:64],
            "organisation_id": self.organisation_id, "role": self.role,
            "professional": self.professional, "action": self.action, "child_id": child_id,
            "purpose": self.purpose, "outcome": outcome,
            "basis": decision.basis if decision else None,
            "reasons": ",".join(decision.reasons)[:200] if decision else "",
            "fields": ",".join(sorted(fields))[:200],
            "policy_revision": decision.revision if decision else "",
            "decision_input": decision.input if decision else "",
        }

    async def record(self, to: AsyncConnection | AuditWriter, **outcome: Any) -> None:
        """Append in the request's own transaction (the record commits with the change, or neither does), or,
        for a request that changed nothing, by the group writer."""
        row = self.row(**outcome)
        if isinstance(to, AuditWriter):
            await to.append(row)
        else:
            await append(to, row)

    async def allowed(self, to: AsyncConnection | AuditWriter, *, now: datetime, child_id: int,
                      permit: Permit) -> None:
        """Record a permitted request with the fields it disclosed."""
        await self.record(to, now=now, outcome=ALLOWED, child_id=child_id, decision=permit.decision,
                          fields=permit.fields)

    def refusal(self, **outcome: Any) -> Refusal:
        """The record of a refusal, written after the request's rollback."""
        return Refusal(self.row(**outcome))
