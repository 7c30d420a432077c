"""Three regions, three gateways — real servers on 127.0.0.1, each with its own database, keys and policies,
talking mutual TLS with a test PKI. A child involved in Utrecht is found from Lekstroom as far as both policies
allow; a region that never answers gives a partial answer within the deadline; a region whose certificate is
revoked is refused in both directions; both sides audit; an unsigned or replayed peer request is refused; a peer's
malformed or oversized answer is reported, not passed on."""

import asyncio
import concurrent.futures
import contextlib
import json
import logging
import socket
import sqlite3
import ssl
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from gateway.app import create_app
from gateway.auth.tokens import Caller, mint_access_token
from gateway.core.crypto import public_jwk
from gateway.core.db import migrate
from gateway.core.keys import load_key_ring
from gateway.core.settings import Settings
from gateway.core.vocabulary import OrgType, Role
from gateway.federation.tls import client_context
from gateway.notifications.signing import signature_headers
from tests.fixtures.gateway import BSNS, ORGS, enrol_region, gateway_settings
from tests.fixtures.pki import TestPki
from tests.fixtures.processes import free_listen_port, serving
from tests.fixtures.servers import asgi_in_thread, serving_in_thread, silent_server

pytestmark = pytest.mark.slow
REGIONS = ("utrecht", "lekstroom", "gooi")
BSN = BSNS[0]


class Region:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def auth(self, org: str, role: Role | None = None) -> dict[str, str]:
        org_type, default = ORGS[org]
        caller = Caller(organisation_id=org, organisation_type=org_type, role=role or default, professional="p-1")
        token = mint_access_token(load_key_ring(self.settings), issuer=self.settings.public_url,
                                  audience=self.settings.token_audience, caller=caller)
        return {"Authorization": f"Bearer {token}"}

    def post(self, path: str, org: str, body: dict[str, Any]) -> httpx.Response:
        return httpx.post(self.settings.public_url + path, headers=self.auth(org), json=body, timeout=15)

    def audit(self, action: str) -> list[tuple[str, str, str]]:
        with sqlite3.connect(self.settings.data_dir / "inbeeld.db") as conn:
            return conn.execute("SELECT organisation_id, outcome, fields FROM audit_record WHERE action = ? "
                                "ORDER BY seq", (action,)).fetchall()


@pytest.fixture
def regions(tmp_path: Path) -> Iterator[dict[str, Region]]:
    pki = TestPki(tmp_path / "pki")
    identities = {r: pki.issue(r) for r in REGIONS}
    crl = pki.crl([identities["gooi"]])  # Gooi's certificate was revoked
    ports = {r: (free_listen_port(), free_listen_port()) for r in REGIONS}
    base = {r: gateway_settings(tmp_path / r, f"sqlite+aiosqlite:///{tmp_path / r / 'inbeeld.db'}", region=r,
                                public_url=f"http://127.0.0.1:{ports[r][0]}") for r in REGIONS}
    jwks = {r: {"keys": [public_jwk(kid, key) for kid, key in load_key_ring(base[r]).signing]} for r in REGIONS}
    with silent_server() as silent_port, contextlib.ExitStack() as running:
        built = {}
        for region in REGIONS:
            peers = [{"region": other, "url": f"https://127.0.0.1:{ports[other][1]}", "jwks": jwks[other]}
                     for other in REGIONS if other != region]
            if region == "lekstroom":  # and two more: one that never answers, one that is stopped
                peers += [{"region": "stil", "url": f"https://127.0.0.1:{silent_port}", "jwks": {"keys": []}},
                          {"region": "weg", "url": f"https://127.0.0.1:{free_listen_port()}", "jwks": {"keys": []}}]
            settings = base[region].model_copy(update={
                "federation_peers_json": json.dumps(peers), "federation_port": ports[region][1],
                "federation_cert_file": identities[region].cert, "federation_key_file": identities[region].key,
                "federation_ca_file": pki.ca, "federation_crl_file": crl, "federation_timeout_seconds": 1.0})
            migrate(settings.effective_database_url)
            asyncio.run(enrol_region(settings, {}))
            running.enter_context(asgi_in_thread(create_app(settings), port=ports[region][0]))
            built[region] = Region(settings)
        yield built


def _first_read(settings: Settings, port: int | None) -> str:
    """What a peer's TLS stack says to this gateway's client certificate on the first read."""
    with socket.create_connection(("127.0.0.1", port or 0), timeout=5) as raw, \
            client_context(settings).wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        try:
            return "answered" if tls.recv(1) else "closed"
        except ssl.SSLError as error:
            return str(error.reason)


def test_three_regions(regions: dict[str, Region]) -> None:
    utrecht, lekstroom, gooi = regions["utrecht"], regions["lekstroom"], regions["gooi"]
    for org, purpose in (("school-a", "signalering"), ("rvdk", "jeugdbescherming")):
        assert utrecht.post("/v1/involvements", org, {"bsn": BSN, "purpose": purpose}).status_code == 201
    ask = {"bsn": BSN, "purpose": "leerplicht-handhaving"}

    # Leerplicht in Lekstroom: not known there; Utrecht answers under its own policy; the silent region is given
    # up on at the deadline; Gooi's revoked certificate is refused.
    started = time.monotonic()
    answer = lekstroom.post("/v1/federation/lookup", "leerplicht", ask)
    assert answer.status_code == 200, answer.text
    assert time.monotonic() - started < 2.5
    body = answer.json()
    assert body["region"] == "lekstroom" and body["child_ref"] is None
    peers = {p["region"]: p for p in body["peers"]}
    assert peers["utrecht"]["status"] == "found"
    assert {(i["organisation"], i["organisation_type"]) for i in peers["utrecht"]["involvements"]} == {
        ("Test school-a", "school"), ("Test rvdk", "rvdk")}
    assert (peers["stil"]["status"], peers["stil"]["reasons"]) == ("unavailable", ["timeout"])
    assert (peers["weg"]["status"], peers["weg"]["reasons"]) == ("unavailable", ["connection"])
    assert (peers["gooi"]["status"], peers["gooi"]["reasons"]) == ("unavailable", ["tls"])
    assert BSN not in answer.text

    # While a lookup waits on the silent region, the gateway goes on writing: nothing is locked meanwhile.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(lekstroom.post, "/v1/federation/lookup", "leerplicht", ask)
        time.sleep(0.3)
        assert lekstroom.post("/v1/involvements", "ggd", {"bsn": BSNS[1], "purpose": "signalering"}).status_code == 201
        assert not waiting.done()  # the write did not queue behind the waiting lookup
        assert waiting.result().status_code == 200

    # A school in Lekstroom must first have a basis in its own region; involved there, it may ask — and Utrecht's
    # policy refuses it (no statutory task across the border).
    denied = lekstroom.post("/v1/federation/lookup", "school-a", {"bsn": BSN, "purpose": "signalering"})
    assert denied.status_code == 403
    assert lekstroom.post("/v1/involvements", "school-a", {"bsn": BSN, "purpose": "signalering"}).status_code == 201
    school = lekstroom.post("/v1/federation/lookup", "school-a", {"bsn": BSN, "purpose": "signalering"}).json()
    refused = next(p for p in school["peers"] if p["region"] == "utrecht")
    assert (refused["status"], refused["reasons"]) == ("refused", ["no-statutory-task-for-peer"])
    assert school["child_ref"] is not None

    # Gooi, with its revoked certificate, is refused by Utrecht before any request is read (Utrecht ends the
    # connection after the handshake; there is nothing in its log, see below).
    from_gooi = gooi.post("/v1/federation/lookup", "leerplicht", ask).json()
    assert {p["region"]: p["status"] for p in from_gooi["peers"]}["utrecht"] == "unavailable"
    port = utrecht.settings.federation_port
    assert _first_read(lekstroom.settings, port) == "answered"  # the same CA, not revoked: answered
    assert _first_read(gooi.settings, port) in ("closed", "TLSV13_ALERT_CERTIFICATE_REVOKED")

    # Both sides audited the exchanges; Utrecht saw nothing of Gooi.
    everyone = ",".join(sorted(f"involvements:{t.value}" for t in OrgType))
    assert utrecht.audit("peer.lookup") == [("lekstroom:leerplicht", "allowed", everyone)] * 2 + [
        ("lekstroom:school-a", "denied", "")]
    asked = lekstroom.audit("child.lookup.peers")
    assert asked[0][:2] == ("leerplicht", "allowed")
    assert set(asked[0][2].split(",")) == {"peer:utrecht:found", "peer:gooi:unavailable", "peer:stil:unavailable",
                                           "peer:weg:unavailable"}
    assert [r[1] for r in asked] == ["allowed", "allowed", "denied", "allowed"]


def _replica_env(settings: Settings, **changes: Any) -> dict[str, str]:
    """The environment that starts another replica of this region's gateway (`inbeeld serve`)."""
    values = {**settings.model_dump(mode="json", exclude_defaults=True), **changes}
    return {f"INBEELD_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
            for name, value in values.items() if value is not None}


def test_a_peer_request_must_be_signed_once(regions: dict[str, Region], tmp_path: Path) -> None:
    utrecht, lekstroom = regions["utrecht"], regions["lekstroom"]
    settings = lekstroom.settings
    url = f"https://127.0.0.1:{utrecht.settings.federation_port}/federation/v1/lookup"
    body = json.dumps({"bsn": BSN, "purpose": "leerplicht-handhaving", "organisation": "leerplicht",
                       "organisation_type": "leerplicht", "role": "leerplichtambtenaar",
                       "professional": "p-1"}).encode()
    kid, key = load_key_ring(settings).signing[-1]

    def signed(content: bytes = body) -> dict[str, str]:
        return {"content-type": "application/json", "inbeeld-peer-region": "lekstroom",
                **signature_headers(message_id=str(uuid.uuid4()), body=content, key_id=kid, key=key)}

    once = signed()
    with httpx.Client(verify=client_context(settings), timeout=5) as client:
        unsigned = client.post(url, content=body, headers={"content-type": "application/json",
                                                           "inbeeld-peer-region": "lekstroom"})
        assert (unsigned.status_code, unsigned.json()["code"]) == (401, "peer-not-genuine")
        assert client.post(url, content=body, headers=once).json()["status"] == "not-found"
        replayed = client.post(url, content=body, headers=once)
        assert (replayed.status_code, replayed.json()["code"]) == (401, "peer-not-genuine")
        tampered = client.post(url, content=body.replace(b"leerplicht-handhaving", b"jeugdbescherming"),
                               headers={**signed(), "webhook-id": str(uuid.uuid4())})
        assert tampered.status_code == 401
        # A refused request is spent as well: its replay is not refused (and audited) again.
        school_type, school_role = ORGS["school-a"]
        content = json.dumps({**json.loads(body), "organisation": "school-a", "organisation_type": school_type.value,
                              "role": school_role.value, "purpose": "signalering"}).encode()
        refused = signed(content)
        assert client.post(url, content=content, headers=refused).status_code == 403
        replayed = client.post(url, content=content, headers=refused)
        assert (replayed.status_code, replayed.json()["code"]) == (401, "peer-not-genuine")
        # Signed, and still not a request: a clear problem, nothing audited.
        for wrong in ({"professional": "p-1\x1b[2J"}, {"professional": ""}, {"purpose": "nieuwsgierigheid"},
                      {"bsn": "123456780"}, {"extra": 1}):
            content = json.dumps({**json.loads(body), **wrong}).encode()
            invalid = client.post(url, content=content, headers=signed(content))
            assert (invalid.status_code, invalid.json()["code"]) == (422, "validation-failed"), wrong
            assert "123456780" not in invalid.text

        # Another replica of Utrecht's gateway, its own process on the same database: it answers a new request,
        # and refuses the one its sibling answered.
        port, peer_port = free_listen_port(), free_listen_port()
        env = _replica_env(utrecht.settings, public_url=f"http://127.0.0.1:{port}", federation_port=peer_port)
        with serving(cwd=tmp_path, port=port, env=env):
            replica = f"https://127.0.0.1:{peer_port}/federation/v1/lookup"
            assert client.post(replica, content=body, headers=signed()).json()["status"] == "not-found"
            replayed = client.post(replica, content=body, headers=once)
            assert (replayed.status_code, replayed.json()["code"]) == (401, "peer-not-genuine")
    assert [r[1] for r in utrecht.audit("peer.lookup")] == ["not-found", "denied", "not-found"]


def test_the_peer_listener_has_the_main_apps_limits(regions: dict[str, Region]) -> None:
    """A peer that announces more than a request may hold is answered at once, not waited for."""
    port = regions["utrecht"].settings.federation_port
    with socket.create_connection(("127.0.0.1", port or 0), timeout=5) as raw, \
            client_context(regions["lekstroom"].settings).wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(b"POST /federation/v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{")
        assert tls.recv(64).startswith(b"HTTP/1.1 413 ")


class _ScriptedPeer(BaseHTTPRequestHandler):
    """A peer region's listener that answers whatever the test puts next: a peer that is broken, or worse."""

    answers: ClassVar[list[tuple[int, bytes]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        status, body = self.answers.pop(0)
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _involvement(**changes: str) -> dict[str, str]:
    return {"organisation": "School", "organisation_type": "school", "contact_point": "zorg@school.test",
            "since": "2026-09-01", **changes}


def _ask_of(peer_status: int, peer_answer: Any, tmp_path: Path) -> httpx.Response:
    """A lookup from Lekstroom, whose one peer region answers `peer_answer` with `peer_status`."""
    pki = TestPki(tmp_path / "pki")
    asking, broken = pki.issue("lekstroom"), pki.issue("kapot")
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(broken.cert, broken.key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ScriptedPeer)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    raw = peer_answer if isinstance(peer_answer, bytes) else json.dumps(peer_answer).encode()
    _ScriptedPeer.answers = [(peer_status, raw)]
    port = free_listen_port()
    peers = [{"region": "kapot", "url": f"https://127.0.0.1:{server.server_address[1]}", "jwks": {"keys": []}}]
    settings = gateway_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}", region="lekstroom",
                                public_url=f"http://127.0.0.1:{port}", federation_peers_json=json.dumps(peers),
                                federation_cert_file=asking.cert, federation_key_file=asking.key,
                                federation_ca_file=pki.ca, federation_timeout_seconds=2.0)
    migrate(settings.effective_database_url)
    asyncio.run(enrol_region(settings, {}))
    with serving_in_thread(server), asgi_in_thread(create_app(settings), port=port):
        response = Region(settings).post("/v1/federation/lookup", "leerplicht",
                                         {"bsn": BSN, "purpose": "leerplicht-handhaving"})
    assert not _ScriptedPeer.answers  # it was asked
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize(("status", "answer"), [
    (403, []),  # a refusal that is not an object
    (200, [1]),  # an answer that is not an object
    (200, {"status": "found", "involvements": [_involvement()] * 101}),
    (200, b'{"status": "not-found"}' + b" " * 100_000),  # a valid answer, but longer than any
    (200, {"status": "found", "involvements": [_involvement(organisation="x" * 5_000)]}),
    (200, {"status": "found", "involvements": [_involvement(since="gisteren")]}),
    (200, {"status": "found", "involvements": [_involvement(contact_point="zorg@school.test\u202e")]}),
    (403, {"reasons": ["x" * 5_000]}),
    (403, {"reasons": ["no-statutory-task-for-peer"] * 11}),
])
def test_a_broken_peer_is_reported_not_passed_on(status: int, answer: Any, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="inbeeld.federation"):
        peers = _ask_of(status, answer, tmp_path).json()["peers"]
    assert peers == [{"region": "kapot", "status": "unavailable", "involvements": [], "reasons": ["bad-answer"]}]
    refused = [r for r in caplog.records if r.getMessage() == "peer answer refused"]
    assert [(r.peer, bool(r.fault)) for r in refused] == [("kapot", True)]  # type: ignore[attr-defined]


def test_a_peer_answer_is_passed_on_as_far_as_it_is_an_answer(tmp_path: Path) -> None:
    response = _ask_of(200, {"status": "found", "involvements": [_involvement()], "bsn": BSN}, tmp_path)
    assert response.json()["peers"] == [{"region": "kapot", "status": "found", "involvements": [_involvement()],
                                         "reasons": []}]
    assert BSN not in response.text
