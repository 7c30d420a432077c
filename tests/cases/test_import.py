"""`inbeeld import absence FILE`: a school's CSV export reported row by row as events — good rows accepted, bad
rows rejected with their line and reason (never their values), a second run recognises every row, and neither
the database nor the rejects file holds a BSN from the file."""

import asyncio
import sqlite3
import subprocess
from pathlib import Path

import pytest

from gateway.demo.data import synthetic_bsns
from tests.fixtures.gateway import BSNS, gateway_settings, running_gateway
from tests.fixtures.processes import INBEELD

pytestmark = pytest.mark.slow
GOOD, OTHER = BSNS[0], BSNS[1]
WRONG_BSN = GOOD[:8] + str((int(GOOD[8]) + 1) % 10)  # fails the elfproef


def _csv(ref: str) -> str:
    return "\n".join([
        "event_id,child_ref,bsn,kind,starts_on,ends_on,hours,reason",
        f"6b1f0c1e-0000-4000-8000-000000000001,{ref},,enrolment,2026-08-24,,,",
        f"6b1f0c1e-0000-4000-8000-000000000002,{ref},,unauthorised-absence,2026-10-05,2026-10-09,25,",
        f"6b1f0c1e-0000-4000-8000-000000000003,,{GOOD},unauthorised-absence,2026-10-12,2026-10-16,25,",
        f"6b1f0c1e-0000-4000-8000-000000000003,,{GOOD},unauthorised-absence,2026-10-12,2026-10-16,25,",  # twice
        f"6b1f0c1e-0000-4000-8000-000000000004,{ref},,authorised-absence,2026-10-19,2026-10-20,,ziekte",
        f"6b1f0c1e-0000-4000-8000-000000000005,,{WRONG_BSN},unauthorised-absence,2026-10-19,2026-10-20,4,",
        f"6b1f0c1e-0000-4000-8000-000000000006,{ref},,unauthorised-absence,2026-10-32,2026-10-20,4,",
        f"6b1f0c1e-0000-4000-8000-000000000007,{ref},,holiday,2026-10-19,,,",
        f"6b1f0c1e-0000-4000-8000-000000000008,{ref},,unauthorised-absence,2026-10-19",
        "6b1f0c1e-0000-4000-8000-000000000009,r-unknown.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,,enrolment,2026-08-24,,,",
        f"6b1f0c1e-0000-4000-8000-000000000010,,{OTHER},unauthorised-absence,2026-10-19,2026-10-20,4,",
        "",
    ])


def _import(kind: str, file: Path, tmp_path: Path, url: str) -> tuple[list[str], dict[str, str]]:
    """The command line of school-a's import of `file`, with its rejects in tmp_path/rejects.csv, and its env."""
    env = {"INBEELD_MODE": "test", "INBEELD_DATA_DIR": str(tmp_path), "INBEELD_DATABASE_URL": url, "PATH": ""}
    return [INBEELD, "import", kind, str(file), "--org", "school-a", "--role", "zorgcoordinator",
            "--rejects", str(tmp_path / "rejects.csv")], env


def test_import_a_schools_absence_export(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}"

    async def register() -> str:
        async with running_gateway(gateway_settings(tmp_path, url)) as gw:
            return str((await gw.register("school-a", GOOD)).json()["child_ref"])

    ref = asyncio.run(register())
    export = tmp_path / "verzuim.csv"
    export.write_text(_csv(ref), encoding="utf-8")
    command, env = _import("absence", export, tmp_path, url)
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 3, first.stderr
    assert "11 rows: 4 accepted, 1 already received, 6 rejected" in first.stdout
    rejects = (tmp_path / "rejects.csv").read_text()
    assert rejects.splitlines() == [
        "line,reason", "7,invalid bsn", "8,invalid starts_on", "9,invalid kind", "10,5 fields where the header has 8",
        "11,child-not-found", "12,policy-denied"]  # a child the school is not involved with: not even looked up
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert "11 rows: 0 accepted, 5 already received, 6 rejected" in again.stdout
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("inbeeld.db*"))
    for bsn in (GOOD, OTHER, WRONG_BSN):
        assert bsn.encode() not in stored and bsn not in rejects and bsn not in first.stderr + first.stdout


def test_import_a_schools_intake_as_involvements(tmp_path: Path) -> None:
    """`inbeeld import involvements FILE`: more rows than one batch, the good registered and audited as through
    the API, the bad rejected by line; a second run finds every child registered already."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}"

    async def enrol() -> None:
        async with running_gateway(gateway_settings(tmp_path, url)):
            pass

    asyncio.run(enrol())
    children = [b.digits for b in synthetic_bsns(520, seed=9)]  # two batches
    lines = ["bsn,contact_point,since,birth_date", *(f"{b},intake@school-a.test,2026-09-01," for b in children),
             f"{WRONG_BSN},,,", f"{children[0]},,2999-01-01,", f"{children[1]},,,2999-01-01", f"{GOOD},x,,"]
    intake = tmp_path / "intake.csv"
    intake.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command, env = _import("involvements", intake, tmp_path, url)
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == 3, first.stderr
    assert "524 rows: 520 registered, 4 rejected" in first.stdout
    rejects = (tmp_path / "rejects.csv").read_text()
    assert rejects.splitlines() == ["line,reason", "522,invalid bsn", "523,invalid-period", "524,invalid-period",
                                    "525,invalid contact_point"]

    with sqlite3.connect(tmp_path / "inbeeld.db") as db:
        assert db.execute("SELECT count(*) FROM audit_record WHERE action = 'involvement.register' AND outcome = "
                          "'allowed' AND organisation_id = 'school-a'").fetchone() == (520,)
    verified = subprocess.run([INBEELD, "audit", "verify"], env=env, capture_output=True, text=True, timeout=60,
                              check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert "524 rows: 0 registered, 524 rejected" in again.stdout
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("inbeeld.db*"))
    for bsn in (*children[:20], WRONG_BSN, GOOD):
        assert bsn.encode() not in stored and bsn not in rejects and bsn not in first.stderr + first.stdout
