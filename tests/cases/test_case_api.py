"""Time travel through one thuiszitter case over the API, on SQLite and PostgreSQL: the gateway's clock is
moved day by day, the watcher runs, and the notices in the outbox are asserted step by step."""

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from gateway.cases.watcher import watch_once
from gateway.core.clock import AMSTERDAM
from gateway.core.vocabulary import Role
from tests.fixtures.gateway import BSNS, Gateway, gateway_settings, problem, running_gateway

pytestmark = pytest.mark.anyio
BSN = BSNS[0]
HOOKS = {org: f"http://127.0.0.1:9/{org}" for org in ("school-a", "school-b", "leerplicht", "swv", "jeugdteam")}


@dataclass
class TravelClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def to(self, day: date) -> None:
        self.now = datetime.combine(day, time(9), AMSTERDAM).astimezone(UTC)


class Case:
    def __init__(self, gw: Gateway, clock: TravelClock) -> None:
        self.gw, self.clock, self.refs = gw, clock, {}
        self.seen = 0

    async def report(self, org: str, kind: str, role: Role | None = None, status: int = 201,
                     **fields: Any) -> dict[str, Any]:
        purpose = {"leerplicht": "leerplicht-handhaving", "swv": "interventieteam"}.get(org, "signalering")
        response = await self.gw.client.post(f"/v1/children/{self.refs[org]}/events", headers=self.gw.auth(org, role),
                                             json={"id": str(uuid4()), "purpose": purpose, "kind": kind, **fields})
        assert response.status_code == status, response.text
        return dict(response.json())

    async def week_at_home(self, monday: date) -> dict[str, Any]:
        return await self.report("school-a", "unauthorised-absence", starts_on=str(monday),
                                 ends_on=str(monday + timedelta(days=4)), hours=25)

    async def notices(self, day: date) -> list[tuple[str, str, str]]:
        """Move to `day`, run the watcher, return the new notices (recipient, step, state)."""
        self.clock.to(day)
        await watch_once(self.gw.app.state.context)
        rows = await self.gw.rows("SELECT recipient_id, payload FROM outbox_message WHERE event_type = 'case.step' "
                                  "ORDER BY created_at, recipient_id")
        new, self.seen = rows[self.seen:], len(rows)
        found = []
        for row in new:
            payload = json.loads(row.payload)
            assert payload["child_ref"] == self.refs.get(row.recipient_id, payload["child_ref"])
            found.append((row.recipient_id, payload["step"], payload["state"]))
        return sorted(found)

    async def worklist(self, org: str, role: Role | None = None, purpose: str = "actietafel") -> list[dict[str, Any]]:
        response = await self.gw.client.get("/v1/worklist", headers=self.gw.auth(org, role),
                                            params={"purpose": purpose})
        assert response.status_code == 200, response.text
        return list(response.json()["items"])


async def test_a_thuiszitter_case_through_every_clock(database_url: str, tmp_path: Path) -> None:
    clock = TravelClock(datetime(2026, 10, 16, 8, tzinfo=UTC))
    async with running_gateway(gateway_settings(tmp_path, database_url), clock=clock, webhooks=HOOKS) as gw:
        case = Case(gw, clock)
        for org in ("school-a", "leerplicht", "swv", "jeugdteam"):
            registered = await gw.register(org, BSN, purpose="leerplicht-handhaving" if org == "leerplicht"
                                           else "signalering", birth_date="2013-03-14")
            case.refs[org] = registered.json()["child_ref"]
        await case.report("school-a", "enrolment", starts_on="2026-08-24")
        # Week 1 at home: a threatening thuiszitter; the actietafel clock starts on the first day.
        first = await case.week_at_home(date(2026, 10, 12))
        assert (first["status"], first["since"], first["rule_version"]) == ("relatief-verzuim", "2026-10-12",
                                                                            "utrecht-2026.2")
        assert await case.notices(date(2026, 10, 16)) == [
            ("leerplicht", "actietafel", "due"), ("school-a", "actietafel", "due"), ("swv", "actietafel", "due")]
        # Nobody held the actietafel in 5 working days: overdue. The jeugdteam, not regisseur, gets no
        # notice (no basis for case details on the signal alone); it is refused in the audit log.
        assert await case.notices(date(2026, 10, 20)) == [
            ("leerplicht", "actietafel", "overdue"), ("school-a", "actietafel", "overdue"),
            ("swv", "actietafel", "overdue")]
        refused = await gw.rows("SELECT count(*) AS n FROM audit_record WHERE action = 'step.notify' "
                                "AND organisation_id = 'jeugdteam' AND outcome = 'denied'")
        assert refused[0].n == 2
        clock.to(date(2026, 10, 21))
        await case.report("school-a", "actietafel-held", starts_on="2026-10-21")
        for monday in (date(2026, 10, 19), date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)):
            clock.to(monday + timedelta(days=4))
            latest = await case.week_at_home(monday)
        assert latest["status"] == "thuiszitter"
        # The school names the jeugdteam regisseur: from now on it is told too.
        response = await gw.client.put(f"/v1/children/{case.refs['jeugdteam']}/regisseur",
                                       headers=gw.auth("jeugdteam"),
                                       json={"purpose": "actietafel", "organisation_id": "jeugdteam"})
        assert response.status_code == 200, response.text
        assert await case.notices(date(2026, 12, 4)) == []
        # Eight weeks without a passend aanbod: to the teammanagers of the kernpartners.
        assert await case.notices(date(2026, 12, 7)) == [
            ("jeugdteam", "teammanagers", "due"), ("leerplicht", "teammanagers", "due"),
            ("school-a", "teammanagers", "due"), ("swv", "teammanagers", "due")]
        # Ten weeks without a joint decision: the Interventieteam takes it, plan in 48 hours, solution in 10
        # working days.
        notices = await case.notices(date(2026, 12, 21))
        assert ("swv", "interventieteam-plan", "due") in notices
        assert ("swv", "interventieteam-solution", "due") in notices
        items = {i["step"]: i for i in await case.worklist("swv", Role.interventieteam, "interventieteam")}
        assert items["interventieteam-plan"]["due_on"] == "2026-12-23"
        assert items["interventieteam-solution"]["due_on"] == "2027-01-06"  # Christmas, New Year's Day skipped
        assert items["interventieteam-plan"]["child_ref"] == case.refs["swv"]
        # The plan is late, and the teammanagers' deadline (day 70) has passed.
        notices = await case.notices(date(2026, 12, 24))
        assert ("swv", "interventieteam-plan", "overdue") in notices
        assert ("school-a", "teammanagers", "overdue") in notices
        it = {i["step"]: i for i in await case.worklist("swv", Role.interventieteam, "interventieteam")}
        assert it["interventieteam-plan"]["days_overdue"] == 1
        lp = {i["step"]: i for i in await case.worklist("leerplicht", purpose="leerplicht-handhaving")}
        assert lp["teammanagers"]["days_overdue"] == 3 and "interventieteam-plan" not in lp  # not its step
        await case.report("swv", "interventieteam-plan", Role.interventieteam, starts_on="2026-12-24")
        # Two weeks before the national target (3 months): warned; solution not found by 6 January: overdue.
        assert ("jeugdteam", "national-target", "due") in await case.notices(date(2026, 12, 29))
        assert await case.notices(date(2027, 1, 6)) == []
        assert ("swv", "interventieteam-solution", "overdue") in await case.notices(date(2027, 1, 7))
        # Doorzettingsmacht: the SWV (Utrecht's designated party) binds school-b to offer a place by 21 January;
        # school-b is told although not involved, and it is on its worklist. Leerplicht may not decide it.
        await case.report("leerplicht", "doorzettingsmacht", status=403, starts_on="2027-01-07",
                          designated="school-b", deadline="2027-01-21")
        await case.report("swv", "doorzettingsmacht", Role.interventieteam, starts_on="2027-01-07",
                          designated="school-b", deadline="2027-01-21")
        assert ("school-b", "doorzettingsmacht", "due") in await case.notices(date(2027, 1, 8))
        school_b = await case.worklist("school-b")
        assert [(i["step"], i["due_on"]) for i in school_b] == [("doorzettingsmacht", "2027-01-21")]
        assert ("jeugdteam", "national-target", "overdue") in await case.notices(date(2027, 1, 13))
        # A place: back at school, every clock stops, nothing more is sent, worklists are empty.
        clock.to(date(2027, 1, 18))
        done = await case.report("swv", "passend-aanbod", starts_on="2027-01-18", offer="onderwijs")
        assert done["status"] == "back-at-school"
        assert await case.notices(date(2027, 1, 25)) == []
        assert await case.worklist("school-b") == [] and await case.worklist("swv", Role.interventieteam,
                                                                               "interventieteam") == []
        view = (await gw.client.get(f"/v1/children/{case.refs['school-a']}/case", headers=gw.auth("school-a"),
                                    params={"purpose": "actietafel"})).json()
        (episode,) = view["episodes"]
        assert (episode["started_on"], episode["thuiszitter_on"], episode["ended_on"], episode["end_reason"]) == (
            "2026-10-12", "2026-11-09", "2027-01-18", "passend-aanbod")
        assert {s["name"] for s in episode["steps"]} == {
            "actietafel", "teammanagers", "interventieteam-plan", "interventieteam-solution", "national-target",
            "doorzettingsmacht"}
        monitor = await gw.rows("SELECT gemeente, school_type, kind FROM thuiszitter_case")
        assert [tuple(r) for r in monitor] == [("Utrecht", "vo", "relatief")]


async def test_events_are_idempotent_and_bad_ones_change_nothing(gateway: Gateway) -> None:
    ref = (await gateway.register("school-a", BSN)).json()["child_ref"]
    url, headers = f"/v1/children/{ref}/events", gateway.auth("school-a")
    event = {"id": str(uuid4()), "purpose": "signalering", "kind": "unauthorised-absence",
             "starts_on": "2026-11-02", "ends_on": "2026-11-06", "hours": 8}
    first = await gateway.client.post(url, headers=headers, json=event)
    assert first.status_code == 201 and first.json()["repeated"] is False
    again = await gateway.client.post(url, headers=headers, json=event)
    assert again.status_code == 200 and again.json()["repeated"] is True
    assert await gateway.count("case_event") == 1
    before = await gateway.rows("SELECT * FROM case_event")
    problem(await gateway.client.post(url, headers=headers, json={**event, "hours": 9}), 409, "event-id-reused")
    bad = [
        {**event, "id": str(uuid4()), "ends_on": "2026-11-01"},  # before the start
        {**event, "id": str(uuid4()), "hours": 100},  # more than 12 hours a day
        {**event, "id": str(uuid4()), "reason": "ziek"},  # unknown field
        {**event, "id": str(uuid4()), "kind": "verzonnen"},
        {**event, "id": "niet-een-uuid"},
    ]
    for body in bad:
        problem(await gateway.client.post(url, headers=headers, json=body), 422, "validation-failed")
    future = {**event, "id": str(uuid4()), "starts_on": "2099-01-05", "ends_on": "2099-01-09"}
    problem(await gateway.client.post(url, headers=headers, json=future), 400, "invalid-event")
    problem(await gateway.client.post(url, headers=gateway.auth("ggd"), json={**event, "id": str(uuid4())}),
            404, "child-not-found")  # a school's reference means nothing to another organisation
    assert await gateway.rows("SELECT * FROM case_event") == before


async def test_another_region_other_clocks_absoluut_verzuim_and_a_vrijstelling(database_url: str,
                                                                               tmp_path: Path) -> None:
    """Lekstroom: every child in a suitable place within six weeks (its own target next to the national one),
    no four-year-olds. A de-enrolled child is absoluut verzuim at once; a vrijstelling ends the case and is
    re-assessed on its date, with a notice to leerplicht 30 days before."""
    clock = TravelClock(datetime(2026, 9, 1, 8, tzinfo=UTC))
    settings = gateway_settings(tmp_path, database_url, region="lekstroom")
    async with running_gateway(settings, clock=clock, webhooks=HOOKS) as gw:
        case = Case(gw, clock)
        for org in ("school-a", "leerplicht"):
            registered = await gw.register(org, BSN, birth_date="2012-05-20",
                                           purpose="leerplicht-handhaving" if org == "leerplicht" else "signalering")
            case.refs[org] = registered.json()["child_ref"]
        await case.report("school-a", "enrolment", starts_on="2026-08-24")
        left = await case.report("school-a", "de-enrolment", starts_on="2026-09-01")
        assert (left["status"], left["rule_version"]) == ("absoluut-verzuim", "lekstroom-2026.2")
        # The SWV is not involved yet, but a threatening thuiszitter is reported to it at once.
        assert await case.notices(date(2026, 9, 1)) == [("leerplicht", "actietafel", "due"),
                                                         ("school-a", "actietafel", "due"),
                                                         ("swv", "actietafel", "due")]
        await case.report("school-a", "actietafel-held", starts_on="2026-09-01")
        # Two weeks before the six-week regional target (13 October): the regisseur — none yet, so the kernteam.
        assert await case.notices(date(2026, 9, 28)) == []
        assert await case.notices(date(2026, 9, 29)) == [("leerplicht", "region-target", "due"),
                                                          ("school-a", "region-target", "due")]
        assert await case.notices(date(2026, 10, 14)) == [("leerplicht", "region-target", "overdue"),
                                                          ("school-a", "region-target", "overdue")]
        # Leerplicht grants a vrijstelling 5 onder a, to be re-assessed on 1 March 2027.
        clock.to(date(2026, 10, 15))
        freed = await case.report("leerplicht", "vrijstelling-5a", starts_on="2026-10-15", reassess_on="2027-03-01")
        assert freed["status"] == "vrijstelling-5a"
        assert await case.notices(date(2027, 1, 29)) == []
        assert await case.notices(date(2027, 1, 30)) == [("leerplicht", "vrijstelling-herbeoordeling", "due"),
                                                         ("school-a", "vrijstelling-herbeoordeling", "due")]
        assert [i["step"] for i in await case.worklist("leerplicht", purpose="leerplicht-handhaving")] == [
            "vrijstelling-herbeoordeling"]
        # Leerplicht assesses again: a new vrijstelling with the next date closes this one.
        clock.to(date(2027, 2, 20))
        await case.report("leerplicht", "vrijstelling-5a", starts_on="2027-02-20", reassess_on="2028-03-01")
        assert await case.notices(date(2027, 3, 2)) == []
        assert await case.worklist("leerplicht", purpose="leerplicht-handhaving") == []


async def test_events_that_name_unknown_organisations_are_refused(gateway: Gateway) -> None:
    ref = (await gateway.register("leerplicht", BSN, purpose="leerplicht-handhaving")).json()["child_ref"]
    url, headers = f"/v1/children/{ref}/events", gateway.auth("leerplicht")
    base = {"purpose": "leerplicht-handhaving", "starts_on": "2026-09-01"}
    for event, status, code in (
        ({"kind": "enrolment"}, 400, "invalid-event"),  # leerplicht must name the school
        ({"kind": "enrolment", "school": "nergens"}, 400, "unknown-organisation"),
        ({"kind": "enrolment", "school": "ggd"}, 400, "unknown-organisation"),  # not a school
    ):
        problem(await gateway.client.post(url, headers=headers, json={"id": str(uuid4()), **base, **event}),
                status, code)
    assert await gateway.count("case_event") == 0
    # Leerplicht finds the child enrolled nowhere: absoluut verzuim.
    left = await gateway.client.post(url, headers=headers, json={"id": str(uuid4()), **base, "kind": "de-enrolment"})
    assert left.status_code == 201 and left.json()["status"] == "absoluut-verzuim"


async def test_the_same_event_sent_many_times_at_once_is_stored_once(gateway: Gateway) -> None:
    ref = (await gateway.register("school-a", BSN)).json()["child_ref"]
    enrolled = await gateway.client.post(f"/v1/children/{ref}/events", headers=gateway.auth("school-a"), json={
        "id": str(uuid4()), "purpose": "signalering", "kind": "enrolment", "starts_on": "2026-08-24"})
    assert enrolled.status_code == 201
    event = {"id": str(uuid4()), "purpose": "signalering", "kind": "unauthorised-absence",
             "starts_on": "2026-11-02", "ends_on": "2026-11-06", "hours": 25}
    others = [{**event, "id": str(uuid4()), "starts_on": "2026-11-09", "ends_on": "2026-11-13"} for _ in range(5)]
    responses = await asyncio.gather(*(
        gateway.client.post(f"/v1/children/{ref}/events", headers=gateway.auth("school-a"), json=body)
        for body in [event] * 15 + others))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 14 + [201] * 6, [r.text for r in responses if r.status_code >= 300]
    assert await gateway.count("case_event") == 7
    rows = await gateway.rows("SELECT started_on, kind FROM thuiszitter_case")
    assert [(str(r.started_on), r.kind) for r in rows] == [("2026-11-02", "relatief")]
