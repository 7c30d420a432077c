"""`/v1/ready` says ready only when the database answers, the policy engine decides and the keys load; a load
balancer needs no token for it, and a failure names the check, never its cause. `/v1/health` stays up."""

from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.fixtures.gateway import PG_ADMIN_URL, Gateway, gateway_settings, problem, running_gateway
from tests.fixtures.processes import free_port

pytestmark = pytest.mark.anyio


async def test_ready_when_everything_answers(gateway: Gateway) -> None:
    response = await gateway.client.get("/v1/ready")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "policy": "ok", "keys": "ok"}


async def test_not_ready_without_a_policy_engine(tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", policy_engine="opa",
                                opa_url=f"http://127.0.0.1:{free_port()}", policy_timeout_seconds=0.3)
    async with running_gateway(settings) as gw:
        body = problem(await gw.client.get("/v1/ready"), 503, "not-ready")
        assert body["checks"] == {"database": "ok", "policy": "unavailable", "keys": "ok"}
        assert (await gw.client.get("/v1/health")).status_code == 200


@pytest.mark.postgres
async def test_not_ready_when_the_database_is_gone(postgres_url: str, tmp_path: Path) -> None:
    async with running_gateway(gateway_settings(tmp_path, postgres_url)) as gw:
        assert (await gw.client.get("/v1/ready")).status_code == 200
        await gw.app.state.context.db.engine.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{make_url(postgres_url).database}" WITH (FORCE)')
        body = problem(await gw.client.get("/v1/ready"), 503, "not-ready")
        assert body["checks"] == {"database": "unavailable", "policy": "ok", "keys": "ok"}
        assert make_url(postgres_url).database not in str(body)  # no connection details
