"""Policy engines behind one interface. Embedded: regorus (Rust Rego, in-process, ~10 µs here).

Every failure — an engine error, an undefined result, a malformed decision — is a deny with a
503 problem: the gateway never discloses on an unanswered question.
"""

import hashlib
from pathlib import Path
from typing import Any, Protocol

import regorus

from gateway.core.errors import ServiceUnavailable

from .decision import PolicyDecision, decision_from_result

DEFAULT_POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"


class PolicyUnavailable(ServiceUnavailable):
    code, title = "policy-unavailable", "Policy decision unavailable"


class PolicyEngine(Protocol):
    revision: str

    async def evaluate(self, entrypoint: str, policy_input: dict[str, Any]) -> Any: ...


def policy_sources(policy_dir: Path) -> dict[str, str]:
    """The policy modules (tests excluded), by path relative to `policy_dir`."""
    return {
        str(p.relative_to(policy_dir)): p.read_text()
        for p in sorted(policy_dir.rglob("*.rego")) if not p.name.endswith("_test.rego")
    }


def revision_of(sources: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name, text in sorted(sources.items()):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()[:16]


class EmbeddedRegoEngine:
    def __init__(self, policy_dir: Path = DEFAULT_POLICY_DIR) -> None:
        sources = policy_sources(policy_dir)
        if not sources:
            raise RuntimeError(f"no Rego policies under {policy_dir}")
        self._engine = regorus.Engine()
        for name, text in sources.items():
            self._engine.add_policy(name, text)
        self.revision = revision_of(sources)

    async def evaluate(self, entrypoint: str, policy_input: dict[str, Any]) -> Any:
        # set_input and eval_rule run back to back with no await between: no other request interleaves.
        self._engine.set_input(policy_input)
        return self._engine.eval_rule(f"data.{entrypoint}")


async def decide(engine: PolicyEngine, entrypoint: str, policy_input: dict[str, Any]) -> PolicyDecision:
    try:
        result = await engine.evaluate(entrypoint, policy_input)
    except Exception:
        raise PolicyUnavailable("The policy engine could not decide; nothing was disclosed.") from None
    decision = decision_from_result(result, engine.revision)
    if decision is None:
        raise PolicyUnavailable("The policy engine gave no valid decision; nothing was disclosed.")
    return decision
