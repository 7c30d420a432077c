"""The routekaart: everyone reads it, only the region's administrator changes it, with If-Match so two edits
cannot overwrite each other; bad input changes nothing; every read and edit is audited."""

from typing import Any

import pytest

from tests.fixtures.gateway import Gateway, problem

pytestmark = pytest.mark.anyio
ENTRY = {"signal": "zorgwekkend-ziekteverzuim", "label": "Zorgwekkend ziekteverzuim", "partner_type": "ggd",
         "advice": "Meld de leerling bij de jeugdarts van de GGD."}


async def _put(gateway: Gateway, entries: list[dict[str, Any]], version: str | None, org: str = "regio") -> Any:
    headers = {**gateway.auth(org), **({"If-Match": version} if version is not None else {})}
    return await gateway.client.put("/v1/routekaart", headers=headers, json={"entries": entries})


async def test_read_and_edit_the_routekaart(gateway: Gateway) -> None:
    empty = await gateway.client.get("/v1/routekaart", headers=gateway.auth("school-a"))
    assert empty.status_code == 200 and empty.json() == {"region": "utrecht", "version": 0, "entries": []}
    assert empty.headers["etag"] == '"0"'

    saved = await _put(gateway, [ENTRY], '"0"')
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == 1 and saved.headers["etag"] == '"1"'
    read = await gateway.client.get("/v1/routekaart", headers=gateway.auth("ggd"))
    assert read.json()["entries"] == [ENTRY]

    # A second administrator who read version 0 cannot overwrite version 1.
    problem(await _put(gateway, [], '"0"'), 412, "version-stale")
    problem(await _put(gateway, [], None), 428, "if-match-required")
    # Only the region edits.
    denied = problem(await _put(gateway, [], '"1"', org="leerplicht"), 403, "policy-denied")
    assert denied["reasons"] == ["action-not-allowed-for-role"]
    # Bad input: a control character, a duplicate signal, an unknown partner type, an unknown field.
    for entries in ([{**ENTRY, "advice": "Bel\r\nnu"}], [ENTRY, ENTRY], [{**ENTRY, "partner_type": "politie"}],
                    [{**ENTRY, "phone": "0612345678"}]):
        problem(await _put(gateway, entries, '"1"'), 422, "validation-failed")
    assert (await gateway.client.get("/v1/routekaart", headers=gateway.auth("ggd"))).json()["entries"] == [ENTRY]

    audited = await gateway.rows("SELECT action, organisation_id, outcome FROM audit_record "
                                 "WHERE action LIKE 'routekaart.%' ORDER BY seq")
    assert [tuple(r) for r in audited] == [
        ("routekaart.read", "school-a", "allowed"), ("routekaart.edit", "regio", "allowed"),
        ("routekaart.read", "ggd", "allowed"), ("routekaart.edit", "leerplicht", "denied"),
        ("routekaart.read", "ggd", "allowed")]
