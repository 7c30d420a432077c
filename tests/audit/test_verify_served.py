"""`inbeeld audit verify` as a privacy officer runs it (the README's command, nothing else set) on the log of a real
demo gateway that was stopped, killed and started again on other addresses: the untouched log verifies, and an
altered record, a deleted record or a checkpoint re-signed with another key is still reported as tampering."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.core.crypto import sign_canonical
from gateway.demo.data import synthetic_bsns
from tests.fixtures.processes import INBEELD, free_port, kill_hard, run_cli, serving

pytestmark = pytest.mark.slow
# Checkpoints every few records or half a second, so each run of the gateway signs some.
CHECKPOINTS = {"INBEELD_AUDIT_CHECKPOINT_RECORDS": "5", "INBEELD_AUDIT_CHECKPOINT_SECONDS": "0.5"}


def _audited_requests(tmp_path: Path, port: int, count: int = 8) -> None:
    """Lookups by the demo's leerplichtambtenaar and a refused read of the audit log, then a wait until a
    checkpoint covers them all."""
    token = run_cli("demo", "token", "--org", "leerplicht-utrecht", "--role", "leerplichtambtenaar", cwd=tmp_path)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        for bsn in synthetic_bsns(count):
            response = client.post("/v1/children/lookup", json={"bsn": bsn.digits, "purpose": "leerplicht-handhaving"})
            assert response.status_code in (200, 404), response.text
        assert client.get("/v1/audit/records", params={"purpose": "toezicht"}).status_code == 403
        size = _head_size(tmp_path / "var" / "demo")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            latest = client.get("/v1/audit/checkpoints/latest")
            if latest.status_code == 200 and latest.json()["statement"]["tree_size"] >= size:
                return
            time.sleep(0.2)
    raise AssertionError(f"no checkpoint covered the {size} records within 10 s")


def _head_size(data_dir: Path) -> int:
    database = sqlite3.connect(data_dir / "inbeeld.db")
    try:
        return int(database.execute("SELECT seq FROM audit_head").fetchone()[0])
    finally:
        database.close()


def _readme_verify_command() -> str:
    """The privacy officer's command as the README's audit section gives it."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    commands = [line for line in readme.splitlines() if re.fullmatch(r"INBEELD_\S+ .*inbeeld audit verify", line)]
    assert len(commands) == 1, commands
    return commands[0]


def _verify(tmp_path: Path, data_dir: str = "var/demo") -> subprocess.CompletedProcess[str]:
    """The README's command, in a shell with no other setting of ours; the gateway ran on other ports."""
    command = _readme_verify_command().replace("var/demo", data_dir)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INBEELD_")}
    (tmp_path / ".venv").mkdir(exist_ok=True)
    (tmp_path / ".venv" / "bin").unlink(missing_ok=True)
    (tmp_path / ".venv" / "bin").symlink_to(Path(INBEELD).parent)
    return subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=environment, check=False)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_demo_stopped_killed_and_restarted_on_other_ports_verifies(tmp_path: Path, workers: str) -> None:
    ports = [free_port() for _ in range(3)]
    with serving("--demo", "--workers", workers, cwd=tmp_path, port=ports[0], env=CHECKPOINTS):
        _audited_requests(tmp_path, ports[0])
    # stopped with SIGTERM; started again on another port, and killed
    with serving("--demo", "--workers", workers, cwd=tmp_path, port=ports[1], env=CHECKPOINTS) as second:
        _audited_requests(tmp_path, ports[1])
        kill_hard(second)
    with serving("--demo", "--workers", workers, cwd=tmp_path, port=ports[2], env=CHECKPOINTS):
        _audited_requests(tmp_path, ports[2])

    result = _verify(tmp_path)
    print(result.stdout, result.stderr)
    assert result.returncode == 0 and "audit log verified" in result.stdout, result.stdout + result.stderr
    assert "TAMPERED" not in result.stderr
    database = sqlite3.connect(tmp_path / "var" / "demo" / "inbeeld.db")
    checkpoints = [json.loads(s) for (s,) in database.execute("SELECT statement FROM audit_checkpoint")]
    database.close()
    assert len(checkpoints) >= 3  # signed in every run, each under the log's one name
    assert {c["log"] for c in checkpoints} == {f"http://127.0.0.1:{ports[0]}/v1/audit"}


def _alter_record(database: sqlite3.Connection) -> None:
    database.execute("UPDATE audit_record SET professional = 'iemand-anders' WHERE seq = 3")


def _delete_record(database: sqlite3.Connection) -> None:
    database.execute("DELETE FROM audit_record WHERE seq = 3")


def _resign_checkpoint_with_another_key(database: sqlite3.Connection) -> None:
    """An operator with database access and a key of their own: the statement re-signed under the same key id."""
    tree_size, statement = database.execute("SELECT tree_size, statement FROM audit_checkpoint "
                                            "ORDER BY tree_size LIMIT 1").fetchone()
    signature = sign_canonical(json.loads(statement), Ed25519PrivateKey.generate())
    database.execute("UPDATE audit_checkpoint SET signature = ? WHERE tree_size = ?", (signature, tree_size))


TAMPERING = {
    "an altered record": (_alter_record, "record 3 was changed after it was written"),
    "a deleted record": (_delete_record, "record 3 is missing"),
    "a checkpoint re-signed with another key": (_resign_checkpoint_with_another_key,
                                                "a checkpoint's signature does not verify"),
}


def test_tampering_with_a_served_demo_log_is_still_reported(tmp_path: Path) -> None:
    port = free_port()
    with serving("--demo", cwd=tmp_path, port=port, env=CHECKPOINTS):
        _audited_requests(tmp_path, port)
    assert _verify(tmp_path).returncode == 0
    for number, (name, (tamper, finding)) in enumerate(TAMPERING.items()):
        copy = tmp_path / "var" / f"tampered-{number}"
        shutil.copytree(tmp_path / "var" / "demo", copy)
        database = sqlite3.connect(copy / "inbeeld.db")
        tamper(database)
        database.commit()
        database.close()
        result = _verify(tmp_path, str(copy.relative_to(tmp_path)))
        assert result.returncode == 1, name
        assert f"TAMPERED: {finding}" in result.stderr, (name, result.stdout + result.stderr)
        assert "audit log verified" not in result.stdout, name
