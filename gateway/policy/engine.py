"""Policy engines behind one interface.

- `EmbeddedRegoEngine` (default): regorus, a Rust Rego implementation, in-process.
- `OpaServerEngine` (production sidecar): OPA's Data API through opa-python-client, loaded with the
  bundle `inbeeld policy bundle` builds; the revision comes from OPA's provenance.

Every failure — an engine error, an undefined result, a malformed decision, a missed deadline — is a
deny with a 503 problem: the gateway never discloses on an unanswered question.
"""

import asyncio
import hashlib
import io
import json
import tarfile
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

import httpx
import orjson
import regorus
from opa_client import AsyncOpaClient

from gateway.core.errors import ServiceUnavailable

from .decision import PolicyDecision, decision_from_result

DEFAULT_POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"


class PolicyUnavailable(ServiceUnavailable):
    code, title = "policy-unavailable", "Policy decision unavailable"


class PolicyEngine(Protocol):
    async def evaluate(self, entrypoint: str, policy_input: dict[str, Any]) -> tuple[Any, str]:
        """(the entrypoint's value, or None when undefined; the policy revision that produced it)"""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


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


REMEMBERED_ANSWERS = 4096

_COMPILED: dict[tuple[str, str], bytes] = {}
"""Compiled programs by (policy revision, entrypoint), serialised."""


class EmbeddedRegoEngine:
    """regorus, compiled per entrypoint to its register VM (`Program` + `Rvm`): ~3x faster here than
    interpreting the modules on every call."""

    def __init__(self, policy_dir: Path = DEFAULT_POLICY_DIR, *, sources: dict[str, str] | None = None) -> None:
        self._sources = sources if sources is not None else policy_sources(policy_dir)
        if not self._sources:
            raise RuntimeError(f"no Rego policies under {policy_dir}")
        self.revision = revision_of(self._sources)
        self._vms: dict[str, Any] = {}
        # Answers are remembered: the modules are fixed and use no time, randomness or network (a test checks),
        # so the same input always gets the same answer, and a busy gateway asks the same few questions. (Not
        # functools.lru_cache on a bound method: that cycle would leave the VMs to the garbage collector, which
        # may drop them on another thread.)
        self._answers: OrderedDict[tuple[str, str], str] = OrderedDict()

    def _vm(self, entrypoint: str) -> Any:
        vm = self._vms.get(entrypoint)
        if vm is None:
            vm = self._vms[entrypoint] = regorus.Rvm()
            vm.load_program(self._program(entrypoint))
        return vm

    def _program(self, entrypoint: str) -> Any:
        # A compiled program is bound to the thread that made it; its bytes are not, and loading them is ~50x
        # cheaper than compiling again (each app in a process, the test suite's hundreds above all).
        key = (self.revision, entrypoint)
        if key in _COMPILED:
            program, needs_recompilation = regorus.Program.deserialize_binary(_COMPILED[key])
            if not needs_recompilation:
                return program
        program = regorus.Program.compile_from_modules("{}", list(self._sources.items()), [f"data.{entrypoint}"])
        _COMPILED[key] = program.serialize_binary()
        return program

    async def evaluate(self, entrypoint: str, policy_input: dict[str, Any]) -> tuple[Any, str]:
        return orjson.loads(self._answer(entrypoint, orjson.dumps(policy_input).decode())), self.revision

    def _answer(self, entrypoint: str, input_json: str) -> str:
        """The entrypoint's value as JSON."""
        key = (entrypoint, input_json)
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
            return answer
        vm = self._vm(entrypoint)
        vm.set_input_json(input_json)  # input and execution back to back: no other request interleaves
        answer = self._answers[key] = str(vm.execute_entry_point(f"data.{entrypoint}"))
        if len(self._answers) > REMEMBERED_ANSWERS:
            self._answers.popitem(last=False)
        return answer

    async def start(self) -> None:
        for entrypoint in ("inbeeld.index.decision", "inbeeld.index.match_notification", "inbeeld.portal.decision",
                           "inbeeld.toezicht.decision"):
            self._vm(entrypoint)  # compile at start-up, not on the first request

    async def close(self) -> None:
        self._vms.clear()  # regorus VMs may only be dropped by the thread that made them: the event loop's


class OpaServerEngine:
    """OPA as a sidecar. Run it with the bundle: `opa run --server --bundle inbeeld-policies.tar.gz`."""

    def __init__(self, url: str, *, timeout_seconds: float) -> None:
        parsed = httpx.URL(url)
        self._client = AsyncOpaClient(host=parsed.host, port=parsed.port or 8181, ssl=parsed.scheme == "https",
                                      timeout=timeout_seconds, retries=0)
        self._timeout = timeout_seconds

    async def start(self) -> None:
        await self._client.__aenter__()

    async def close(self) -> None:
        await self._client.__aexit__(None, None, None)

    async def evaluate(self, entrypoint: str, policy_input: dict[str, Any]) -> tuple[Any, str]:
        package, _, rule = entrypoint.rpartition(".")
        answer = await asyncio.wait_for(
            self._client.query_rule(policy_input, package, rule, query_params={"provenance": "true"}),
            timeout=self._timeout)
        bundles = answer.get("provenance", {}).get("bundles", {})
        revisions = sorted(str(b.get("revision", "")) for b in bundles.values())
        return answer.get("result"), ",".join(revisions) or "unknown"


def build_bundle(policy_dir: Path = DEFAULT_POLICY_DIR) -> bytes:
    """An OPA bundle (.tar.gz): the policy modules and a `.manifest` with the revision and root."""
    sources = policy_sources(policy_dir)
    files = {name: text.encode() for name, text in sources.items()}
    files[".manifest"] = json.dumps({"revision": revision_of(sources), "roots": ["inbeeld"]}).encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as bundle:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"/{name}")
            info.size, info.mode = len(data), 0o644
            bundle.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


async def decide(engine: PolicyEngine, entrypoint: str, policy_input: dict[str, Any]) -> PolicyDecision:
    try:
        result, revision = await engine.evaluate(entrypoint, policy_input)
    except Exception:  # includes a missed deadline (TimeoutError)
        raise PolicyUnavailable("The policy engine could not decide; nothing was disclosed.") from None
    recorded = orjson.dumps({"entrypoint": entrypoint, "input": policy_input}).decode()
    decision = decision_from_result(result, revision, recorded)
    if decision is None:
        raise PolicyUnavailable("The policy engine gave no valid decision; nothing was disclosed.")
    return decision
