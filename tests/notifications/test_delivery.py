"""Match notifications: policy-decided, signed, retried, and delivered after a gateway restart."""

import asyncio
import contextlib
import json
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gateway.core.crypto import CryptoError
from gateway.notifications import repository
from gateway.notifications.signing import verify
from tests.fixtures.gateway import BSNS, Gateway, gateway_settings, running_gateway
from tests.fixtures.receiver import Receiver, webhook_receiver
from tests.fixtures.servers import serving_in_thread, silent_server

pytestmark = pytest.mark.anyio
BSN = BSNS[3]
HOOKED = ("school-a", "ggd", "jeugdteam", "rvdk")


@pytest.fixture
def receiver() -> Receiver:
    with webhook_receiver() as r:
        yield r  # type: ignore[misc]


def _webhooks(receiver: Receiver) -> dict[str, str | None]:
    return {org: receiver.for_org(org) for org in HOOKED}


async def _jwks(gw: Gateway) -> dict[str, object]:
    response = await gw.client.get("/v1/webhooks/jwks")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


async def test_match_is_delivered_signed_to_both_partners(database_url: str, tmp_path: Path,
                                                          receiver: Receiver) -> None:
    async with running_gateway(gateway_settings(tmp_path, database_url), webhooks=_webhooks(receiver)) as gw:
        school_ref = (await gw.register("school-a", BSN)).json()["child_ref"]
        assert await gw.count("outbox_message") == 0  # alone: no match
        ggd_ref = (await gw.register("ggd", BSN)).json()["child_ref"]
        assert await gw.count("outbox_message") == 2
        assert await gw.app.state.outbox.deliver_due() == 2
        jwks = await _jwks(gw)

    (to_school,), (to_ggd,) = receiver.to("school-a"), receiver.to("ggd")
    for delivery, own_ref, partner in ((to_school, school_ref, "ggd"), (to_ggd, ggd_ref, "school-a")):
        message_id = verify(headers=delivery.headers, body=delivery.body, jwks=jwks)
        assert delivery.headers["idempotency-key"] == message_id
        payload = json.loads(delivery.body)
        assert payload["type"] == "involvement.match" and payload["id"] == message_id
        assert payload["child_ref"] == own_ref  # each partner gets its own reference
        assert payload["partner"]["organisation"]["id"] == partner
        assert BSN.encode() not in delivery.body
        with pytest.raises(CryptoError):
            verify(headers=delivery.headers, body=delivery.body.replace(b"match", b"hatch"), jwks=jwks)


async def test_failed_delivery_is_retried_with_the_same_idempotency_key(
        database_url: str, tmp_path: Path, receiver: Receiver) -> None:
    receiver.fail_first = 1
    async with running_gateway(gateway_settings(tmp_path, database_url),
                               webhooks={"school-a": receiver.for_org("school-a")}) as gw:
        await gw.register("school-a", BSN)
        await gw.register("jeugdteam", BSN)  # jeugdteam has no webhook: only the school is told
        assert await gw.app.state.outbox.deliver_due() == 1
        (row,) = await gw.rows("SELECT attempts, last_error, delivered_at FROM outbox_message")
        assert (row.attempts, row.last_error, row.delivered_at) == (1, "http-500", None)
        for _ in range(50):  # backoff base is 50 ms in tests; bounded wait
            if await gw.app.state.outbox.deliver_due():
                break
            await asyncio.sleep(0.05)
        (row,) = await gw.rows("SELECT attempts, last_error, delivered_at FROM outbox_message")
        assert row.attempts == 2 and row.delivered_at is not None and row.last_error is None
    assert receiver.attempts == 2 and len(receiver.deliveries) == 1
    assert await _outbox_done(database_url, tmp_path)


async def _outbox_done(database_url: str, tmp_path: Path) -> bool:
    async with running_gateway(gateway_settings(tmp_path, database_url), enrol=False) as gw:
        return await gw.count("outbox_message") == len(await gw.rows(
            "SELECT id FROM outbox_message WHERE delivered_at IS NOT NULL"))


async def test_pending_and_half_delivered_messages_survive_a_restart(
        database_url: str, tmp_path: Path, receiver: Receiver) -> None:
    settings = gateway_settings(tmp_path, database_url)
    lease = timedelta(seconds=settings.outbox_lease_seconds)
    async with running_gateway(settings, webhooks=_webhooks(receiver)) as gw:
        await gw.register("school-a", BSN)
        await gw.register("ggd", BSN)
        # One message is claimed, then the gateway "dies" before the receiver acknowledged it.
        async with gw.app.state.context.db.engine.begin() as conn:
            claimed = await repository.claim_due(conn, now=datetime.now(UTC), lease=lease, limit=1)
        assert len(claimed) == 1
    assert receiver.deliveries == []

    later = lambda: datetime.now(UTC) + lease + timedelta(seconds=1)  # noqa: E731  (the lease has run out)
    restarted = gateway_settings(tmp_path, database_url, outbox_worker=True)
    async with running_gateway(restarted, enrol=False, clock=later) as gw:
        for _ in range(100):  # the background worker delivers; bounded wait of 5 s
            if len(receiver.deliveries) == 2:
                break
            await asyncio.sleep(0.05)
    assert sorted(d.path for d in receiver.deliveries) == ["/hooks/ggd", "/hooks/school-a"]


async def test_school_is_not_told_that_child_protection_is_involved(
        database_url: str, tmp_path: Path, receiver: Receiver) -> None:
    async with running_gateway(gateway_settings(tmp_path, database_url), webhooks=_webhooks(receiver)) as gw:
        await gw.register("school-a", BSN)
        await gw.register("rvdk", BSN, purpose="jeugdbescherming")
        (message,) = await gw.rows("SELECT recipient_id FROM outbox_message")
        assert message.recipient_id == "rvdk"
        audit = await gw.rows("SELECT organisation_id, outcome, reasons FROM audit_record WHERE action='match.notify'")
        assert sorted(tuple(a) for a in audit) == [("rvdk", "allowed", ""),
                                                   ("school-a", "denied", "partner-hidden-from-recipient")]


class _Dribbler(BaseHTTPRequestHandler):
    """A receiver that says 200 and then sends its body a byte at a time, each well within the read timeout."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(200)
        self.send_header("content-length", "1000")
        self.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(40):  # 10 s at most
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.25)

    def log_message(self, *args: object) -> None:
        pass


async def test_a_receiver_that_dribbles_holds_up_no_delivery(database_url: str, tmp_path: Path,
                                                             receiver: Receiver) -> None:
    """Its status is all a receiver says; the gateway does not wait for the rest, nor beyond its timeout."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Dribbler)
    server.daemon_threads = True
    settings = gateway_settings(tmp_path, database_url, webhook_timeout_seconds=1.0)
    with serving_in_thread(server) as dribbler:
        async with running_gateway(settings, webhooks={"school-a": f"{dribbler}/hook",
                                                       "ggd": receiver.for_org("ggd")}) as gw:
            await gw.register("school-a", BSN)
            await gw.register("ggd", BSN)
            started = time.monotonic()
            assert await gw.app.state.outbox.deliver_due() == 2
            assert time.monotonic() - started < 4
            assert await gw.count("outbox_message") == 2
            assert len(await gw.rows("SELECT id FROM outbox_message WHERE delivered_at IS NOT NULL")) == 2
    assert [d.path for d in receiver.deliveries] == ["/hooks/ggd"]


async def test_a_pass_tries_no_more_than_fits_in_its_lease(database_url: str, tmp_path: Path) -> None:
    """Receivers that never answer: every try takes the whole timeout, and the pass still ends before the lease
    of what it claimed (which another replica would otherwise claim and deliver a second time)."""
    settings = gateway_settings(tmp_path, database_url, webhook_timeout_seconds=1.0, outbox_lease_seconds=3.5)
    with silent_server() as port:
        async with running_gateway(settings, webhooks={org: f"http://127.0.0.1:{port}/{org}" for org in HOOKED}) as gw:
            for org in HOOKED:
                await gw.register(org, BSN)
            assert await gw.count("outbox_message") >= 3
            started = time.monotonic()
            tried = await gw.app.state.outbox.deliver_due()
            assert time.monotonic() - started < settings.outbox_lease_seconds
            assert tried == 1
            assert [r.last_error for r in await gw.rows(
                "SELECT last_error FROM outbox_message WHERE last_error IS NOT NULL")] == ["timeout"]
