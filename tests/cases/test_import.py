"""`inbeeld import absence FILE`: a school's CSV export reported row by row as events — good rows accepted, bad
rows rejected with their line and reason (never their values), a second run recognises every row, and neither
the database nor the rejects file holds a BSN from the file."""

import asyncio
import subprocess
from pathlib import Path

import pytest

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


def test_import_a_schools_absence_export(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}"

    async def register() -> str:
        async with running_gateway(gateway_settings(tmp_path, url)) as gw:
            return str((await gw.register("school-a", GOOD)).json()["child_ref"])

    ref = asyncio.run(register())
    export = tmp_path / "verzuim.csv"
    export.write_text(_csv(ref), encoding="utf-8")
    env = {"INBEELD_MODE": "test", "INBEELD_DATA_DIR": str(tmp_path), "INBEELD_DATABASE_URL": url, "PATH": ""}
    command = [INBEELD, "import", "absence", str(export), "--org", "school-a", "--role", "zorgcoordinator",
               "--rejects", str(tmp_path / "rejects.csv")]
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
