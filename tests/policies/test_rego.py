"""Runs every `test_*` rule of the Rego test packages beside the policies under regorus (the embedded engine)
and under OPA itself, and the engine's fail-closed paths."""

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
import regorus
from opa_bindings import OpaEngine

from gateway.policy.decision import PolicyDecision, require
from gateway.policy.engine import DEFAULT_POLICY_DIR, EmbeddedRegoEngine, PolicyUnavailable, decide
from tests.fixtures.opa import opa_engine, opa_value

TEST_FILES = sorted(DEFAULT_POLICY_DIR.rglob("*_test.rego"))

pytestmark = pytest.mark.xdist_group("rego")  # one worker: the coverage report below sums the tests before it


def _rego_tests() -> list[tuple[Path, str, str]]:
    found = []
    for path in TEST_FILES:
        text = path.read_text()
        package = re.search(r"^package (\S+)", text, re.M).group(1)  # type: ignore[union-attr]
        found += [(path, package, name) for name in re.findall(r"^(test_\w+)", text, re.M)]
    return found


@pytest.fixture(scope="module")
def engine() -> regorus.Engine:
    engine = regorus.Engine()
    engine.set_enable_coverage(True)
    for path in sorted(DEFAULT_POLICY_DIR.rglob("*.rego")):
        engine.add_policy(str(path.relative_to(DEFAULT_POLICY_DIR)), path.read_text())
    return engine


@pytest.fixture(scope="module")
def opa() -> OpaEngine:
    return opa_engine({str(p.relative_to(DEFAULT_POLICY_DIR)): p.read_text()
                       for p in DEFAULT_POLICY_DIR.rglob("*.rego")})


def test_every_policy_has_tests() -> None:
    policies = {p.parent for p in DEFAULT_POLICY_DIR.rglob("*.rego") if not p.name.endswith("_test.rego")}
    tested = {p.parent for p in TEST_FILES}
    assert policies - tested <= {DEFAULT_POLICY_DIR / "inbeeld" / "vocabulary"}  # data only, tested through users
    assert len(_rego_tests()) >= 10


@pytest.mark.parametrize(("path", "package", "name"), _rego_tests(), ids=lambda v: getattr(v, "name", v))
def test_rego(engine: regorus.Engine, opa: OpaEngine, path: Path, package: str, name: str) -> None:
    outcomes = {"regorus": engine.eval_rule(f"data.{package}.{name}"), "opa": opa_value(opa, f"{package}.{name}")}
    assert outcomes == {"regorus": True, "opa": True}, f"{path.name}: {name}"


def test_every_deny_reason_is_exercised_by_a_rego_test() -> None:
    policy_text = "".join(p.read_text() for p in DEFAULT_POLICY_DIR.rglob("*.rego") if "_test" not in p.name)
    reasons = set(re.findall(r'_deny contains "([a-z-]+)"', policy_text)) | set(
        re.findall(r'"reasons": \["([a-z-]+)"\]', policy_text))
    tests_text = "".join(p.read_text() for p in TEST_FILES)
    untested = {r for r in reasons if f'"{r}"' not in tests_text and r != "no-basis"}
    assert not untested


class _Broken:
    revision = "broken"

    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.result, self.error = result, error

    async def evaluate(self, entrypoint: str, policy_input: dict[str, Any]) -> tuple[Any, str]:
        if self.error:
            raise self.error
        return self.result, self.revision

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        pass


@pytest.mark.parametrize("engine_", [
    _Broken(error=RuntimeError("engine crashed")),
    _Broken(result=None),  # undefined
    _Broken(result={"allow": "yes"}),
    _Broken(result={"allow": True, "fields": [], "basis": None, "obligations": [], "reasons": []}),  # no basis
    _Broken(result={"allow": True, "fields": "all", "basis": "x", "obligations": [], "reasons": []}),
])
def test_engine_failures_fail_closed(engine_: _Broken) -> None:
    with pytest.raises(PolicyUnavailable):
        asyncio.run(decide(engine_, "inbeeld.index.decision", {}))


def test_decisions_are_made_by_the_policy_module_only() -> None:
    with pytest.raises(TypeError):
        PolicyDecision(allow=True, fields=frozenset(), basis="x", obligations=(), reasons=(), revision="r",
                       _mint=object())


def test_embedded_engine_denies_by_default_and_carries_its_revision() -> None:
    engine = EmbeddedRegoEngine()
    decision = asyncio.run(decide(engine, "inbeeld.index.decision",
                                  {"subject": {"properties": {}}, "action": {"name": "x"}, "context": {}}))
    assert not decision.allow and decision.revision == engine.revision and "unknown-action" in decision.reasons
    with pytest.raises(Exception, match="policy"):
        require(decision)


# Builtins whose value is not a function of the input: the embedded engine remembers its answers per input.
_IMPURE = re.compile(r"\b(time\.now_ns|rand\.|http\.send|uuid\.rfc4122|opa\.runtime|net\.lookup|crypto\.x509\."
                     r"parse_and_verify_certificates|io\.jwt\.decode_verify)")


def test_policies_answer_from_their_input_alone() -> None:
    impure = {p.name: m.group(0) for p in DEFAULT_POLICY_DIR.rglob("*.rego")
              if not p.name.endswith("_test.rego") and (m := _IMPURE.search(p.read_text()))}
    assert not impure, f"{impure}: a remembered answer could go stale (EmbeddedRegoEngine._answer)"


def test_a_remembered_answer_is_the_answer_to_that_same_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gateway.policy.engine.REMEMBERED_ANSWERS", 2)
    engine = EmbeddedRegoEngine()
    x, y, z = ({"subject": {"properties": {}}, "action": {"name": name}, "context": {}} for name in "xyz")
    first, other = (asyncio.run(decide(engine, "inbeeld.index.decision", q)) for q in (x, y))
    asyncio.run(decide(engine, "inbeeld.index.decision", z))  # x is the oldest: forgotten
    monkeypatch.setattr(engine, "_vm", None)  # from here on, only remembered answers can be given
    assert asyncio.run(decide(engine, "inbeeld.index.decision", y)) == other != first
    with pytest.raises(PolicyUnavailable):
        asyncio.run(decide(engine, "inbeeld.index.decision", x))


def test_policy_coverage_report(engine: regorus.Engine) -> None:
    """After the Rego tests above (same module-scoped engine): print and keep the line coverage."""
    report = json.loads(engine.get_coverage_report_as_json())
    lines, out = [], Path(__file__).resolve().parents[1] / "artifacts" / "policy-coverage.txt"
    total_covered = total = 0
    for file in report["files"]:
        if file["path"].endswith("_test.rego"):
            continue
        covered, missed = len(file["covered"]), len(file["not_covered"])
        total_covered, total = total_covered + covered, total + covered + missed
        lines.append(f"{file['path']}: {covered}/{covered + missed} lines, not covered: {file['not_covered']}")
    percent = 100 * total_covered / max(total, 1)
    lines.append(f"policy coverage: {percent:.1f}% of {total} evaluable lines")
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines))
    assert percent >= 90, lines
