"""The overstap VO -> MBO and the RMC over the API, on SQLite and PostgreSQL, with the gateway's clock moved: the
VO school reports a leaver without a startkwalificatie, 1 October passes without an enrolment, the watcher makes
the young person a voortijdig schoolverlater, and the RMC finds them on its worklist and may see their status
and schools, nothing more. The MBO's enrolment ends it."""

import json
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from gateway.cases.watcher import watch_once
from gateway.core.vocabulary import Role
from tests.cases.test_case_api import TravelClock
from tests.fixtures.gateway import BSNS, gateway_settings, problem, running_gateway

pytestmark = pytest.mark.anyio
BSN = BSNS[2]
RMC = "voortijdig-schoolverlaten"


async def test_a_leaver_not_enrolled_by_1_october_is_on_the_rmc_worklist(database_url: str, tmp_path: Path) -> None:
    clock = TravelClock(datetime(2026, 7, 1, 8, tzinfo=UTC))
    hooks = {org: f"http://127.0.0.1:9/{org}" for org in ("school-a", "rmc", "leerplicht")}
    async with running_gateway(gateway_settings(tmp_path, database_url), clock=clock, webhooks=hooks) as gw:
        refs = {org: (await gw.register(org, BSN, birth_date="2009-05-14")).json()["child_ref"]
                for org in ("school-a", "ggd")}

        async def event(org: str, kind: str, status: int = 201, **fields: object) -> dict[str, object]:
            response = await gw.client.post(f"/v1/children/{refs[org]}/events", headers=gw.auth(org), json={
                "id": str(uuid4()), "purpose": "signalering", "kind": kind, **fields})
            assert response.status_code == status, response.text
            return dict(response.json())

        # Bad input changes nothing: a destination that is not a school, a leaving without the qualification.
        problem(await gw.client.post(f"/v1/children/{refs['school-a']}/events", headers=gw.auth("school-a"), json={
            "id": str(uuid4()), "purpose": "signalering", "kind": "school-leaving", "starts_on": "2026-07-01",
            "startkwalificatie": False, "destination": "ggd"}), 400, "unknown-organisation")
        problem(await gw.client.post(f"/v1/children/{refs['school-a']}/events", headers=gw.auth("school-a"), json={
            "id": str(uuid4()), "purpose": "signalering", "kind": "school-leaving", "starts_on": "2026-07-01"}),
            422, "validation-failed")
        problem(await gw.client.post(f"/v1/children/{refs['ggd']}/events", headers=gw.auth("ggd"), json={
            "id": str(uuid4()), "purpose": "signalering", "kind": "school-leaving", "starts_on": "2026-07-01",
            "startkwalificatie": False}), 403, "policy-denied")
        assert await gw.count("case_event") == 0

        left = await event("school-a", "school-leaving", starts_on="2026-07-01", startkwalificatie=False,
                           destination="mbo")
        assert left["status"] == "none"
        rmc_ref = (await gw.client.post("/v1/children/lookup", headers=gw.auth("rmc"),
                                        json={"bsn": BSN, "purpose": RMC})).json()["child_ref"]

        async def worklist() -> list[dict[str, object]]:
            response = await gw.client.get("/v1/worklist", headers=gw.auth("rmc"), params={"purpose": RMC})
            assert response.status_code == 200, response.text
            return list(response.json()["items"])

        clock.to(date(2026, 9, 30))
        await watch_once(gw.app.state.context)
        assert await worklist() == []  # the MBO has until 1 October
        clock.to(date(2026, 10, 1))
        await watch_once(gw.app.state.context)
        # The RMC is told the step started (its statutory task); the school, involved, too.
        notices = await gw.rows("SELECT recipient_id, payload FROM outbox_message WHERE event_type = 'case.step'")
        assert sorted((r.recipient_id, json.loads(r.payload)["step"]) for r in notices) == [
            ("rmc", "rmc-contact"), ("school-a", "rmc-contact")]
        (item,) = await worklist()
        assert (item["child_ref"], item["step"], item["party"], item["status"], item["starts_on"], item["due_on"]) \
            == (rmc_ref, "rmc-contact", "rmc", "voortijdig-schoolverlater", "2026-10-01", "2026-10-15")

        # What the RMC may see: the attendance status and the schools; not the GGD, not the regisseur, no case.
        card = await gw.client.get(f"/v1/children/{rmc_ref}", headers=gw.auth("rmc"), params={"purpose": RMC})
        assert card.status_code == 200, card.text
        body = card.json()
        assert body["attendance"]["status"] == "voortijdig-schoolverlater"
        assert body["attendance"]["reported_by"]["id"] == "school-a"  # the last school, which reported the leaving
        assert {i["organisation"]["type"] for i in body["involvements"]} == {"school"}
        assert body.get("regisseur") is None
        problem(await gw.client.get(f"/v1/children/{rmc_ref}/case", headers=gw.auth("rmc"), params={"purpose": RMC}),
                403, "policy-denied")
        problem(await gw.client.get(f"/v1/children/{rmc_ref}", headers=gw.auth("rmc"),
                                    params={"purpose": "signalering"}), 403, "policy-denied")
        problem(await gw.client.get(f"/v1/children/{refs['school-a']}", headers=gw.auth("school-a"),
                                    params={"purpose": RMC}), 403, "policy-denied")
        # Leerplicht's case view shows the RMC's step as the overstap.
        lp = (await gw.register("leerplicht", BSN, purpose="leerplicht-handhaving")).json()["child_ref"]
        case = (await gw.client.get(f"/v1/children/{lp}/case", headers=gw.auth("leerplicht"),
                                    params={"purpose": "leerplicht-handhaving"})).json()
        assert [(s["name"], s["done_on"]) for s in case["overstap"]] == [("rmc-contact", None)]
        assert case["reassessment"] == []

        # The MBO enrols the young person after all: the step is done, the worklist empty.
        refs["mbo"] = (await gw.register("mbo", BSN)).json()["child_ref"]
        clock.to(date(2026, 10, 12))
        enrolled = await event("mbo", "enrolment", starts_on="2026-10-12")
        assert enrolled["status"] == "none"
        assert await worklist() == []
        denied = await gw.rows("SELECT count(*) AS n FROM audit_record WHERE outcome = 'denied'")
        assert denied[0].n >= 4  # each refusal above left its record
        assert BSN not in str(await gw.rows("SELECT * FROM case_event"))


async def test_the_rmc_role_only_within_an_rmc(database_url: str, tmp_path: Path) -> None:
    async with running_gateway(gateway_settings(tmp_path, database_url)) as gw:
        await gw.register("school-a", BSN)
        wrong = await gw.client.post("/v1/children/lookup", headers=gw.auth("leerplicht", Role.rmc_consulent),
                                     json={"bsn": BSN, "purpose": RMC})
        problem(wrong, 403, "policy-denied")
