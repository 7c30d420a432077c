"""Limits: oversized headers get 431, a client over its rate limit 429 with Retry-After — each a problem that
changed nothing — while the requests let through keep exactly one audit record each."""

from pathlib import Path

import pytest

from gateway.core.ratelimit import RateLimiter
from tests.fixtures.gateway import BSNS, gateway_settings, problem, running_gateway

pytestmark = pytest.mark.anyio


async def test_oversized_headers_are_refused(tmp_path: Path) -> None:
    async with running_gateway(gateway_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")) as gw:
        headers = {**gw.auth("school-a"), "X-Padding": "a" * 17_000}
        response = await gw.client.post("/v1/involvements", headers=headers,
                                        json={"bsn": BSNS[0], "purpose": "signalering"})
        problem(response, 431, "headers-too-large")
        assert await gw.count("child") == 0 and await gw.count("audit_record") == 0
        assert (await gw.register("school-a", BSNS[0])).status_code == 201  # ordinary headers still pass


async def test_a_client_over_its_limit_gets_429_and_others_do_not(database_url: str, tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path, database_url, rate_limit_per_minute=60, rate_limit_burst=3)
    async with running_gateway(settings) as gw:
        ids = [f"req-limit-{n:04d}" for n in range(5)]
        statuses = []
        for n, request_id in enumerate(ids):
            response = await gw.client.post("/v1/involvements", headers={**gw.auth("school-a"),
                                                                         "X-Request-Id": request_id},
                                            json={"bsn": BSNS[n], "purpose": "signalering"})
            statuses.append(response.status_code)
        assert statuses == [201, 201, 201, 429, 429]
        body = problem(response, 429, "rate-limited")
        assert int(response.headers["retry-after"]) >= 1 and BSNS[4] not in response.text
        assert body["instance"] == "/v1/involvements"
        assert await gw.count("child") == 3  # the refused registrations changed nothing
        assert (await gw.register("school-b", BSNS[4])).status_code == 201  # per client: school-b has its own
        audited = await gw.rows("SELECT request_id, count(*) AS n FROM audit_record GROUP BY request_id")
        per_request = {r.request_id: r.n for r in audited}
        assert [per_request.get(i, 0) for i in ids] == [1, 1, 1, 0, 0]


def test_the_bucket_refills_at_the_rate_and_says_how_long_to_wait() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=30, burst=2, max_clients=2, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0, 0, 2]  # one request every 2 s once the burst is used
    now[0] = 1.0
    assert limiter.take("a") == 1
    now[0] = 2.0
    assert limiter.take("a") == 0 and limiter.take("b") == 0 and limiter.take("c") == 0
    assert limiter.take("a") == 0  # "a" was evicted as the oldest; a new bucket starts full
    assert RateLimiter(per_minute=0, burst=1).take("a") == 0  # 0 is no limit
