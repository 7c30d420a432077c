"""Replay (the Authorization Decision Log idea): a recorded decision is made again with the policy revision that
made it — its sources are kept — and with today's policy, which may since have changed."""

import shutil
from pathlib import Path

import pytest

from gateway.audit.replay import NothingToReplay, replay
from gateway.policy.engine import DEFAULT_POLICY_DIR, EmbeddedRegoEngine
from tests.fixtures.gateway import BSNS, Gateway

pytestmark = pytest.mark.anyio


async def test_a_recorded_decision_replays_and_shows_what_a_changed_policy_would_decide(
        gateway: Gateway, tmp_path: Path) -> None:
    assert (await gateway.register("school-a", BSNS[0])).status_code == 201
    assert (await gateway.client.post("/v1/children/lookup", headers=gateway.auth("leerplicht"),
                                      json={"bsn": BSNS[0], "purpose": "leerplicht-handhaving"})).status_code == 200
    denied = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("ggd"),
                                       json={"bsn": BSNS[0], "purpose": "signalering"})
    assert denied.status_code == 403
    (allowed_seq,), (denied_seq,) = [tuple(r) for r in await gateway.rows(
        "SELECT seq FROM audit_record WHERE action = 'child.lookup' ORDER BY seq")]

    # Today's policy no longer knows the Leerplichtwet as a statutory basis.
    changed = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICY_DIR, changed)
    vocabulary = changed / "inbeeld" / "vocabulary" / "vocabulary.rego"
    vocabulary.write_text(vocabulary.read_text().replace('"leerplicht": {"leerplicht-handhaving": "leerplichtwet"},',
                                                         ""))
    today = EmbeddedRegoEngine(changed)
    async with gateway.app.state.context.db.engine.connect() as conn:
        same = await replay(conn, allowed_seq, today=EmbeddedRegoEngine())
        different = await replay(conn, allowed_seq, today=today)
        refused = await replay(conn, denied_seq, today=EmbeddedRegoEngine())
        with pytest.raises(NothingToReplay):
            await replay(conn, 10_000, today=today)
    assert same.reproduced and same.same_today and same.recorded["basis"] == "leerplichtwet"
    assert different.reproduced and not different.same_today
    assert different.now["allow"] is False and "no-involvement-or-statutory-task" in different.now["reasons"]
    assert different.revision_then != different.revision_now
    assert refused.reproduced and refused.recorded["allow"] is False
