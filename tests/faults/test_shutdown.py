"""SIGTERM (a deploy, a scale-down) lets the request in flight finish and delivers the outbox's due messages before
the process exits; nothing acknowledged is lost. (SIGKILL: tests/audit/test_crash.py and tests/e2e/test_serve.py.)"""

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.gateway import BSNS
from tests.fixtures.processes import enrol_partners, free_port, partner_tokens, serving
from tests.fixtures.receiver import webhook_receiver

pytestmark = pytest.mark.slow


def _trickle(body: bytes, seconds: float) -> Iterator[bytes]:
    """A slow client: the body in ten pieces over `seconds`."""
    step = len(body) // 10 + 1
    for start in range(0, len(body), step):
        time.sleep(seconds / 10)
        yield body[start:start + step]


def test_sigterm_finishes_the_request_in_flight_and_drains_the_outbox(tmp_path: Path) -> None:
    port = free_port()
    env = {"INBEELD_MODE": "development", "INBEELD_DATA_DIR": str(tmp_path / "data"),
           "INBEELD_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "INBEELD_OUTBOX_POLL_SECONDS": "3600"}  # the worker's own passes would not deliver before the SIGTERM
    with webhook_receiver() as receiver:
        keys = enrol_partners(tmp_path, env, receiver.for_org)
        with serving(cwd=tmp_path, port=port, env=env) as process:
            auth = {org: {"Authorization": f"Bearer {token}", "content-type": "application/json"}
                    for org, token in partner_tokens(port, keys).items()}
            base = f"http://127.0.0.1:{port}"
            for org in ("school-x", "ggd-x"):  # both involved: a match notification for each is due
                response = httpx.post(f"{base}/v1/involvements", headers=auth[org], timeout=10,
                                      json={"bsn": BSNS[5], "purpose": "signalering"})
                assert response.status_code == 201, response.text

            in_flight: list[httpx.Response] = []
            body = b'{"bsn": "%s", "purpose": "signalering"}' % BSNS[6].encode()
            slow = threading.Thread(target=lambda: in_flight.append(httpx.post(
                f"{base}/v1/involvements", headers=auth["school-x"], content=_trickle(body, 2.0), timeout=30)))
            slow.start()
            time.sleep(0.6)  # its headers and part of its body have arrived
            os.kill(process.pid, signal.SIGTERM)
            slow.join(timeout=30)
            # uvicorn re-raises the signal once it has shut down, so its parent sees how it ended.
            assert process.wait(timeout=30) == -signal.SIGTERM
        assert in_flight and in_flight[0].status_code == 201, in_flight
        assert sorted(d.path for d in receiver.deliveries) == ["/hooks/ggd-x", "/hooks/school-x"]

    log = (tmp_path / f"serve-{port}.log").read_text()
    assert "outbox not drained" not in log
    with sqlite3.connect(tmp_path / "data" / "inbeeld.db") as db:
        assert db.execute("SELECT count(*) FROM involvement").fetchone() == (3,)
        assert db.execute("SELECT count(*) FROM outbox_message WHERE delivered_at IS NULL").fetchone() == (0,)
