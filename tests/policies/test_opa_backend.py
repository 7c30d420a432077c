"""The OPA sidecar backend over a real socket, fed the bundle `inbeeld policy bundle` builds."""

import io
import json
import tarfile
from pathlib import Path

import pytest

from gateway.policy.engine import DEFAULT_POLICY_DIR, EmbeddedRegoEngine, build_bundle
from tests.fixtures.gateway import BSNS, gateway_settings, problem, running_gateway
from tests.fixtures.opa_server import opa_server
from tests.fixtures.processes import free_port

pytestmark = pytest.mark.anyio


def test_bundle_holds_the_policies_and_a_manifest_with_the_revision() -> None:
    bundle = build_bundle(DEFAULT_POLICY_DIR)
    with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as archive:
        names = {m.name for m in archive.getmembers()}
        manifest = json.loads(archive.extractfile("/.manifest").read())  # type: ignore[union-attr]
    assert manifest == {"revision": EmbeddedRegoEngine().revision, "roots": ["inbeeld"]}
    assert "/inbeeld/index/decision.rego" in names and not any(n.endswith("_test.rego") for n in names)


async def test_gateway_decides_through_opa(tmp_path: Path) -> None:
    with opa_server(build_bundle()) as opa:
        settings = gateway_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
                                    policy_engine="opa", opa_url=opa.url)
        async with running_gateway(settings) as gw:
            ref = (await gw.register("school-a", BSNS[0])).json()["child_ref"]
            card = await gw.client.get(f"/v1/children/{ref}", params={"purpose": "signalering"},
                                       headers=gw.auth("school-a"))
            assert card.status_code == 200 and "involvements" in card.json()
            denied = await gw.client.get(f"/v1/children/{ref}", params={"purpose": "monitoring"},
                                         headers=gw.auth("school-a"))
            assert problem(denied, 403, "policy-denied")["reasons"] == ["purpose-not-allowed-for-action"]
            revisions = {r.policy_revision for r in await gw.rows("SELECT policy_revision FROM audit_record")}
        assert opa.queries == 3
        assert revisions == {opa.revision}


# What a broken, misconfigured or impostor engine might answer instead of a decision.
_GARBAGE = {
    "not-json": (200, b"<html>allow</html>"),
    "allow-as-string": (200, b'{"result": {"allow": "true", "fields": ["child_ref"], "basis": "consent"}}'),
    "allow-without-result": (200, b'{"allow": true}'),
    "result-is-true": (200, b'{"result": true}'),
    "fields-not-strings": (200, b'{"result": {"allow": true, "fields": [1], "basis": "consent"}}'),
    "server-error": (500, b'{"code": "internal_error"}'),
    "truncated": (200, b'{"result": {"allow": tr'),
}


@pytest.mark.parametrize("failure", ["down", "slow", "undefined", *_GARBAGE])
async def test_opa_failure_denies_with_503_and_discloses_nothing(tmp_path: Path, failure: str) -> None:
    with opa_server(build_bundle()) as opa:
        url = f"http://127.0.0.1:{free_port()}" if failure == "down" else opa.url
        opa.delay_seconds = 0.5 if failure == "slow" else 0.0
        opa.undefined = failure == "undefined"
        opa.raw_answer = _GARBAGE.get(failure)
        settings = gateway_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
                                    policy_engine="opa", opa_url=url, policy_timeout_seconds=0.2)
        async with running_gateway(settings) as gw:
            response = await gw.register("school-a", BSNS[1])
            body = problem(response, 503, "policy-unavailable")
            assert "child_ref" not in body and BSNS[1] not in response.text
            assert await gw.count("child") == 0 and await gw.count("involvement") == 0
