"""Asking the case-index policy on behalf of a caller, and refusing with an audit record when it says no."""

from typing import Any

from gateway.audit.service import DENIED, AuditEntry
from gateway.auth.tokens import Caller
from gateway.context import AppContext
from gateway.core.clock import local_date
from gateway.core.vocabulary import Purpose

from .decision import Permit, PolicyDenied
from .engine import decide

ENTRYPOINT = "inbeeld.index.decision"


def policy_input(
    context: AppContext, caller: Caller, action: str, purpose: Purpose, resource: dict[str, Any],
) -> dict[str, Any]:
    """AuthZEN shape: subject, action, resource, context (with today's date in the Netherlands)."""
    return {
        "subject": {"type": "professional", "id": caller.professional, "properties": {
            "organisation": caller.organisation_id,
            "organisation_type": caller.organisation_type.value,
            "role": caller.role.value,
        }},
        "action": {"name": action},
        "resource": {"type": "child", "properties": resource},
        "context": {"purpose": purpose.value, "today": local_date(context.clock()).isoformat(),
                    "region": context.settings.region},
    }


async def require_permit(
    context: AppContext, audit: AuditEntry, child_id: int | None, policy_input: dict[str, Any], *,
    entrypoint: str = ENTRYPOINT,
) -> Permit:
    """Decide; a deny raises with its audit record attached, so the refusal is logged after rollback."""
    decision = await decide(context.policy, entrypoint, policy_input)
    if not decision.allow:
        denied = PolicyDenied(decision)
        denied.record_on_failure = audit.refusal(
            now=context.clock(), outcome=DENIED, child_id=child_id, decision=decision)
        raise denied
    return Permit(decision)


