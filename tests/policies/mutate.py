"""Policy mutation testing: change the Rego one small thing at a time and show the tests notice.

Mutants, line by line in every policy module (not the tests, not the data-only vocabulary and rule sets):
flipped comparisons (== !=, < >=, > <=), a dropped `not`, `true`/`false` swapped, and a dropped line (a
condition of a rule body or an entry of a literal). Each mutant is first run against the Rego unit tests
(regorus, in process); one that survives them goes to the authorization matrix (`--matrix`), the gateway
answering every role × endpoint × purpose × basis over HTTP with the mutated policies. A mutant that does not
compile is counted apart, not as killed.

    python -m tests.policies.mutate [--matrix] [--only index] [--limit N]

Prints the totals and every surviving mutant; exits 1 when one survives.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import regorus

from gateway.policy.engine import DEFAULT_POLICY_DIR

ROOT = Path(__file__).resolve().parents[2]
DATA_ONLY = {"vocabulary.rego", "rulesets.rego"}
_FLIPS = [(" == ", " != "), (" != ", " == "), (" < ", " >= "), (" >= ", " < "), (" > ", " <= "), (" <= ", " > ")]
_SKIP = re.compile(r"^\s*(#|package |import |default |$)|^\S.*(:=|=|if|contains)?.*\{\s*$|^\s*[}\])]+,?\s*$")


# Dropped lines that change nothing, by module and line: the tests cannot tell them apart, so they are listed
# here with the reason rather than counted as survivors.
EQUIVALENT = {
    **{(module, "_basis"): "the head's value names `_basis`: undefined, it leaves the rule undefined anyway"
       for module in ("index/decision.rego", "details/details.rego", "federation/federation.rego",
                      "portal/portal.rego")},
    ("index/decision.rego", "not _statutory_basis"): "a statutory and a duty basis never differ where both hold",
    ("index/decision.rego", "_duty_basis"): "the head's value is `_duty_basis`: undefined leaves it undefined",
    ("index/decision.rego", '_action == "event.report"'): "only event reports carry an attendance `event`",
    **{("details/details.rego", line): "only save and the rvdk have a statutory task for jeugdbescherming"
       for line in ("_subject.organisation_type in _content_readers", '_purpose == "jeugdbescherming"',
                    "_statutory")},
}


@dataclass(frozen=True)
class Mutant:
    path: Path
    line: int
    kind: str
    text: str  # the whole mutated module

    def __str__(self) -> str:
        return f"{self.path.relative_to(DEFAULT_POLICY_DIR)}:{self.line} {self.kind}"

    @property
    def equivalent(self) -> str | None:
        """Why this mutant changes nothing, if it is one of the known equivalent ones."""
        if self.kind != "dropped line":
            return None
        module = str(self.path.relative_to(DEFAULT_POLICY_DIR / "inbeeld"))
        return EQUIVALENT.get((module, self.path.read_text().splitlines()[self.line - 1].strip()))


def mutants(path: Path) -> Iterator[Mutant]:
    lines = path.read_text().splitlines(keepends=True)

    def variant(number: int, kind: str, new: str) -> Mutant:
        return Mutant(path, number + 1, kind, "".join([*lines[:number], new, *lines[number + 1:]]))

    for number, line in enumerate(lines):
        code = line.split("#", 1)[0]
        if line.lstrip().startswith("default "):
            for old, new in ((":= false", ":= true"), (":= true", ":= false")):
                if old in code:
                    yield variant(number, f"default {old} -> {new}", line.replace(old, new, 1))
            continue
        if _SKIP.match(line):
            continue
        for old, new in _FLIPS:
            if old in code:
                yield variant(number, f"{old.strip()} -> {new.strip()}", line.replace(old, new, 1))
        if code.lstrip().startswith("not "):
            yield variant(number, "dropped not", line.replace("not ", "", 1))
        for old, new in (("true", "false"), ("false", "true")):
            if re.search(rf"\b{old}\b", code):
                yield variant(number, f"{old} -> {new}", re.sub(rf"\b{old}\b", new, line, count=1))
        if line.startswith(("\t", " ")):
            yield variant(number, "dropped line", "")


def _tests(policy_dir: Path) -> list[str]:
    found = []
    for path in sorted(policy_dir.rglob("*_test.rego")):
        text = path.read_text()
        package = re.search(r"^package (\S+)", text, re.M).group(1)  # type: ignore[union-attr]
        found += [f"data.{package}.{name}" for name in re.findall(r"^(test_\w+)", text, re.M)]
    return found


def rego_verdict(policy_dir: Path, tests: list[str]) -> str:
    """`killed`, `survived` or `invalid` (does not compile) against the Rego unit tests."""
    engine = regorus.Engine()
    try:
        for path in sorted(policy_dir.rglob("*.rego")):
            engine.add_policy(str(path.relative_to(policy_dir)), path.read_text())
        results = [engine.eval_rule(test) for test in tests]
    except RuntimeError:
        return "invalid"
    return "survived" if all(result is True for result in results) else "killed"


def matrix_passes(policy_dir: Path) -> bool:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
         "tests/policies/test_authorization_matrix.py"],
        cwd=ROOT, env={**os.environ, "INBEELD_POLICY_DIR": str(policy_dir)}, capture_output=True, timeout=900,
        check=False)
    return run.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--matrix", action="store_true", help="run survivors of the Rego tests against the matrix")
    parser.add_argument("--only", help="only policy modules whose path contains this")
    parser.add_argument("--limit", type=int, default=0, help="at most this many mutants")
    args = parser.parse_args()
    modules = [p for p in sorted(DEFAULT_POLICY_DIR.rglob("*.rego"))
               if not p.name.endswith("_test.rego") and p.name not in DATA_ONLY
               and (not args.only or args.only in str(p))]
    every = [m for module in modules for m in mutants(module)]
    every = every[:args.limit] if args.limit else every
    tests = _tests(DEFAULT_POLICY_DIR)
    if rego_verdict(DEFAULT_POLICY_DIR, tests) != "survived":
        sys.exit("the Rego tests fail on the policies as they are: no mutant could be told apart")
    counts = {"killed by the Rego tests": 0, "killed by the matrix": 0, "invalid": 0}
    survivors: list[Mutant] = []
    equivalent: list[Mutant] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        for mutant in every:
            copy = Path(work) / "policies"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(DEFAULT_POLICY_DIR, copy)
            (copy / mutant.path.relative_to(DEFAULT_POLICY_DIR)).write_text(mutant.text)
            verdict = rego_verdict(copy, tests)
            if verdict == "invalid":
                counts["invalid"] += 1
            elif verdict == "killed":
                counts["killed by the Rego tests"] += 1
            elif args.matrix and not matrix_passes(copy):
                counts["killed by the matrix"] += 1
            elif mutant.equivalent:
                equivalent.append(mutant)
            else:
                survivors.append(mutant)
    valid = len(every) - counts["invalid"] - len(equivalent)
    killed = valid - len(survivors)
    print(f"{len(every)} mutants of {len(modules)} modules in {time.monotonic() - started:.0f} s: {valid} valid, "
          f"{killed} killed ({counts['killed by the Rego tests']} by the Rego tests, "
          f"{counts['killed by the matrix']} by the matrix), {len(survivors)} survived, "
          f"{counts['invalid']} did not compile, {len(equivalent)} known to be equivalent")
    for mutant in equivalent:
        print(f"equivalent: {mutant} ({mutant.equivalent})")
    for mutant in survivors:
        print(f"survived: {mutant}")
    sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    main()
