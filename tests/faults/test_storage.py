"""The database fails for real — its disk fills up, it turns read-only, it goes away, it stops answering — and the
gateway answers a 503 problem within seconds, discloses nothing, and loses nothing it acknowledged; when the
database is back, the gateway goes on without a restart and the audit log verifies without a gap."""

import time
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from gateway.demo.data import synthetic_bsns
from tests.fixtures.gateway import BSNS, PG_ADMIN_URL, Gateway, gateway_settings, running_gateway
from tests.fixtures.outages import fill, small_filesystem, tcp_proxy

pytestmark = pytest.mark.anyio
UNAVAILABLE = {"storage-unavailable", "audit-unavailable"}


def assert_refused(response: httpx.Response, bsn: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] in UNAVAILABLE and "Retry-After" in response.headers
    assert "child_ref" not in body and bsn not in response.text


async def register(gw: Gateway, bsn: str, request_id: str) -> httpx.Response:
    return await gw.client.post("/v1/involvements", json={"bsn": bsn, "purpose": "signalering"},
                                headers={**gw.auth("school-a"), "X-Request-ID": request_id})


async def assert_nothing_lost(gw: Gateway, acknowledged: list[str], refused: list[str]) -> None:
    """Every acknowledged request has exactly one audit record, no refused one has any, the chain verifies."""
    records = {r.request_id: r.n for r in await gw.rows(
        "SELECT request_id, count(*) AS n FROM audit_record GROUP BY request_id")}
    assert all(records.get(rid) == 1 for rid in acknowledged)
    assert not any(rid in records for rid in refused)
    report = await gw.audit_report()
    assert report.ok, report.findings


async def test_a_full_disk_answers_503_and_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "disk", size_kib=6144) as disk:
        settings = gateway_settings(tmp_path, f"sqlite+aiosqlite:///{disk / 'inbeeld.db'}")
        async with running_gateway(settings) as gw:
            filler = fill(disk)
            acknowledged, refused = [], []
            for i, bsn in enumerate(synthetic_bsns(400, seed=8)):  # until the last free pages are used
                response = await register(gw, bsn.digits, f"disk-{i:04d}")
                if response.status_code == 201:
                    acknowledged.append(f"disk-{i:04d}")
                    continue
                assert_refused(response, bsn.digits)
                refused.append(f"disk-{i:04d}")
                if len(refused) == 5:
                    break
            assert len(refused) == 5, "the full disk was never noticed"
            assert await gw.count("involvement") == len(acknowledged)

            filler.unlink()
            assert (await register(gw, BSNS[0], "disk-after")).status_code == 201
            await assert_nothing_lost(gw, [*acknowledged, "disk-after"], refused)


def _pg(sql: str, **params: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql, params)  # type: ignore[arg-type]  (fixed statements of this test's own)


@pytest.mark.postgres
async def test_a_read_only_database_answers_503_and_changes_nothing(postgres_url: str, tmp_path: Path) -> None:
    name = make_url(postgres_url).database
    # What a failover to a standby looks like from the gateway: every new session is read-only.
    # With a timeout, pg_terminate_backend returns once the sessions are gone (their sockets closed).
    drop_sessions = "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = %(name)s"
    async with running_gateway(gateway_settings(tmp_path, postgres_url)) as gw:
        assert (await register(gw, BSNS[0], "ro-before")).status_code == 201
        _pg(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        _pg(drop_sessions, name=name)
        refused = []
        for i, bsn in enumerate(BSNS[1:4]):
            assert_refused(await register(gw, bsn, f"ro-{i}"), bsn)
            lookup = await gw.client.post("/v1/children/lookup", json={"bsn": BSNS[0], "purpose": "signalering"},
                                          headers={**gw.auth("school-a"), "X-Request-ID": f"ro-lookup-{i}"})
            assert_refused(lookup, BSNS[0])  # a read is refused too: its audit record cannot be written
            refused += [f"ro-{i}", f"ro-lookup-{i}"]
        _pg(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
        _pg(drop_sessions, name=name)
        assert (await register(gw, BSNS[4], "ro-after")).status_code == 201
        assert await gw.count("involvement") == 2
        await assert_nothing_lost(gw, ["ro-before", "ro-after"], refused)


@pytest.mark.postgres
@pytest.mark.parametrize("outage", ["stopped", "silent"])
async def test_an_unreachable_database_answers_503_within_seconds(postgres_url: str, tmp_path: Path,
                                                                  outage: str) -> None:
    """Stopped: connections are cut and refused. Silent: the port accepts but never answers (a hung host)."""
    with tcp_proxy(5432) as proxy:
        url = make_url(postgres_url).set(port=proxy.port, query={"connect_timeout": "1"})
        async with running_gateway(gateway_settings(tmp_path, url.render_as_string(hide_password=False))) as gw:
            assert (await register(gw, BSNS[0], "down-before")).status_code == 201
            proxy.cut() if outage == "stopped" else proxy.silence()
            refused = []
            for i, bsn in enumerate(BSNS[1:3]):
                started = time.monotonic()
                assert_refused(await register(gw, bsn, f"down-{i}"), bsn)
                assert time.monotonic() - started < 5
                refused.append(f"down-{i}")
            ready = await gw.client.get("/v1/ready")
            assert ready.status_code == 503 and ready.json()["checks"]["database"] == "unavailable"

            proxy.restore()
            assert (await register(gw, BSNS[3], "down-after")).status_code == 201
            assert await gw.count("involvement") == 2
            await assert_nothing_lost(gw, ["down-before", "down-after"], refused)


@pytest.mark.postgres
async def test_a_database_that_hangs_mid_request_is_given_up_within_the_deadline(postgres_url: str,
                                                                                 tmp_path: Path) -> None:
    with tcp_proxy(5432) as proxy:
        url = make_url(postgres_url).set(port=proxy.port, query={"connect_timeout": "1"})
        settings = gateway_settings(tmp_path, url.render_as_string(hide_password=False), request_deadline_seconds=2)
        async with running_gateway(settings) as gw:
            assert (await register(gw, BSNS[0], "hang-before")).status_code == 201
            proxy.freeze()
            started = time.monotonic()
            response = await register(gw, BSNS[1], "hang-0")
            assert time.monotonic() - started < 4
            assert response.status_code == 503 and response.json()["code"] == "deadline-exceeded"
            assert BSNS[1] not in response.text and "Retry-After" in response.headers
            proxy.restore()
            assert (await register(gw, BSNS[2], "hang-after")).status_code == 201
            assert await gw.count("involvement") == 2
            await assert_nothing_lost(gw, ["hang-before", "hang-after"], ["hang-0"])
