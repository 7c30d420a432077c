"""The partner REST API and FHIR adapters against real local servers speaking those protocols: answers, only the
categories asked, OAuth2 client credentials (token reused, renewed, refused), timeouts, server errors, malformed
answers and a stopped server — each a clear adapter error (502/504) and nothing kept."""

import time
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from adapters.errors import AdapterError, SourceTimeout, SourceUnavailable
from adapters.fhir.client import FhirSource
from adapters.partner_api.client import AsyncOAuth2Client, PartnerApiSource
from adapters.transport import AiohttpTransport
from gateway.demo.sources import Behaviour, create_fhir_server, create_partner_api
from tests.fixtures.servers import asgi_in_thread, serving_in_thread

pytestmark = pytest.mark.anyio
LVS = {"ref-1": {"attendance-summary": {"absent_hours_4w": 31, "absent_hours_12w": 60},
                 "support": {"opp": True, "arrangement_since": "2026-09-01"}}}
GGD = {"ref-1": {"Appointment": [{"status": "booked", "start": "2026-12-03T10:00:00+01:00"},
                                 {"status": "cancelled", "start": "2026-11-20T10:00:00+01:00"}],
                 "Encounter": [{"status": "finished", "period": {"start": "2026-10-14T09:00:00+02:00"},
                                "reasonCode": [{"text": "MARKER-consult-content"}]},
                               {"status": "finished", "period": {"start": "2026-09-02T09:00:00+02:00"}}]}}


SECRET = "s3cret"  # the local test server's client secret


async def _oauth(url: str, secret: str = SECRET) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(client_id="inbeeld", client_secret=secret, token_endpoint=f"{url}/oauth/token",
                             grant_type="client_credentials", token_endpoint_auth_method="client_secret_basic",
                             transport=AiohttpTransport())


@pytest.fixture
def lvs() -> Any:
    behaviour = Behaviour()
    with asgi_in_thread(create_partner_api(LVS.get, clients={"inbeeld": SECRET}, behaviour=behaviour)) as url:
        yield url, behaviour


@pytest.fixture
def fhir() -> Any:
    behaviour = Behaviour()
    with asgi_in_thread(create_fhir_server(GGD.get, behaviour=behaviour)) as url:
        yield url, behaviour


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=AiohttpTransport()) as client:  # as the gateway's sources
        yield client


async def test_partner_api_answers_with_a_token(lvs: Any) -> None:
    url, behaviour = lvs
    async with await _oauth(url) as client:
        source = PartnerApiSource(client, source="lvs", base_url=url, timeout_seconds=2)
        answer = await source.details("ref-1", ["attendance-summary"], purpose="actietafel")
        assert answer.categories == {"attendance-summary": {"absent_hours_4w": 31, "absent_hours_12w": 60}}
        assert (await source.details("ref-unknown", ["support"], purpose="actietafel")).categories == {}
        assert behaviour.tokens_issued == 1 and behaviour.requests == ["actietafel", "actietafel"]
    behaviour.token_lifetime = 30  # shorter than authlib's leeway: it renews before every call
    async with await _oauth(url) as client:
        source = PartnerApiSource(client, source="lvs", base_url=url, timeout_seconds=2)
        for _ in range(3):
            assert (await source.details("ref-1", ["support"], purpose="actietafel")).categories["support"]["opp"]
    assert behaviour.tokens_issued == 1 + 1 + 3  # the first token, then a new one before each call


async def test_partner_api_failures_are_adapter_errors(lvs: Any) -> None:
    url, behaviour = lvs
    async with await _oauth(url, secret="wrong") as client:
        with pytest.raises(AdapterError) as refused:
            await PartnerApiSource(client, source="lvs", base_url=url, timeout_seconds=2).details(
                "ref-1", ["support"], purpose="actietafel")
        assert (refused.value.status, refused.value.reason) == (502, "token refused")
    async with await _oauth(url) as client:
        source = PartnerApiSource(client, source="lvs", base_url=url, timeout_seconds=0.3)
        for mode, error, status in (("error", SourceUnavailable, 502), ("malformed", AdapterError, 502),
                                    ("not-json", AdapterError, 502)):
            behaviour.mode = mode
            with pytest.raises(error) as caught:
                await source.details("ref-1", ["support"], purpose="actietafel")
            assert caught.value.status == status
        behaviour.mode, behaviour.delay_seconds = "ok", 1.0
        started = time.monotonic()
        with pytest.raises(SourceTimeout) as slow:
            await source.details("ref-1", ["support"], purpose="actietafel")
        assert slow.value.status == 504 and time.monotonic() - started < 0.9


async def test_fhir_tells_planned_and_held_consults(fhir: Any, http: httpx.AsyncClient) -> None:
    url, behaviour = fhir
    source = FhirSource(http, source="ggd-jgz", base_url=url, timeout_seconds=2)
    answer = await source.details("ref-1", ["jgz-contact"], purpose="afstemming-kernteam")
    assert answer.categories == {"jgz-contact": {
        "planned": True, "next_contact_on": "2026-12-03", "took_place": True, "last_contact_on": "2026-10-14",
        "reason": "MARKER-consult-content"}}  # the adapter reads it; the gateway drops it unless policy allows
    assert behaviour.requests == ["batch"]  # both searches in one request, the reference in its body
    unknown = await source.details("ref-2", ["jgz-contact"], purpose="afstemming-kernteam")
    assert unknown.categories["jgz-contact"]["planned"] is False
    assert (await source.details("ref-1", ["support"], purpose="afstemming-kernteam")).categories == {}


async def test_fhir_failures_are_adapter_errors(fhir: Any, http: httpx.AsyncClient) -> None:
    url, behaviour = fhir
    source = FhirSource(http, source="ggd-jgz", base_url=url, timeout_seconds=0.3)
    for mode, error in (("error", SourceUnavailable), ("malformed", AdapterError), ("not-json", AdapterError)):
        behaviour.mode = mode
        with pytest.raises(error):
            await source.details("ref-1", ["jgz-contact"], purpose="afstemming-kernteam")
    behaviour.mode, behaviour.delay_seconds = "ok", 1.0
    with pytest.raises(SourceTimeout):
        await source.details("ref-1", ["jgz-contact"], purpose="afstemming-kernteam")


class _TokenEndpoint(BaseHTTPRequestHandler):
    """A token endpoint that answers 200 with whatever the test sets."""

    body = b""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("body", [b"[]", b"<html>", b'{"access_token": "t", "expires_in": "soon"}'])
async def test_a_token_answer_of_the_wrong_shape_is_an_adapter_error(body: bytes) -> None:
    _TokenEndpoint.body = body
    with serving_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), _TokenEndpoint)) as url:
        async with await _oauth(url) as client:
            with pytest.raises(AdapterError) as raised:
                await PartnerApiSource(client, source="lvs", base_url=url, timeout_seconds=2).details(
                    "ref-1", ["support"], purpose="afstemming-kernteam")
    assert raised.value.status == 502


@pytest.mark.parametrize("resources", [
    {"Encounter": [{"status": "finished", "period": ["2026-10-14"]}]},
    {"Encounter": [{"status": "finished", "period": {"start": "gisteren"}}]},
    {"Encounter": [{"status": "finished", "period": {"start": "2026-10-14"}, "reasonCode": "griep"}]},
    {"Appointment": [{"status": "booked", "start": ["2026-12-03"]}]},
    {"Appointment": [{"status": ["booked"], "start": "2026-12-03"}]},
])
async def test_fhir_resources_of_the_wrong_shape_are_adapter_errors(resources: dict[str, Any],
                                                                    http: httpx.AsyncClient) -> None:
    with asgi_in_thread(create_fhir_server({"ref-1": resources}.get)) as url, pytest.raises(AdapterError):
        await FhirSource(http, source="ggd-jgz", base_url=url, timeout_seconds=2).details(
            "ref-1", ["jgz-contact"], purpose="afstemming-kernteam")


async def test_a_stopped_server_is_unavailable(http: httpx.AsyncClient) -> None:
    with asgi_in_thread(create_fhir_server(GGD.get)) as url:
        pass  # stopped again
    with pytest.raises(SourceUnavailable):
        await FhirSource(http, source="ggd-jgz", base_url=url, timeout_seconds=1).details(
            "ref-1", ["jgz-contact"], purpose="afstemming-kernteam")
