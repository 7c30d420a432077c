"""Crash safety of the audit log: a real gateway (`inbeeld serve --demo`, SQLite) is killed with SIGKILL at random
moments while clients make audited requests; every request it acknowledged has its record, positions stay
gapless, and `inbeeld audit verify` passes afterwards."""

import random
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from gateway.demo.data import synthetic_bsns
from tests.fixtures.processes import free_port, kill_hard, run_cli, serving

pytestmark = pytest.mark.slow
WANTED, KILLS, DEADLINE_SECONDS = 1000, 3, 180


def test_no_acknowledged_audit_record_is_lost_when_the_gateway_is_killed(tmp_path: Path) -> None:
    port, rng = free_port(), random.Random(7)
    base = f"http://127.0.0.1:{port}"
    bsns = [b.digits for b in synthetic_bsns(60)]
    acknowledged: list[str] = []
    lock, deadline, kills = threading.Lock(), time.monotonic() + DEADLINE_SECONDS, 0

    def client(number: int, token: str, stop: threading.Event) -> None:
        with httpx.Client(base_url=base, timeout=5, headers={"Authorization": f"Bearer {token}"}) as http:
            for i in range(100_000):
                if stop.is_set():
                    return
                request_id = f"crash-{number}-{i}-{rng.random():.6f}"[:64]
                try:
                    response = http.post("/v1/children/lookup", headers={"x-request-id": request_id},
                                         json={"bsn": bsns[i % len(bsns)], "purpose": "leerplicht-handhaving"})
                except httpx.TransportError:
                    time.sleep(0.05)
                    continue
                if response.status_code == 200:
                    with lock:
                        acknowledged.append(request_id)

    while (len(acknowledged) < WANTED or kills < KILLS) and time.monotonic() < deadline:
        with serving("--demo", cwd=tmp_path, port=port, log=tmp_path / f"serve-{kills}.log") as process:
            token = run_cli("demo", "token", "--org", "leerplicht-utrecht", "--role", "leerplichtambtenaar",
                            cwd=tmp_path)
            stop = threading.Event()
            threads = [threading.Thread(target=client, args=(n, token, stop)) for n in range(4)]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.5, 2.5))
            kill_hard(process)  # mid-request, mid-commit, wherever it is
            kills += 1
            stop.set()
            for thread in threads:
                thread.join(timeout=10)
    assert len(acknowledged) >= WANTED and kills >= KILLS, (len(acknowledged), kills)

    database = sqlite3.connect(tmp_path / "var" / "demo" / "inbeeld.db")
    stored = {row[0] for row in database.execute("SELECT request_id FROM audit_record")}
    seqs = [row[0] for row in database.execute("SELECT seq FROM audit_record ORDER BY seq")]
    database.close()
    lost = [r for r in acknowledged if r not in stored]
    print(f"{len(acknowledged)} acknowledged audited requests, {kills} SIGKILLs, {len(seqs)} records, "
          f"{len(lost)} lost")
    assert not lost
    assert seqs == list(range(1, len(seqs) + 1))
    env = {"INBEELD_MODE": "demo", "INBEELD_DATA_DIR": str(tmp_path / "var" / "demo"), "INBEELD_PUBLIC_URL": base}
    assert "audit log verified" in run_cli("audit", "verify", cwd=tmp_path, env=env)
