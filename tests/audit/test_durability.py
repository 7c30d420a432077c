"""No disclosure before its record is durable: when the audit log cannot be written, the request answers 503,
changes nothing and shows nothing; when it can again, the log goes on without a gap."""

import pytest

from tests.fixtures.gateway import BSNS, Gateway, problem
from tests.fixtures.outages import unwritable_audit_log

pytestmark = pytest.mark.anyio


async def test_an_unwritable_audit_log_stops_every_request_and_discloses_nothing(gateway: Gateway) -> None:
    assert (await gateway.register("school-a", BSNS[0])).status_code == 201
    involvements, records = await gateway.count("involvement"), await gateway.count("audit_record")
    async with unwritable_audit_log(gateway):
        lookup = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("school-a"),
                                           json={"bsn": BSNS[0], "purpose": "signalering"})
        assert "child_ref" not in problem(lookup, 503, "audit-unavailable")
        problem(await gateway.register("ggd", BSNS[0]), 503, "audit-unavailable")  # a change
        denied = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("ggd"),
                                           json={"bsn": BSNS[1], "purpose": "signalering"})
        problem(denied, 503, "audit-unavailable")  # even a refusal waits for its record
        assert await gateway.count("involvement") == involvements
        assert await gateway.count("audit_record") == records

    assert (await gateway.register("ggd", BSNS[0])).status_code == 201
    seqs = [r.seq for r in await gateway.rows("SELECT seq FROM audit_record ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))  # the failed appends left no gap
