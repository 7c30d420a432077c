"""The README's commands as a user types them: a real `inbeeld serve` process, tokens from the CLI."""

import json
import time
from pathlib import Path

import httpx
import pytest

from gateway.core.vocabulary import AttendanceStatus
from gateway.demo.data import first_demo_bsn_with
from tests.fixtures.gateway import BSNS
from tests.fixtures.processes import free_port, kill_hard, run_cli, serving
from tests.fixtures.receiver import webhook_receiver

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("workers", [1, 2])
def test_demo_walkthrough(tmp_path: Path, workers: int) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serving("--demo", "--workers", str(workers), cwd=tmp_path, port=port):
        banner = (tmp_path / f"serve-{port}.log").read_text()
        assert "inbeeld demo token --org leerplicht-utrecht --role leerplichtambtenaar" in banner
        token = run_cli("demo", "token", "--org", "leerplicht-utrecht", "--role", "leerplichtambtenaar", cwd=tmp_path)
        bsn, situation = first_demo_bsn_with(AttendanceStatus.thuiszitter)
        assert bsn.digits in banner  # the walkthrough's BSN is a synthetic test number
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=auth, timeout=10) as client:
            ref = client.post("/v1/children/lookup",
                              json={"bsn": bsn.digits, "purpose": "leerplicht-handhaving"}).json()["child_ref"]
            card = client.get(f"/v1/children/{ref}", params={"purpose": "leerplicht-handhaving"}).json()
            assert card["attendance"]["status"] == "thuiszitter"
            assert {i["organisation"]["id"] for i in card["involvements"]} == set(situation.partners)
            for _ in range(20):  # spread over the workers
                assert client.get(f"/v1/children/{ref}/involvements",
                                  params={"purpose": "leerplicht-handhaving"}).status_code == 200
            assert client.get("/v1/openapi.json").json()["info"]["title"] == "Inbeeld gateway"
    logs = (tmp_path / f"serve-{port}.log").read_text().split("\n", 20)[-1]  # after the banner
    assert bsn.digits not in logs and ref not in logs
    # Started again on the same files, the demo is reused, not seeded twice.
    with serving("--demo", cwd=tmp_path, port=port, log=tmp_path / "again.log"):
        assert "reused" in (tmp_path / "again.log").read_text()


def test_match_notification_is_delivered_after_the_gateway_was_killed(tmp_path: Path) -> None:
    port = free_port()
    env = {"INBEELD_MODE": "development", "INBEELD_DATA_DIR": str(tmp_path / "data"),
           "INBEELD_PUBLIC_URL": f"http://127.0.0.1:{port}", "INBEELD_OUTBOX_POLL_SECONDS": "0.1",
           "INBEELD_OUTBOX_RETRY_BASE_SECONDS": "0.1"}
    with webhook_receiver() as receiver:
        receiver.fail_first = 10**6  # the partner is down while the first gateway runs
        for org, kind in (("school-x", "school"), ("ggd-x", "ggd")):
            run_cli("org", "add", "--id", org, "--name", f"Test {org}", "--type", kind, "--identifier", "99XX",
                    "--contact-point", f"team@{org}.test", "--webhook-url", receiver.for_org(org),
                    cwd=tmp_path, env=env)
        tokens = {org: run_cli("dev-token", "--org", org, "--role", role, cwd=tmp_path, env=env)
                  for org, role in (("school-x", "zorgcoordinator"), ("ggd-x", "jeugdarts"))}
        with serving(cwd=tmp_path, port=port, env=env) as first:
            for org in ("school-x", "ggd-x"):
                response = httpx.post(f"http://127.0.0.1:{port}/v1/involvements", timeout=10,
                                      headers={"Authorization": f"Bearer {tokens[org]}"},
                                      json={"bsn": BSNS[5], "purpose": "signalering"})
                assert response.status_code == 201, response.text
            deadline = time.monotonic() + 10
            while receiver.attempts < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert receiver.attempts >= 2 and receiver.deliveries == []
            kill_hard(first)  # SIGKILL: no shutdown hooks
        receiver.fail_first = 0
        receiver.attempts = 0
        with serving(cwd=tmp_path, port=port, env=env, log=tmp_path / "second.log"):
            deadline = time.monotonic() + 20
            while len(receiver.deliveries) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
    assert sorted(d.path for d in receiver.deliveries) == ["/hooks/ggd-x", "/hooks/school-x"]
    ids = {json.loads(d.body)["id"] for d in receiver.deliveries}
    assert ids == {d.headers["webhook-id"] for d in receiver.deliveries}
    for path in (tmp_path / "data").iterdir():
        assert BSNS[5].encode() not in path.read_bytes(), path.name
