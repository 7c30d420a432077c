"""What an attacker or a careless client sends: another organisation's ids, fields it may not set, text built to
break logs and exports, BSNs that are almost right. Each gets a clear problem and changes nothing."""

import csv
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from gateway.core.logging import QUIET, JsonFormatter
from gateway.core.vocabulary import Role
from tests.fixtures.brp_server import brp_server
from tests.fixtures.gateway import BSNS, Gateway, gateway_settings, problem, running_gateway

pytestmark = pytest.mark.anyio
BSN = BSNS[0]
TABLES = ("child", "involvement", "case_event", "case_step", "thuiszitter_case", "consent", "consent_receipt",
          "outbox_message", "routekaart_entry")


async def _state(gw: Gateway) -> dict[str, list[Any]]:
    """Every row of every table a request could change (the audit log apart: refusals are recorded)."""
    return {table: sorted(map(tuple, await gw.rows(f"SELECT * FROM {table}")), key=repr)  # noqa: S608
            for table in TABLES}


# --- object ids of other organisations --------------------------------------------------------------------------

async def test_another_organisations_ids_open_nothing_and_change_nothing(database_url: str, tmp_path: Path) -> None:
    with brp_server() as brp:
        async with running_gateway(gateway_settings(tmp_path, database_url, brp_url=brp.url)) as gw:
            await _attack_with_others_ids(gw)


async def _attack_with_others_ids(gw: Gateway) -> None:
    school = (await gw.register("school-a", BSN)).json()
    ggd = (await gw.register("ggd", BSN)).json()
    consent = await gw.client.post("/v1/consents", headers=gw.auth("school-a"), json={
        "bsn": BSN, "purpose": "afstemming-kernteam", "recipients": ["ggd"],
        "given_by": {"child": False, "custodians": ["999990111", "999990123"]}})  # the BRP's parents
    assert consent.status_code == 201, consent.text
    consent_id = consent.json()["consents"][0]["id"]
    before, records = await _state(gw), await gw.count("audit_record")
    ref, involvement = school["child_ref"], school["id"]
    attacks: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/v1/children/{ref}", {"params": {"purpose": "signalering"}}),
        ("GET", f"/v1/children/{ref}/involvements", {"params": {"purpose": "signalering"}}),
        ("GET", f"/v1/children/{ref}/case", {"params": {"purpose": "signalering"}}),
        ("GET", f"/v1/children/{ref}/consents", {"params": {"purpose": "afstemming-kernteam"}}),
        ("PUT", f"/v1/children/{ref}/regisseur", {"json": {"purpose": "actietafel", "organisation_id": "ggd"}}),
        ("POST", f"/v1/children/{ref}/events", {"json": {
            "id": str(uuid4()), "purpose": "signalering", "kind": "de-enrolment", "starts_on": "2026-10-01"}}),
        ("POST", f"/v1/children/{ref}/details", {"json": {"purpose": "signalering", "categories": ["support"]}}),
        ("DELETE", f"/v1/involvements/{involvement}", {"params": {"purpose": "signalering"}}),
        ("DELETE", f"/v1/consents/{consent_id}", {"params": {"purpose": "afstemming-kernteam"}}),
        ("GET", f"/v1/consents/{consent_id}/receipts", {"params": {"purpose": "afstemming-kernteam"}}),
        ("GET", f"/v1/consents/{consent_id}/fhir", {"params": {"purpose": "afstemming-kernteam"}}),
    ]
    # The GGD is involved with the same child but holds its own reference; school-b knows nothing of the child.
    for attacker in ("ggd", "school-b", "leerplicht"):
        for method, url, kwargs in attacks:
            if attacker == "ggd" and "consents/" in url:
                continue  # the GGD is this consent's recipient: it may read it
            response = await gw.client.request(method, url, headers=gw.auth(attacker), **kwargs)
            assert response.status_code in (403, 404), (attacker, method, url, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert ref not in response.text and ggd["child_ref"] not in response.text
    assert await _state(gw) == before
    assert await gw.count("audit_record") > records  # each refusal is on record


async def test_request_bodies_take_no_field_the_caller_may_not_set(gateway: Gateway) -> None:
    """Mass assignment: every request schema refuses unknown properties, and the API says so."""
    spec = (await gateway.client.get("/v1/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    open_objects = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            stack, seen = [body["schema"]], set()
            while stack:
                schema = stack.pop()
                if "$ref" in schema:
                    name = schema["$ref"].rsplit("/", 1)[1]
                    if name not in seen:
                        seen.add(name)
                        stack.append(schemas[name])
                    continue
                if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
                    open_objects.append((method, path, schema.get("title")))
                stack += [*schema.get("properties", {}).values(), *schema.get("oneOf", []),
                          *schema.get("anyOf", []), *schema.get("allOf", [])]
                if isinstance(schema.get("items"), dict):
                    stack.append(schema["items"])
    assert open_objects == []

    before = await _state(gateway)
    for extra in ({"organisation_id": "ggd"}, {"role": "jeugdarts"}, {"child_id": 1}, {"id": str(uuid4())},
                  {"legal_basis_verified": True}, {"status": "active"}):
        response = await gateway.register("school-a", BSN, **extra)
        assert problem(response, 422, "validation-failed")["errors"][0]["location"][-1] == next(iter(extra))
    assert await _state(gateway) == before


# --- BSNs that are almost right ----------------------------------------------------------------------------------

LEADING_ZERO = "012345672"  # passes the elfproef


@pytest.mark.parametrize("bad", [
    "12345672",        # the same number with its leading zero lost (a spreadsheet did it): not guessed back
    12345672, 12345672.0, ["012345672"], {"digits": "012345672"},
    "０１２３４５６７２",  # full-width digits
    "٠١٢٣٤٥٦٧٢",       # Arabic-Indic digits
    "012345672\n", "012 345 672", "012-345-672", "+12345672", "0123456720", "012345673",
])
async def test_a_bsn_that_is_almost_right_is_refused_and_matches_nothing(gateway: Gateway, bad: object) -> None:
    assert (await gateway.register("school-a", LEADING_ZERO)).status_code == 201
    before = await _state(gateway)
    for url, org in (("/v1/involvements", "ggd"), ("/v1/children/lookup", "school-a")):
        response = await gateway.client.post(url, headers=gateway.auth(org),
                                             json={"bsn": bad, "purpose": "signalering"})
        assert problem(response, 422, "validation-failed")["errors"][0]["location"][:2] == ["body", "bsn"]
        assert LEADING_ZERO not in response.text and "12345672" not in response.text
    assert await _state(gateway) == before


async def test_a_bsn_with_a_leading_zero_keeps_it(gateway: Gateway) -> None:
    registered = (await gateway.register("school-a", LEADING_ZERO)).json()
    lookup = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("school-a"),
                                       json={"bsn": LEADING_ZERO, "purpose": "signalering"})
    assert lookup.json() == {"child_ref": registered["child_ref"]}
    ggd_ref = (await gateway.register("ggd", LEADING_ZERO)).json()["child_ref"]
    seen = await gateway.client.get(f"/v1/children/{ggd_ref}/involvements", params={"purpose": "signalering"},
                                    headers=gateway.auth("ggd"))
    assert [i["organisation"]["id"] for i in seen.json()["involvements"]] == ["school-a", "ggd"]


# --- text built to break logs and exports ------------------------------------------------------------------------

FORGED = '{"level": "critical", "message": "forged"}'
BREAKING = {  # refused wherever free text is taken
    "crlf": "team\r\n" + FORGED,
    "lf": "team\n" + FORGED,
    "line-separator": "team\u2028" + FORGED,
    "paragraph-separator": "team\u2029" + FORGED,
    "ansi": "team\x1b[2J\x1b[31mforged",
    "c1-csi": "team\x9b31mforged",
    "bidi-override": "team\u202egro.kcah",
    "nul": "team\x00forged",
}
HARMLESS = {  # taken, and kept exactly as sent
    "json-fragment": 'team", "level": "critical", "x": "',
    "formula": "=HYPERLINK(\"http://evil.test\",\"klik\")",
    "markup": "<script>alert(1)</script>",
    "quotes": "team'; DROP TABLE child; --",
}


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The gateway's JSON log lines, at DEBUG, as `inbeeld serve` writes them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _assert_log_intact(log: io.StringIO) -> None:
    lines = log.getvalue().splitlines()
    for line in lines:
        assert line.isascii() and line.isprintable(), line  # no raw control character, separator or escape
        entry = json.loads(line)
        assert entry.get("message") != "forged" and entry.get("level") != "critical"


@pytest.mark.parametrize("payload", list(BREAKING.values()), ids=list(BREAKING))
async def test_text_that_would_break_a_log_or_export_is_refused_everywhere(
        gateway: Gateway, json_log: io.StringIO, payload: str) -> None:
    gw = gateway
    before, records = await _state(gw), await gw.count("audit_record")
    problem(await gw.register("school-a", BSN, contact_point=payload), 422, "validation-failed")
    current = await gw.client.get("/v1/routekaart", headers=gw.auth("regio"))
    entries = current.json()["entries"]
    entry = {"signal": "zorgwekkend-ziekteverzuim", "label": "Ziekteverzuim", "partner_type": "ggd",
             "advice": "Meld bij de jeugdarts."}
    for field in ("label", "advice"):
        response = await gw.client.put("/v1/routekaart", json={"entries": [{**entry, field: payload}]},
                                       headers={**gw.auth("regio"), "If-Match": current.headers["etag"]})
        problem(response, 422, "validation-failed")
    assertion = gw.assertion("school-a", professional_id=payload)
    token = await gw.request_token({"grant_type": "client_credentials", "client_assertion": assertion,
                                    "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
    assert token.status_code == 400 and token.json()["error"] == "invalid_request"
    plain = await gw.client.post("/v1/children/lookup", headers=gw.auth("school-a"),
                                 json={"bsn": BSN, "purpose": "signalering"})
    for header in ("x-request-id", "traceparent", "user-agent", "x-forwarded-for"):
        raw = [(k.encode(), v.encode()) for k, v in gw.auth("school-a").items()] + [(header.encode(), payload.encode())]
        response = await gw.client.post("/v1/children/lookup", headers=raw,  # raw bytes, as a socket may bring them
                                        json={"bsn": BSN, "purpose": "signalering"})
        assert response.status_code == plain.status_code  # the header changes nothing
        assert payload not in response.headers.get("x-request-id", "")
    for purpose in (payload, "signalering" + payload):
        problem(await gw.client.get("/v1/worklist", params={"purpose": purpose}, headers=gw.auth("leerplicht")),
                422, "validation-failed")
    assert (await gw.client.get("/v1/routekaart", headers=gw.auth("regio"))).json()["entries"] == entries
    assert await _state(gw) == before
    assert await gw.count("audit_record") >= records
    _assert_log_intact(json_log)


@pytest.mark.parametrize("payload", list(HARMLESS.values()), ids=list(HARMLESS))
async def test_odd_but_harmless_text_is_kept_exactly_and_exports_stay_intact(
        gateway: Gateway, json_log: io.StringIO, payload: str) -> None:
    gw = gateway
    response = await gw.register("school-a", BSN, contact_point=payload)
    assert response.status_code == 201, response.text
    ggd_ref = (await gw.register("ggd", BSN)).json()["child_ref"]
    seen = await gw.client.get(f"/v1/children/{ggd_ref}/involvements", params={"purpose": "signalering"},
                               headers=gw.auth("ggd"))
    assert [i["contact_point"] for i in seen.json()["involvements"] if i["organisation"]["id"] == "school-a"] \
        == [payload]

    assertion = gw.assertion("school-a", professional_id=payload)
    token = (await gw.request_token({
        "grant_type": "client_credentials", "client_assertion": assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})).json()["access_token"]
    lookup = await gw.client.post("/v1/children/lookup", headers={"Authorization": f"Bearer {token}"},
                                  json={"bsn": BSN, "purpose": "signalering"})
    assert lookup.status_code == 200

    officer = gw.auth("school-a", role=Role.privacy_officer)
    records = (await gw.client.get("/v1/audit/records", params={"purpose": "toezicht", "professional": payload},
                                   headers=officer)).json()["records"]
    assert records and {r["professional"] for r in records} == {payload}
    exported = (await gw.client.get("/v1/audit/records.csv", params={"purpose": "toezicht"}, headers=officer)).text
    rows = list(csv.reader(io.StringIO(exported)))
    assert len({len(row) for row in rows}) == 1  # no cell broke out of its column or line
    column = rows[0].index("professional")
    cells = [row[column] for row in rows[1:] if payload in row[column]]
    assert cells, "the professional is in the export"
    if payload.startswith("="):
        assert all(cell == "'" + payload for cell in cells)  # a spreadsheet shows it, does not run it
    else:
        assert all(cell == payload for cell in cells)
    _assert_log_intact(json_log)


# --- bodies that are not the JSON they claim to be -----------------------------------------------------------------

_VALID = b'{"bsn": "999990019", "purpose": "signalering"}'


@pytest.mark.parametrize(("content", "content_type"), [
    (_VALID.decode().encode("utf-16"), "application/json"),                    # another encoding, with a BOM
    (_VALID.replace(b"signalering", b"signalering\xff"), "application/json"),  # not UTF-8
    (b"\xef\xbb\xbf" + _VALID, "application/json"),                              # a UTF-8 byte order mark
    (_VALID, "text/plain"),
    (b"bsn=999990019&purpose=signalering", "application/x-www-form-urlencoded"),
    (_VALID[:-1] + b', "purpose": "monitoring"}', "application/json"),          # a key twice: which one counts?
    (_VALID + b" trailing", "application/json"),
    (b"[" * 50_000, "application/json"),                                        # nested past any parser's stack
    (b'{"bsn": "999990019", "purpose": "signalering", "since": NaN}', "application/json"),
    (b"", "application/json"),
], ids=["utf-16", "invalid-utf-8", "bom", "text-plain", "form", "duplicate-key", "trailing", "deep", "nan", "empty"])
async def test_a_body_that_is_not_the_json_it_claims_is_refused(gateway: Gateway, content: bytes,
                                                                 content_type: str) -> None:
    before = await _state(gateway)
    response = await gateway.client.post("/v1/involvements", content=content,
                                         headers={**gateway.auth("school-a"), "content-type": content_type})
    assert response.status_code in (400, 415, 422), response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert BSN not in response.text
    assert await _state(gateway) == before


async def test_every_route_that_takes_a_json_body_parses_it_strictly(gateway: Gateway) -> None:
    from fastapi.routing import APIRoute

    from gateway.core.http import JsonRoute

    spec = (await gateway.client.get("/v1/openapi.json")).json()
    taking_json = {(method.upper(), path) for path, operations in spec["paths"].items()
                   for method, operation in operations.items()
                   if "application/json" in operation.get("requestBody", {}).get("content", {})}
    routers = [getattr(r, "original_router", None) for r in gateway.app.router.routes]  # as included
    routes = {(method, r.path): r for router in routers if router for r in router.routes
              if isinstance(r, APIRoute) for method in r.methods}
    assert len(taking_json) >= 8
    assert [key for key in sorted(taking_json) if not isinstance(routes[key], JsonRoute)] == []


async def test_numbers_past_the_databases_integers_are_refused(gateway: Gateway) -> None:
    """Found by the long schemathesis run: 2**63 overflowed SQLite's integers (a 500)."""
    huge = str(2**63)
    officer = gateway.auth("school-a", role=Role.privacy_officer)
    for path, params, headers in (
            ("/v1/audit/checkpoints", {"from_size": huge}, {}),
            ("/v1/audit/proofs/inclusion", {"seq": "1", "tree_size": huge}, {}),
            ("/v1/audit/proofs/consistency", {"first": huge, "second": huge}, {}),
            ("/v1/audit/records", {"purpose": "toezicht", "before": huge}, officer)):
        problem(await gateway.client.get(path, params=params, headers=headers), 422, "validation-failed")
    assert (await gateway.client.get("/v1/audit/checkpoints", params={"from_size": str(2**63 - 1)})).json() == []
