"""`inbeeld serve` with two workers logs from both: one JSON object a line, access records by route template,
and no BSN, child reference or token among them."""

import json
from pathlib import Path

import httpx
import pytest

from gateway.auth.tokens import Caller, mint_access_token
from gateway.core.keys import load_key_ring
from gateway.core.settings import Mode, Settings
from gateway.core.vocabulary import OrgType, Role
from tests.fixtures.gateway import BSNS
from tests.fixtures.processes import free_listen_port, serving

pytestmark = pytest.mark.slow


def test_workers_log_json_without_secrets(tmp_path: Path) -> None:
    port = free_listen_port()
    url = f"http://127.0.0.1:{port}"
    env = {"INBEELD_MODE": "development", "INBEELD_DATA_DIR": str(tmp_path / "var"), "INBEELD_PUBLIC_URL": url,
           "INBEELD_OUTBOX_WORKER": "false", "INBEELD_CASE_WATCHER": "false", "INBEELD_AUDIT_CHECKPOINTER": "false"}
    log = tmp_path / "serve.log"
    with serving("--workers", "2", cwd=tmp_path, port=port, env=env, log=log):
        settings = Settings(mode=Mode.development, data_dir=tmp_path / "var", public_url=url)
        token = mint_access_token(load_key_ring(settings), issuer=url, audience=settings.token_audience,
                                  caller=Caller("school-x", OrgType.school, Role.zorgcoordinator, "prof-1"))
        with httpx.Client(base_url=url, timeout=10) as client:
            statuses = [client.get("/v1/health").status_code for _ in range(6)]
            registered = client.post("/v1/involvements", headers={"Authorization": f"Bearer {token}"},
                                     json={"bsn": BSNS[0], "purpose": "signalering"})
            card = client.get("/v1/children/r-0000abcd.notarealreference?purpose=signalering",
                              headers={"Authorization": f"Bearer {token}"})
    assert statuses == [200] * 6 and registered.status_code >= 400 and card.status_code in (403, 404)
    text = log.read_text()
    records = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    access = [r for r in records if r["logger"] == "inbeeld.access"]
    assert len(access) >= 8 and {r["route"] for r in access} >= {"/v1/health", "/v1/involvements",
                                                                  "/v1/children/{child_ref}"}
    assert len({r["message"] for r in records if "Started server process" in r["message"]}) == 2
    for secret in (BSNS[0], token, token.split(".")[2], "notarealreference"):
        assert secret not in text
