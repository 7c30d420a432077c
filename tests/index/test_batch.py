"""Registering involvements in bulk (POST /v1/involvement-batches): each item as if registered alone — decided,
audited, partners told — in one transaction, a refused item leaving the others be."""

from datetime import date, timedelta

import pytest

from gateway.demo.data import synthetic_bsns
from gateway.index.schemas import BATCH_SIZE
from tests.fixtures.gateway import BSNS, Gateway, problem
from tests.fixtures.outages import unwritable_audit_log

pytestmark = pytest.mark.anyio


async def _batch(gateway: Gateway, org: str, items: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    return await gateway.client.post("/v1/involvement-batches", headers=gateway.auth(org),
                                     json={"involvements": items})


async def _counts(gw: Gateway) -> tuple[int, int, int, int]:
    return (await gw.count("child"), await gw.count("involvement"), await gw.count("audit_record"),
            await gw.count("outbox_message"))


async def test_a_batch_registers_each_item_as_alone_and_refuses_only_the_bad_ones(gateway: Gateway) -> None:
    assert (await gateway.register("ggd", BSNS[1])).status_code == 201  # a partner
    assert (await gateway.register("school-a", BSNS[2])).status_code == 201  # already involved
    before = await _counts(gateway)
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = await _batch(gateway, "school-a", [
        {"bsn": BSNS[0], "purpose": "signalering"},
        {"bsn": BSNS[1], "purpose": "signalering", "contact_point": "zorg@school-a.test"},
        {"bsn": BSNS[2], "purpose": "signalering"},                       # 409: involved already
        {"bsn": BSNS[3], "purpose": "signalering", "since": tomorrow},    # 400: since in the future
        {"bsn": BSNS[3], "purpose": "monitoring"},                        # 403: no basis for this purpose
        {"bsn": BSNS[0], "purpose": "signalering"},                       # 409: the first item made it
    ])
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(r["index"], r["status"], r["problem"]) for r in body["results"]] == [
        (0, 201, None), (1, 201, None), (2, 409, "involvement-exists"), (3, 400, "invalid-period"),
        (4, 403, "policy-denied"), (5, 409, "involvement-exists")]
    assert body["registered"] == 2 and body["refused"] == 4
    assert all(b not in response.text for b in BSNS)
    first = body["results"][0]["involvement"]
    lookup = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("school-a"),
                                       json={"bsn": BSNS[0], "purpose": "signalering"})
    assert lookup.json() == {"child_ref": first["child_ref"]}

    children, involvements, records, outbox = await _counts(gateway)
    assert (children, involvements) == (before[0] + 1, before[1] + 2)
    assert outbox == before[3]  # no organisation of this region has a webhook
    rows = await gateway.rows("SELECT action, outcome FROM audit_record ORDER BY seq")
    new = [(r.action, r.outcome) for r in rows[before[2]:]]
    assert new == [("involvement.register", "allowed"), ("involvement.register", "allowed"),
                   ("involvement.register", "denied"),  # the refusal's record survives its item's rollback
                   ("child.lookup", "allowed")]  # the lookup above
    assert records == before[2] + len(new)
    report = await gateway.audit_report()
    assert report.ok, report.findings


async def test_a_bad_shape_refuses_the_whole_batch_and_changes_nothing(gateway: Gateway) -> None:
    before = await _counts(gateway)
    for items in ([], [{"bsn": BSNS[0], "purpose": "signalering"}, {"bsn": "123456789", "purpose": "signalering"}],
                  [{"bsn": BSNS[0], "purpose": "signalering", "name": "Jan"}],
                  [{"bsn": b.digits, "purpose": "signalering"} for b in synthetic_bsns(BATCH_SIZE + 1, seed=3)]):
        response = await _batch(gateway, "school-a", items)
        assert response.status_code in (413, 422), response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert all(b not in response.text for b in BSNS)
    assert await _counts(gateway) == before


async def test_an_unwritable_log_refuses_the_whole_batch(gateway: Gateway) -> None:
    before = await _counts(gateway)
    async with unwritable_audit_log(gateway):
        response = await _batch(gateway, "school-a", [{"bsn": b, "purpose": "signalering"} for b in BSNS[:3]])
    problem(response, 503, "audit-unavailable")
    assert await _counts(gateway) == before


async def test_a_batch_without_a_token_is_refused(gateway: Gateway) -> None:
    response = await gateway.client.post("/v1/involvement-batches",
                                         json={"involvements": [{"bsn": BSNS[0], "purpose": "signalering"}]})
    problem(response, 401, response.json()["code"])
    assert await gateway.count("involvement") == 0


async def test_the_largest_batch_the_schema_allows_is_taken(gateway: Gateway) -> None:
    """500 items with the longest contact point: more than the 64 KiB other routes take, still no 413."""
    items = [{"bsn": b.digits, "purpose": "signalering", "contact_point": "zorg" + "x" * 180 + "@school-a.test",
              "since": "2026-01-01", "legal_basis": "jeugdwet-7.1.1-verwijsindex"}
             for b in synthetic_bsns(BATCH_SIZE, seed=5)]
    response = await _batch(gateway, "school-a", items)
    assert response.status_code == 200, response.text
    assert response.json()["registered"] == BATCH_SIZE
    assert await gateway.count("involvement") == BATCH_SIZE
