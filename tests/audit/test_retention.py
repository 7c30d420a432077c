"""Retention with an injected clock: ended involvement signals go after two years, a child at its 23rd birthday,
audit record content after five years — and the emptied log still verifies, with its purge record."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from gateway.audit.chain import content_of
from gateway.audit.checkpoints import checkpoint_table, log_id, make_checkpoint, public_checkpoint
from gateway.audit.repository import head_size, records_in_order
from gateway.audit.verify import Entry, verify_log
from gateway.retention.service import apply, retain_until
from tests.fixtures.gateway import BSNS, gateway_settings, running_gateway

pytestmark = pytest.mark.anyio


def test_a_child_leaves_the_index_the_month_after_its_23rd_birthday() -> None:
    assert retain_until(date(2014, 5, 17), 23) == date(2037, 6, 1)
    assert retain_until(date(2014, 12, 3), 23) == date(2038, 1, 1)
    assert retain_until(date(2012, 2, 29), 23) == date(2035, 4, 1)  # birthday on 1 March in other years


async def test_retention_removes_what_is_due_and_the_log_still_verifies(database_url: str, tmp_path: Path) -> None:
    async with running_gateway(gateway_settings(tmp_path, database_url)) as gw:
        ended = (await gw.register("school-a", BSNS[0])).json()
        assert (await gw.register("ggd", BSNS[0])).status_code == 201  # the child stays: the GGD is involved
        await gw.client.delete(f"/v1/involvements/{ended['id']}", params={"purpose": "signalering"},
                               headers=gw.auth("school-a"))
        grown = await gw.register("school-b", BSNS[1], birth_date="2010-03-04")
        assert grown.status_code == 201, grown.text
        assert (await gw.register("school-b", BSNS[2], birth_date="2999-01-01")).status_code == 400
        # Thuiszitter history: a week at home and a passend aanbod for the child that stays; absence of the
        # child that leaves at 23.
        lp_ref = (await gw.register("leerplicht", BSNS[0], purpose="leerplicht-handhaving")).json()["child_ref"]
        for event in ({"kind": "enrolment", "starts_on": "2026-08-24", "school": "school-a"},
                      {"kind": "unauthorised-absence", "starts_on": "2026-10-12", "ends_on": "2026-10-16", "hours": 25},
                      {"kind": "passend-aanbod", "starts_on": "2026-10-20", "offer": "onderwijs"}):
            response = await gw.client.post(f"/v1/children/{lp_ref}/events", headers=gw.auth("leerplicht"), json={
                "id": str(uuid4()), "purpose": "leerplicht-handhaving", **event})
            assert response.status_code == 201, response.text
        grown_events = await gw.client.post(f"/v1/children/{grown.json()['child_ref']}/events",
                                            headers=gw.auth("school-b"), json={
            "id": str(uuid4()), "purpose": "signalering", "kind": "unauthorised-absence", "starts_on": "2026-11-02",
            "ends_on": "2026-11-06", "hours": 6})
        assert grown_events.status_code == 201, grown_events.text
        assert (await gw.count("case_event"), await gw.count("thuiszitter_case")) == (4, 1)
        context = gw.app.state.context
        jwks = (await gw.client.get("/v1/webhooks/jwks")).json()
        records_before = await gw.count("audit_record")

        async def run(now: datetime) -> object:
            async with context.db.engine.begin() as conn:
                done = await apply(conn, settings=gw.settings, now=now)
                await make_checkpoint(conn, ring=context.keys.current(), settings=gw.settings, now=now)
                return done

        soon = await run(datetime.now(UTC) + timedelta(days=30))
        assert (soon.involvements, soon.children, soon.audit_records) == (0, 0, 0)  # type: ignore[attr-defined]
        assert (soon.case_events, soon.cases) == (0, 0)  # type: ignore[attr-defined]
        later = await run(datetime(2033, 6, 1, tzinfo=UTC))  # 23rd birthday of the child born in 2010 passed
        assert (later.involvements, later.children) == (1, 1)  # type: ignore[attr-defined]
        assert await gw.count("child") == 1 and await gw.count("involvement") == 2
        # The week at home and the aanbod are gone (and the other child's absence), the case with its clocks too;
        # the enrolment stays.
        assert (later.case_events, later.cases) == (3, 1)  # type: ignore[attr-defined]
        assert [tuple(r) for r in await gw.rows("SELECT kind FROM case_event")] == [("enrolment",)]
        assert await gw.count("thuiszitter_case") == 0 and await gw.count("case_step") == 0
        assert later.audit_records == records_before  # type: ignore[attr-defined]  # all older than five years

        async with context.db.engine.connect() as conn:
            rows = [r async for r in records_in_order(conn)]
            checkpoints = [public_checkpoint(r) for r in (await conn.execute(checkpoint_table.select())).all()]
            report = verify_log([Entry.from_row(r) for r in rows], checkpoints, jwks, log=log_id(gw.settings),
                                head_size=await head_size(conn))
        assert report.ok, report.findings
        emptied = [r for r in rows if r.purged]
        assert len(emptied) == records_before and all(not r.organisation_id and r.child_id is None for r in emptied)
        purge = [r for r in rows if r.action == "audit.purge"]
        assert len(purge) == 1 and f'"purged_through": {records_before}' in content_of(purge[0])["decision_input"]
