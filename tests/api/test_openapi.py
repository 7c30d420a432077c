"""The committed OpenAPI document is what the app serves (regenerate: `inbeeld openapi`)."""

import json
from pathlib import Path

import pytest

from tests.fixtures.gateway import Gateway

pytestmark = pytest.mark.anyio
COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


async def test_committed_openapi_matches_the_served_one(gateway: Gateway) -> None:
    served = (await gateway.client.get("/v1/openapi.json")).json()
    assert json.loads(COMMITTED.read_text()) == served, "openapi/ is stale: run `inbeeld openapi`"


async def test_openapi_is_3_1_with_stable_operation_ids_and_problem_errors(gateway: Gateway) -> None:
    document = (await gateway.client.get("/v1/openapi.json")).json()
    assert document["openapi"] == "3.1.0"
    operations = [op for path in document["paths"].values() for op in path.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids)) and all(i[0].islower() and "_" not in i for i in ids)
    for path, item in document["paths"].items():
        assert not path.endswith("/") and (path.startswith("/v1/") or path.startswith("/.well-known/"))
        assert "bsn" not in path.lower()
        if path == "/v1/oauth/token":  # RFC 6749 §5.2 prescribes its own error body
            continue
        for op in item.values():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    assert "application/problem+json" in response["content"], (path, status)
    # A BSN travels only in request bodies, and is never echoed back.
    schemas = document["components"]["schemas"]
    assert schemas["InvolvementCreate"]["properties"]["bsn"]["writeOnly"] is True
    assert schemas["FederatedLookup"]["properties"]["bsn"]["writeOnly"] is True
    assert not any("bsn" in s.get("properties", {}) for n, s in schemas.items() if n not in
                   {"InvolvementCreate", "ChildLookup", "ConsentGrant", "FederatedLookup"})
