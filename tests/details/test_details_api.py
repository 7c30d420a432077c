"""POST /v1/children/{ref}/details against real local partner systems (a school's REST API behind OAuth2, the
GGD's FHIR server): policy picks the fields, sources are asked in parallel under a deadline, a slow or broken
source is marked unavailable, and nothing the sources said is stored or logged — a marker value proves it."""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from consent import repository as consents
from gateway.core.logging import QUIET, JsonFormatter, configure_logging
from gateway.core.vocabulary import Role
from gateway.demo.sources import Behaviour, create_fhir_server, create_partner_api
from tests.fixtures.gateway import BSNS, Gateway, gateway_settings, problem, running_gateway
from tests.fixtures.outages import unwritable_audit_log
from tests.fixtures.servers import asgi_in_thread

pytestmark = pytest.mark.anyio
BSN = BSNS[0]
MARKER = "MARKER-4be1d7"  # returned by the school's system in an allowed field
HIDDEN = "MARKER-consult-content"  # returned by the GGD in a field no one here may see
TABLES = ("organisation", "child", "involvement", "audit_record", "consent", "outbox_message", "case_event")


class Partners:
    """The two partner systems; they learn each organisation's child reference when it registers."""

    def __init__(self) -> None:
        self.refs: dict[str, str] = {}
        self.lvs, self.fhir = Behaviour(), Behaviour()

    def lvs_records(self, child_ref: str) -> dict[str, Any] | None:
        if child_ref != self.refs.get("school-a"):
            return None
        return {"attendance-summary": {"absent_hours_4w": 31, "absent_hours_12w": 64, "authorised_hours_12w": 2},
                "support": {"opp": True, "arrangement_since": MARKER}}

    def fhir_records(self, child_ref: str) -> dict[str, Any] | None:
        if child_ref != self.refs.get("ggd"):
            return None
        return {"Appointment": [{"status": "booked", "start": "2026-12-03T10:00:00+01:00"}],
                "Encounter": [{"status": "finished", "period": {"start": "2026-10-14T09:00:00+02:00"},
                               "reasonCode": [{"text": HIDDEN}]}]}


@pytest.fixture
def partners() -> Iterator[tuple[Partners, str, str]]:
    found = Partners()
    lvs = create_partner_api(found.lvs_records, clients={"gw": "lvs-secret"}, behaviour=found.lvs)
    with asgi_in_thread(lvs) as lvs_url, asgi_in_thread(create_fhir_server(found.fhir_records,
                                                                           behaviour=found.fhir)) as fhir_url:
        yield found, lvs_url, fhir_url


@pytest.fixture
def server_logging(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The logging `inbeeld serve` sets up, at DEBUG, with every record it lets through also captured."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("DEBUG")
    root.addHandler(caplog.handler)
    yield caplog
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _sources(lvs_url: str, fhir_url: str) -> str:
    return json.dumps([
        {"id": "lvs-school-a", "organisation": "school-a", "kind": "partner-api", "base_url": lvs_url,
         "categories": ["attendance-summary", "support"], "token_url": f"{lvs_url}/oauth/token", "client_id": "gw",
         "client_secret": "lvs-secret", "timeout_seconds": 2},
        {"id": "ggd-jgz", "organisation": "ggd", "kind": "fhir", "base_url": fhir_url, "categories": ["jgz-contact"],
         "timeout_seconds": 2},
    ])


async def _ask(gw: Gateway, org: str, ref: str, purpose: str, categories: list[str],
               role: Role | None = None) -> Any:
    return await gw.client.post(f"/v1/children/{ref}/details", headers=gw.auth(org, role),
                                json={"purpose": purpose, "categories": categories})


async def test_writes_go_on_while_a_source_is_slow(
        partners: tuple[Partners, str, str], database_url: str, tmp_path: Path,
) -> None:
    """Nothing is locked while a query waits on a partner: a registration started after it ends before it."""
    found, lvs_url, fhir_url = partners
    settings = gateway_settings(tmp_path, database_url, sources_json=_sources(lvs_url, fhir_url),
                                details_deadline_seconds=10.0)
    async with running_gateway(settings) as gw:
        found.refs["ggd"] = (await gw.register("ggd", BSN)).json()["child_ref"]
        lp = (await gw.register("leerplicht", BSN, purpose="leerplicht-handhaving")).json()["child_ref"]
        found.fhir.delay_seconds = 1.5  # within the source's own 2 s
        slow = asyncio.create_task(_ask(gw, "leerplicht", lp, "leerplicht-handhaving", ["jgz-contact"]))
        for _ in range(100):  # until the query is with the GGD (bounded: 5 s)
            if found.fhir.requests or slow.done():
                break
            await asyncio.sleep(0.05)
        assert found.fhir.requests and not slow.done()
        assert (await gw.register("school-b", BSNS[1])).status_code == 201
        assert not slow.done()  # a write queued behind the query would only end after its 1.5 s
        answer = (await slow).json()
        assert answer["unavailable"] == [] and answer["details"][0]["source"] == "ggd-jgz"


async def test_details_live_minimised_and_never_stored(
        partners: tuple[Partners, str, str], database_url: str, tmp_path: Path,
        server_logging: pytest.LogCaptureFixture,
) -> None:
    found, lvs_url, fhir_url = partners
    settings = gateway_settings(tmp_path, database_url, sources_json=_sources(lvs_url, fhir_url),
                                details_deadline_seconds=1.0)
    async with running_gateway(settings) as gw:
        for org in ("school-a", "ggd"):
            found.refs[org] = (await gw.register(org, BSN)).json()["child_ref"]
        lp = (await gw.register("leerplicht", BSN, purpose="leerplicht-handhaving")).json()["child_ref"]

        answer = await _ask(gw, "leerplicht", lp, "leerplicht-handhaving", ["jgz-contact", "support"])
        assert answer.status_code == 200, answer.text
        body = answer.json()
        got = {(d["source"], d["category"]): d["fields"] for d in body["details"]}
        assert got == {
            ("ggd-jgz", "jgz-contact"): {"planned": True, "next_contact_on": "2026-12-03", "took_place": True,
                                         "last_contact_on": "2026-10-14"},  # no reason: content is not for leerplicht
            ("lvs-school-a", "support"): {"opp": True, "arrangement_since": MARKER},
        }
        assert body["unavailable"] == [] and HIDDEN not in answer.text
        assert found.lvs.requests == ["leerplicht-handhaving"]  # only the categories asked went out

        # A slow GGD: the answer comes within the deadline, with what came and the GGD marked.
        found.fhir.delay_seconds = 5
        started = time.monotonic()
        partial = (await _ask(gw, "leerplicht", lp, "leerplicht-handhaving", ["jgz-contact", "support"])).json()
        assert time.monotonic() - started < 1.8
        assert [(u["source"], u["reason"]) for u in partial["unavailable"]] == [("ggd-jgz", "timeout")]
        assert [d["source"] for d in partial["details"]] == ["lvs-school-a"]
        found.fhir.delay_seconds, found.lvs.mode = 0, "error"
        broken = (await _ask(gw, "leerplicht", lp, "leerplicht-handhaving", ["support"])).json()
        assert [(u["source"], u["reason"]) for u in broken["unavailable"]] == [("lvs-school-a", "unavailable")]
        found.lvs.mode = "malformed"
        wrong = (await _ask(gw, "leerplicht", lp, "leerplicht-handhaving", ["support"])).json()
        assert [(u["source"], u["reason"]) for u in wrong["unavailable"]] == [("lvs-school-a", "source-error")]
        found.lvs.mode = "ok"

        # Deny paths: the signal alone is not enough, a clerk's role never, a category nobody serves.
        school = problem(await _ask(gw, "school-a", found.refs["school-a"], "actietafel", ["jgz-contact"]),
                         403, "policy-denied")
        assert school["reasons"] == ["no-basis"]
        problem(await _ask(gw, "school-a", found.refs["school-a"], "actietafel", ["jgz-contact"],
                           Role.verzuimadministratie), 403, "policy-denied")
        problem(await _ask(gw, "leerplicht", lp, "leerplicht-handhaving", ["dossier"]), 403, "policy-denied")
        problem(await gw.client.post(f"/v1/children/{lp}/details", headers=gw.auth("leerplicht"),
                                     json={"purpose": "leerplicht-handhaving", "categories": ["support"],
                                           "bsn": BSN}), 422, "validation-failed")

        audited = await gw.rows("SELECT outcome, fields, processing_activity FROM audit_record "
                                "WHERE action = 'details.read' ORDER BY seq")
        assert {r.processing_activity for r in audited} == {"inbeeld/bronnen"}
        both = ",".join(sorted([
            "jgz-contact.last_contact_on", "jgz-contact.next_contact_on", "jgz-contact.planned",
            "jgz-contact.took_place", "support.arrangement_since", "support.opp"]))
        # The record names what the partners were asked for, answered in time or not (the GGD was slow at [1]).
        assert [r.fields for r in audited[:2]] == [both, both]
        assert [r.outcome for r in audited] == ["allowed"] * 4 + ["denied"] * 3
        dump = []
        async with gw.app.state.context.db.engine.connect() as conn:
            for table in TABLES:
                dump += [str(r) for r in (await conn.execute(text(f"SELECT * FROM {table}"))).all()]  # noqa: S608
    stored = "\n".join(dump)
    assert MARKER not in stored and HIDDEN not in stored
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert MARKER.encode() not in path.read_bytes(), path
    logs = "\n".join(JsonFormatter().format(r) for r in server_logging.records)
    assert MARKER not in logs and HIDDEN not in logs
    # Nor the references the partners were asked about (outgoing URLs name them).
    assert found.refs and not [ref for ref in found.refs.values() if ref in logs]


async def test_a_consent_opens_details_for_the_school(partners: tuple[Partners, str, str], tmp_path: Path) -> None:
    found, lvs_url, fhir_url = partners
    settings = gateway_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'd.db'}",
                                sources_json=_sources(lvs_url, fhir_url))
    async with running_gateway(settings) as gw:
        for org in ("school-a", "ggd"):
            found.refs[org] = (await gw.register(org, BSN)).json()["child_ref"]
        (child,) = await gw.rows("SELECT id FROM child")
        async with gw.app.state.context.db.engine.begin() as conn:
            await consents.add(conn, child_id=child.id, purpose="actietafel", recipient_id="school-a",
                               valid_from=date(2026, 1, 1), valid_until=None, now=datetime.now(UTC))
        answer = await _ask(gw, "school-a", found.refs["school-a"], "actietafel", ["jgz-contact"])
        assert answer.status_code == 200, answer.text
        (detail,) = answer.json()["details"]
        assert detail["organisation"]["id"] == "ggd" and "reason" not in detail["fields"]


@contextlib.asynccontextmanager
async def _leerplicht_asking(partners: tuple[Partners, str, str], database_url: str,
                             tmp_path: Path) -> AsyncIterator[tuple[Gateway, str]]:
    """A gateway asking both partner systems, the school and the GGD involved: it and leerplicht's reference."""
    found, lvs_url, fhir_url = partners
    settings = gateway_settings(tmp_path, database_url, sources_json=_sources(lvs_url, fhir_url))
    async with running_gateway(settings) as gw:
        for org in ("school-a", "ggd"):
            found.refs[org] = (await gw.register(org, BSN)).json()["child_ref"]
        yield gw, (await gw.register("leerplicht", BSN, purpose="leerplicht-handhaving")).json()["child_ref"]


async def test_no_details_leave_when_their_record_cannot_be_written(
        partners: tuple[Partners, str, str], database_url: str, tmp_path: Path) -> None:
    """The record is written while the partners are asked: a log that cannot be written gives a 503 however
    they answer, and the answer is dropped."""
    async with _leerplicht_asking(partners, database_url, tmp_path) as (gw, lp):
        records = await gw.count("audit_record")
        async with unwritable_audit_log(gw):
            refused = await _ask(gw, "leerplicht", lp, "leerplicht-handhaving", ["jgz-contact", "support"])
            problem(refused, 503, "audit-unavailable")
            assert MARKER not in refused.text and "planned" not in refused.text
            assert await gw.count("audit_record") == records
        answer = await _ask(gw, "leerplicht", lp, "leerplicht-handhaving", ["jgz-contact", "support"])
        assert answer.status_code == 200 and MARKER in answer.text
        assert await gw.count("audit_record") == records + 1


async def test_a_commit_that_fails_is_a_storage_problem_and_discloses_nothing(
        partners: tuple[Partners, str, str], database_url: str, tmp_path: Path) -> None:
    """The record's commit fails (a deferred check, as a failover at that moment would): 503 storage-unavailable,
    not an internal error, and the partners' answer is dropped."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite checks nothing at COMMIT that a test can make fail")
    async with _leerplicht_asking(partners, database_url, tmp_path) as (gw, lp):
        records = await gw.count("audit_record")
        async with gw.app.state.context.db.engine.begin() as conn:
            await conn.execute(text("CREATE FUNCTION refuse_at_commit() RETURNS trigger AS $$ BEGIN "
                                    "RAISE EXCEPTION 'refused at commit'; END $$ LANGUAGE plpgsql"))
            await conn.execute(text("CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT ON audit_record "
                                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()"))
        refused = await _ask(gw, "leerplicht", lp, "leerplicht-handhaving", ["jgz-contact", "support"])
        problem(refused, 503, "storage-unavailable")
        assert MARKER not in refused.text and "planned" not in refused.text
        assert await gw.count("audit_record") == records
