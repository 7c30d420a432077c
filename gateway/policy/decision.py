"""Typed decisions. Only `gateway.policy` makes them; a function that discloses data takes a
`Permit`, so skipping the policy check is a type error, not a code-review finding."""

from dataclasses import dataclass
from typing import Any

from gateway.core.errors import Forbidden

_MINT = object()


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    allow: bool
    fields: frozenset[str]
    basis: str | None
    obligations: tuple[str, ...]
    reasons: tuple[str, ...]
    revision: str
    _mint: object
    input: str = ""
    """`{"entrypoint", "input"}` as JSON (no BSN ever reaches a policy input), kept in the audit record so the
    decision can be replayed."""

    def __post_init__(self) -> None:
        if self._mint is not _MINT:
            raise TypeError("PolicyDecision is made by gateway.policy only")


@dataclass(frozen=True, slots=True)
class Permit:
    """An allowing decision: what may be disclosed and on which basis."""

    decision: PolicyDecision

    @property
    def fields(self) -> frozenset[str]:
        return self.decision.fields

    @property
    def basis(self) -> str:
        assert self.decision.basis is not None
        return self.decision.basis


class PolicyDenied(Forbidden):
    code, title = "policy-denied", "Not permitted by policy"

    def __init__(self, decision: PolicyDecision) -> None:
        super().__init__("The policy does not permit this request.", extra={"reasons": list(decision.reasons)})
        self.decision = decision


def decision_from_result(result: Any, revision: str, policy_input: str = "") -> PolicyDecision | None:
    """Validate the engine's raw result; anything unexpected is `None` (the caller fails closed)."""
    if not isinstance(result, dict) or not isinstance(result.get("allow"), bool):
        return None
    fields, reasons = result.get("fields", []), result.get("reasons", [])
    obligations, basis = result.get("obligations", []), result.get("basis")
    if not all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in (fields, reasons, obligations)):
        return None
    if result["allow"] and (not isinstance(basis, str) or reasons):
        return None
    return PolicyDecision(
        allow=result["allow"], fields=frozenset(fields), basis=basis if result["allow"] else None,
        obligations=tuple(obligations), reasons=tuple(reasons) or (("denied",) if not result["allow"] else ()),
        revision=revision, _mint=_MINT, input=policy_input,
    )


def require(decision: PolicyDecision) -> Permit:
    if not decision.allow:
        raise PolicyDenied(decision)
    return Permit(decision)
