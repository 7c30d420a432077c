"""Schemathesis against a served demo gateway: all checks, once per role and once without a token.

The suite runs a short pass (`tests/fuzz/test_schema_fuzz.py`); the long run is this module:

    python -m tests.fuzz.run [--max-examples 100] [--seed 7]

Each run reports the test cases generated and the failures found (accepted ones: `accepted-failures.json`).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from gateway.auth.tokens import Caller, mint_access_token
from gateway.core.keys import load_key_ring
from gateway.core.settings import Settings
from gateway.core.vocabulary import OrgType, Role

HERE = Path(__file__).resolve().parent
CALLERS: dict[str, Caller | None] = {
    "anonymous": None,
    "school": Caller("vo-stedelijk-lyceum", OrgType.school, Role.zorgcoordinator, "fuzz"),
    "ggd": Caller("ggd-regio-utrecht", OrgType.ggd, Role.jeugdarts, "fuzz"),
    "leerplicht": Caller("leerplicht-utrecht", OrgType.leerplicht, Role.leerplichtambtenaar, "fuzz"),
    "swv": Caller("swv-vo-utrecht", OrgType.swv, Role.consulent, "fuzz"),
    "privacy-officer": Caller("leerplicht-utrecht", OrgType.leerplicht, Role.privacy_officer, "fuzz"),
    "regio": Caller("regio-utrecht", OrgType.regio, Role.regiobeheerder, "fuzz"),
}


@dataclass(frozen=True)
class Run:
    caller: str
    generated: int
    failures: list[str]
    errors: int
    seconds: float


def fuzz(url: str, settings: Settings, caller: str, *, max_examples: int, seed: int, timeout: float = 600) -> Run:
    """One schemathesis run as `caller` against the gateway at `url`."""
    identity = CALLERS[caller]
    headers = []
    if identity is not None:
        token = mint_access_token(load_key_ring(settings), issuer=settings.public_url,
                                  audience=settings.token_audience, caller=identity)
        headers = ["-H", f"Authorization: Bearer {token}"]
    with tempfile.TemporaryDirectory() as work:
        report = Path(work) / "report.json"
        started = time.monotonic()
        subprocess.run(
            [str(Path(sys.executable).parent / "st"), "--config-file", str(HERE / "schemathesis.toml"), "run",
             f"{url}/v1/openapi.json", *headers, "--checks", "all", "--max-examples", str(max_examples),
             "--seed", str(seed), "--generation-database", "none", "--no-color", "--request-timeout", "10",
             "--baseline", str(HERE / "accepted-failures.json"),
             "--report", "json", "--report-json-path", str(report)],
            capture_output=True, text=True, timeout=timeout, check=False, cwd=work,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks", "PYTHONPATH": str(HERE.parents[1])})
        result = json.loads(report.read_text())
    failures = [f"{f['code']} {f['title']}: {', '.join(f['operations'])}" for f in result["failures"]]
    return Run(caller, result["test_cases"]["generated"], failures, len(result["errors"]),
               time.monotonic() - started)


def main() -> None:
    from tests.fixtures.portal import demo_gateway

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work, \
            demo_gateway(Path(work), f"sqlite+aiosqlite:///{work}/fuzz.db", children=50) as gateway:
        runs = [fuzz(gateway.url, gateway.settings, caller, max_examples=args.max_examples, seed=args.seed,
                     timeout=3600) for caller in CALLERS]
    print("| caller | test cases | failures | errors | seconds |\n|---|---|---|---|---|")
    for run in runs:
        print(f"| {run.caller} | {run.generated} | {len(run.failures)} | {run.errors} | {run.seconds:.0f} |")
    for run in runs:
        for failure in run.failures:
            print(f"{run.caller}: {failure}")


if __name__ == "__main__":
    main()
