"""The README's commands as a user types them: a real `inbeeld serve` process, tokens from the CLI."""

import json
import re
import time
from pathlib import Path

import httpx
import pytest

from gateway.core.vocabulary import AttendanceStatus
from gateway.demo.data import first_demo_bsn_with
from tests.fixtures.gateway import BSNS
from tests.fixtures.portal import hidden_fields
from tests.fixtures.processes import (
    enrol_clients,
    enrol_partners,
    free_port,
    kill_hard,
    partner_tokens,
    run_cli,
    serving,
)
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
        parents = set()
        for _ in range(4):  # the parent portal through the demo's DigiD-like provider and BRP, on any worker
            with httpx.Client(base_url=base, timeout=10) as browser:
                picker = browser.get(browser.get("/portaal/inloggen").headers["location"])
                parent = re.findall(r'name="bsn" value="(\d{9})"', picker.text)[len(parents)]
                chosen = browser.post("/demo/idp/authorize", data={**hidden_fields(picker.text), "bsn": parent})
                assert browser.get(chosen.headers["location"]).headers["location"] == "/portaal"
                assert "Mijn kinderen" in browser.get("/portaal").text
                parents.add(parent)
    logs = (tmp_path / f"serve-{port}.log").read_text().split("\n", 20)[-1]  # after the banner
    assert bsn.digits not in logs and ref not in logs
    assert not any(parent in logs for parent in parents)
    # Started again on the same files, the demo is reused, not seeded twice.
    with serving("--demo", cwd=tmp_path, port=port, log=tmp_path / "again.log"):
        assert "reused" in (tmp_path / "again.log").read_text()


def test_match_notification_is_delivered_after_the_gateway_was_killed(tmp_path: Path) -> None:
    port = free_port()
    env = {"INBEELD_MODE": "development", "INBEELD_DATA_DIR": str(tmp_path / "data"),
           "INBEELD_PUBLIC_URL": f"http://127.0.0.1:{port}", "INBEELD_OUTBOX_POLL_SECONDS": "0.1",
           "INBEELD_OUTBOX_RETRY_BASE_SECONDS": "0.1",
           "INBEELD_OUTBOX_LEASE_SECONDS": "2"}  # a delivery the kill cuts off is claimed again after this
    with webhook_receiver() as receiver:
        receiver.fail_first = 10**6  # the partner is down while the first gateway runs
        keys = enrol_partners(tmp_path, env, receiver.for_org)
        with serving(cwd=tmp_path, port=port, env=env) as first:
            tokens = partner_tokens(port, keys)
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


def test_an_independent_oauth_client_library_gets_a_token_and_calls_the_api(tmp_path: Path) -> None:
    """authlib's requests client (the partner's side, none of our server code) does private_key_jwt."""
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc7523 import PrivateKeyJWT
    from joserfc.jwk import ECKey

    port = free_port()
    env = {"INBEELD_MODE": "development", "INBEELD_DATA_DIR": str(tmp_path / "data"),
           "INBEELD_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    run_cli("org", "add", "--id", "ggd-y", "--name", "GGD Y", "--type", "ggd", "--identifier", "99YY",
            "--contact-point", "jgz@ggd-y.test", cwd=tmp_path, env=env)
    keys = enrol_clients(tmp_path, env, ("ggd-y",))
    endpoint = f"http://127.0.0.1:{port}/v1/oauth/token"
    with serving(cwd=tmp_path, port=port, env=env):
        class FiveMinutePrivateKeyJWT(PrivateKeyJWT):  # type: ignore[misc]
            """authlib signs for an hour by default; the gateway accepts at most five minutes."""

            def sign(self, auth: object, token_endpoint: str) -> object:
                self.claims = {"professional": {"id": "lib-1", "role": "jeugdarts"}, "exp": int(time.time()) + 60}
                return super().sign(auth, token_endpoint)

        auth = FiveMinutePrivateKeyJWT(endpoint, headers={"kid": "ggd-y-1"}, alg="ES256")
        with OAuth2Session(client_id="ggd-y", client_secret=ECKey.import_key(keys["ggd-y"]),
                           token_endpoint_auth_method=auth) as session:
            session.register_client_auth_method(auth)
            session.fetch_token(endpoint, grant_type="client_credentials")
            response = session.post(f"http://127.0.0.1:{port}/v1/involvements", timeout=10,
                                    json={"bsn": BSNS[6], "purpose": "signalering"})
            assert response.status_code == 201, response.text
