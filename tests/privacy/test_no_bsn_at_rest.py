"""No BSN in the database files, the logs or any response — after exercising every route with them."""

import logging
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from gateway.core.logging import JsonFormatter
from gateway.core.vocabulary import Role
from tests.fixtures.gateway import BSNS, PG_ADMIN_URL, Gateway, gateway_settings, running_gateway

pytestmark = pytest.mark.anyio


def _forms(bsn: str) -> list[bytes]:
    return [bsn.encode(), bsn.encode("utf-16-le"), f"{bsn[:3]}-{bsn[3:6]}-{bsn[6:]}".encode()]


async def _exercise(gw: Gateway) -> list[str]:
    """Every route, allowed and refused, with every test BSN; returns all response texts."""
    texts = []
    for i, bsn in enumerate(BSNS):
        orgs = ("school-a", "ggd", "jeugdteam", "rvdk")[: 1 + i % 4]
        refs = {}
        for org in orgs:
            r = await gw.register(org, bsn, purpose="jeugdbescherming" if org == "rvdk" else "signalering")
            refs[org] = r.json()["child_ref"]
            texts.append(r.text)
        for org, purpose in (("school-a", "signalering"), ("school-b", "signalering"),
                             ("leerplicht", "leerplicht-handhaving"), ("ggd", "monitoring")):
            r = await gw.client.post("/v1/children/lookup", headers=gw.auth(org), json={"bsn": bsn, "purpose": purpose})
            texts.append(r.text)
        ref = refs[orgs[0]]
        for path in (f"/v1/children/{ref}", f"/v1/children/{ref}/involvements"):
            texts.append((await gw.client.get(path, params={"purpose": "signalering"}, headers=gw.auth(orgs[0]))).text)
        texts.append((await gw.client.post(f"/v1/children/{ref}/events", headers=gw.auth(orgs[0]), json={
            "id": str(uuid.uuid4()), "purpose": "signalering", "kind": "unauthorised-absence",
            "starts_on": "2026-11-02", "ends_on": "2026-11-06", "hours": 4})).text)
        # Refusals that carry the BSN: schema errors, a BSN in the URL, a bad BSN next to a good one.
        texts.append((await gw.client.post("/v1/involvements", headers=gw.auth("school-a"),
                                           json={"bsn": bsn, "purpose": "geen-doel"})).text)
        texts.append((await gw.client.post("/v1/involvements", headers=gw.auth("school-a"),
                                           json={"bsn": bsn[:8] + str((int(bsn[8]) + 1) % 10),
                                                 "purpose": "signalering"})).text)
        texts.append((await gw.client.get(f"/v1/children/lookup?bsn={bsn}", headers=gw.auth("school-a"))).text)
        texts.append((await gw.client.post("/v1/children/lookup", json={"bsn": bsn, "purpose": "signalering"})).text)
    await gw.app.state.outbox.deliver_due()
    officer = {"Authorization": f"Bearer {gw.token('school-a', Role.privacy_officer)}"}
    for path in ("/v1/audit/records", "/v1/audit/records.csv"):  # the privacy officer's exports
        response = await gw.client.get(path, params={"purpose": "toezicht", "limit": 1000}, headers=officer)
        assert response.status_code == 200
        texts.append(response.text)
    return texts


def _gateway_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What the gateway process logged; the test client's own httpx lines (the partner's side) are left out."""
    return "\n".join(JsonFormatter().format(r) for r in caplog.records
                     if not (r.name == "httpx" and "http://gateway.test" in r.getMessage()))


def _assert_clean(blob: bytes, where: str) -> None:
    for bsn in BSNS:
        for form in _forms(bsn):
            assert form not in blob, f"BSN found in {where}"
        near_miss = (bsn[:8] + str((int(bsn[8]) + 1) % 10)).encode()
        assert near_miss not in blob, f"rejected BSN found in {where}"


async def test_no_bsn_in_sqlite_files_logs_or_responses(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    db_file = tmp_path / "inbeeld.db"
    async with running_gateway(gateway_settings(tmp_path, f"sqlite+aiosqlite:///{db_file}"),
                               webhooks={"ggd": "http://127.0.0.1:9/unreachable"}) as gw:
        texts = await _exercise(gw)
        assert await gw.count("child") == len(BSNS) and await gw.count("audit_record") > 50
        files_while_open = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("inbeeld.db")}
    assert "inbeeld.db-wal" in files_while_open  # WAL content checked too, before the checkpoint on close
    for name, blob in files_while_open.items():
        _assert_clean(blob, name)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            _assert_clean(path.read_bytes(), str(path.relative_to(tmp_path)))
    _assert_clean("\n".join(texts).encode(), "responses")
    logs = _gateway_logs(caplog)
    assert "inbeeld.access" in logs
    _assert_clean(logs.encode(), "logs")


@pytest.mark.postgres
async def test_no_bsn_in_postgres_tables_or_files(postgres_url: str, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    database_url = postgres_url
    caplog.set_level(logging.DEBUG)
    async with running_gateway(gateway_settings(tmp_path, database_url)) as gw:
        texts = await _exercise(gw)
        dump = []
        for table in ("organisation", "child", "involvement", "audit_record", "audit_head", "audit_checkpoint",
                      "policy_source", "consent", "consent_receipt", "portal_visit", "outbox_message"):
            dump += [str(row) for row in await gw.rows(f"SELECT t::text FROM {table} t")]  # noqa: S608
    _assert_clean("\n".join(dump).encode(), "PostgreSQL tables")
    _assert_clean("\n".join(texts).encode(), "responses")
    _assert_clean(_gateway_logs(caplog).encode(), "logs")

    # The database's own files on disk, after a checkpoint (readable when the tests run as the server's owner or root).
    name = make_url(database_url).database
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        data_dir = Path(conn.execute("SHOW data_directory").fetchone()[0])  # type: ignore[index]
        oid = conn.execute("SELECT oid FROM pg_database WHERE datname = %s", (name,)).fetchone()[0]  # type: ignore[index]
    base = data_dir / "base" / str(oid)
    try:
        files = [p for p in base.iterdir() if p.is_file()]
    except PermissionError:
        pytest.skip("PostgreSQL data directory not readable by this user; tables were checked")
    assert files
    for path in files:
        _assert_clean(path.read_bytes(), f"PostgreSQL file {path.name}")
