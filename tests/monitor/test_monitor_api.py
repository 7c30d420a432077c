"""The monthly monitor over the API: the right counts, small ones suppressed so none can be worked out, only
for monitoring roles, audited; CSV matches JSON."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from gateway.cases.models import CaseStep, ThuiszitterCase
from gateway.core.vocabulary import Role
from gateway.index.repository import find_or_create_children
from gateway.monitor.suppression import ranges
from tests.fixtures.gateway import Gateway, problem

pytestmark = pytest.mark.anyio
END = date(2026, 10, 31)

# (gemeente, school type, days at home on 31 October, ended on) per case.
CASES = [("Utrecht", "vo", d, None) for d in (3, 10, 20, 35, 40, 50, 60, 70, 100, 120, 150)] + \
        [("Utrecht", "po", d, None) for d in (5, 45)] + \
        [("Zeist", "vo", d, None) for d in (8, 30, 200)] + \
        [("Houten", "po", 12, None)] + \
        [("Utrecht", "vo", 60, date(2026, 10, 10 + n)) for n in range(6)]  # ended in October


async def _seed(gateway: Gateway) -> None:
    table, steps = ThuiszitterCase.__table__, CaseStep.__table__  # type: ignore[attr-defined]
    async with gateway.app.state.context.db.engine.begin() as conn:
        for n, (gemeente, school_type, days, ended) in enumerate(CASES):
            [child_id] = await find_or_create_children(conn, index_keys=[[bytes([n]) * 32]], key_id="k",
                                                       now=datetime.now(UTC))
            started = END - timedelta(days=days)
            await conn.execute(insert(table).values(
                child_id=child_id, started_on=started, kind="relatief", gemeente=gemeente, school_type=school_type,
                ended_on=ended, end_reason="passend-aanbod" if ended else None, rule_version="utrecht-2026.2"))
            await conn.execute(insert(steps).values(
                child_id=child_id, step_key=f"{started}/teammanagers/", case_started_on=started, name="teammanagers",
                party="kernteam", starts_on=started + timedelta(weeks=8), due_on=started + timedelta(weeks=10)))
        for n, (counting, done) in enumerate([(date(2025, 10, 1), None)] * 3 + [(date(2026, 10, 1), None)] * 5
                                             + [(date(2026, 10, 1), date(2026, 10, 20))] * 2
                                             + [(date(2026, 10, 1), date(2026, 11, 5))]):
            [child_id] = await find_or_create_children(conn, index_keys=[[bytes([200 + n]) * 32]], key_id="k",
                                                       now=datetime.now(UTC))
            await conn.execute(insert(steps).values(
                child_id=child_id, step_key=f"-/rmc-contact/{n}", case_started_on=None, name="rmc-contact",
                party="rmc", starts_on=counting, due_on=counting + timedelta(days=14), done_on=done))


async def test_the_monthly_monitor(gateway: Gateway) -> None:
    await _seed(gateway)
    response = await gateway.client.get("/v1/monitor", params={"month": "2026-10"}, headers=gateway.auth("leerplicht"))
    assert response.status_code == 200, response.text
    report = response.json()
    gemeente = report["by_gemeente"]
    assert gemeente["rows"] == ["Houten", "Utrecht", "Zeist", "totaal"]
    assert gemeente["columns"] == ["<4w", "4w-3m", ">3m", "totaal"]
    # Open on 31 October: Utrecht 13 (<4w: 3, 10, 20, 5 → 4; 4w-3m: 35..70 + 45 → 6; >3m: 100, 120, 150 → 3).
    totals = gemeente["counts"][-1]
    assert totals[-1] == 17 and gemeente["counts"][1][-1] == 13
    assert gemeente["counts"][0] == [None, 0, 0, None]  # Houten: one child, hidden with its total
    for breakdown in (gemeente, report["by_school_type"]):
        counts = [v for row in breakdown["counts"] for v in row]
        assert not [v for v in counts if v is not None and 0 < v < 5]
        for cell, (low, high) in ranges(breakdown["counts"]).items():
            assert low < high, (breakdown["rows"][cell[0]], breakdown["columns"][cell[1]])
    assert report["ended"] == 6 and report["median_days_to_aanbod"] == 41.5
    # Voortijdig schoolverlaters: 3 on the RMC's list since October 2025 (too few to show), 8 new in October
    # 2026, of whom 2 enrolled again in October (one more only in November).
    assert report["trend"][-1] == {"month": "2026-10", "open": 17, "new": report["new"], "ended": 6,
                                   "voortijdig_schoolverlaters": 9, "new_voortijdig_schoolverlaters": 8}
    september = report["trend"][-2]
    assert (september["voortijdig_schoolverlaters"], september["new_voortijdig_schoolverlaters"]) == (None, 0)
    assert len(report["trend"]) == 12 and report["escalations"] == 8  # teammanagers reached in October

    as_csv = await gateway.client.get("/v1/monitor.csv", params={"month": "2026-10"},
                                      headers=gateway.auth("leerplicht"))
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(as_csv.text)))
    utrecht_total = next(r for r in lines if r["table"] == "gemeente" and r["row"] == "Utrecht"
                         and r["column"] == "totaal")
    assert utrecht_total["count"] == "13"
    assert next(r for r in lines if r["row"] == "Houten" and r["column"] == "<4w")["count"] == ""

    # Not for schools, not for another purpose than monitoring, not anonymously; every look is audited.
    denied = problem(await gateway.client.get("/v1/monitor", params={"month": "2026-10"},
                                              headers=gateway.auth("school-a")), 403, "policy-denied")
    assert denied["reasons"] == ["action-not-allowed-for-role"]
    problem(await gateway.client.get("/v1/monitor", params={"month": "2026-10"}), 401, "unauthorized")
    problem(await gateway.client.get("/v1/monitor", params={"month": "2026-13"},
                                     headers=gateway.auth("leerplicht")), 422, "validation-failed")
    problem(await gateway.client.get("/v1/monitor", params={"month": "1999-12"},
                                     headers=gateway.auth("leerplicht")), 400, "invalid-month")
    audited = await gateway.rows("SELECT organisation_id, outcome, processing_activity, child_id FROM audit_record "
                                 "WHERE action = 'monitor.read' ORDER BY seq")
    assert [tuple(r) for r in audited] == [("leerplicht", "allowed", "inbeeld/monitor", None)] * 2 + [
        ("school-a", "denied", "inbeeld/monitor", None)]
    ok = await gateway.client.get("/v1/monitor", params={"month": "2026-10"},
                                  headers=gateway.auth("swv", Role.interventieteam))
    assert ok.status_code == 200
