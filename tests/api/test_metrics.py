"""`/metrics`: requests counted by route template, method and status, with durations — and nothing in it that
names a child, a reference or a BSN."""

import re

import pytest

from tests.fixtures.gateway import BSNS, Gateway

pytestmark = pytest.mark.anyio


def _count(text: str, route: str, method: str, status: int) -> float:
    found = re.search(rf'^inbeeld_requests_total{{method="{method}",route="{re.escape(route)}",status="{status}"}} '
                      r"(\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_metrics_count_requests_without_naming_anyone(gateway: Gateway) -> None:
    before = (await gateway.client.get("/metrics")).text
    ref = (await gateway.register("school-a", BSNS[0])).json()["child_ref"]
    for _ in range(3):
        await gateway.client.get(f"/v1/children/{ref}", params={"purpose": "monitoring"},
                                 headers=gateway.auth("school-a"))  # refused: a purpose reads may not serve
    response = await gateway.client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert _count(text, "/v1/involvements", "POST", 201) - _count(before, "/v1/involvements", "POST", 201) == 1
    assert _count(text, "/v1/children/{child_ref}", "GET", 403) - _count(
        before, "/v1/children/{child_ref}", "GET", 403) == 3
    assert 'inbeeld_request_seconds_bucket{le="0.005",route="/v1/involvements"}' in text
    assert ref not in text and BSNS[0] not in text and "school-a" not in text
