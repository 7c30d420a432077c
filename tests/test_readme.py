"""The README's two commands are the ones that work: CI runs the test command verbatim."""

import re
from pathlib import Path

from gateway.core.vocabulary import AttendanceStatus
from gateway.demo.data import first_demo_bsn_with

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_test_command() -> None:
    serve, test = _quick_start_commands()
    assert serve.endswith("inbeeld serve --demo") and test.endswith(".venv/bin/pytest && .venv/bin/pytest -m slow")
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert test in ci_lines


def test_walkthrough_bsn_is_the_demo_thuiszitter() -> None:
    bsn, _ = first_demo_bsn_with(AttendanceStatus.thuiszitter)
    assert f'"bsn": "{bsn.digits}"' in README
