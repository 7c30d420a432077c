"""Partner systems for the demo and the tests, each speaking its real protocol on its own server:

- a school's LVS with a REST/JSON API behind OAuth2 client credentials (`create_partner_api`);
- the GGD's youth-health system as a FHIR R4 server with Appointment and Encounter, searched one by one or in a
  `batch` (`create_fhir_server`).

They know children by the partner's own child reference, as the gateway gave it. `Behaviour` lets a test make a
server slow, broken or malformed."""

import asyncio
import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi import FastAPI, Form, Header, Request
from fastapi.responses import JSONResponse

Records = Callable[[str], dict[str, Any] | None]


@dataclass
class Behaviour:
    delay_seconds: float = 0.0
    mode: str = "ok"
    """`ok`, `error` (500), `malformed` (JSON of the wrong shape), `not-json`."""
    token_lifetime: int = 300
    tokens_issued: int = 0
    requests: list[str] = field(default_factory=list)


def _misbehave(behaviour: Behaviour) -> JSONResponse | None:
    if behaviour.mode == "error":
        return JSONResponse({"error": "internal"}, status_code=500)
    if behaviour.mode == "malformed":
        return JSONResponse({"categories": ["not", "a", "map"], "resourceType": "Patient"})
    if behaviour.mode == "not-json":
        return JSONResponse(content=None, status_code=200, media_type="text/plain")
    return None


def create_partner_api(records: Records, *, clients: dict[str, str], behaviour: Behaviour | None = None) -> FastAPI:
    """`records(child_ref)` gives `{category: {field: value}}` for a child this partner knows."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    state = behaviour or Behaviour()
    tokens: dict[str, float] = {}

    @app.post("/oauth/token")
    async def token(grant_type: str = Form(), client_id: str = Form(""), client_secret: str = Form(""),
                    authorization: str | None = Header(None)) -> JSONResponse:
        if authorization and authorization.startswith("Basic "):
            client_id, _, client_secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if grant_type != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        if not secrets.compare_digest(clients.get(client_id, "\0"), client_secret):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        value = secrets.token_urlsafe(24)
        tokens[value] = time.monotonic() + state.token_lifetime
        state.tokens_issued += 1
        return JSONResponse({"access_token": value, "token_type": "Bearer", "expires_in": state.token_lifetime})

    @app.get("/children/{child_ref}/details")
    async def details(child_ref: str, categories: str, purpose: str, request: Request) -> JSONResponse:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if tokens.get(bearer, 0) < time.monotonic():
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        state.requests.append(purpose)
        await asyncio.sleep(state.delay_seconds)
        if (wrong := _misbehave(state)) is not None:
            return wrong
        known = records(child_ref) or {}
        return JSONResponse({"categories": {c: known[c] for c in categories.split(",") if c in known}})

    return app


def create_fhir_server(records: Records, *, behaviour: Behaviour | None = None) -> FastAPI:
    """`records(child_ref)` gives `{"Appointment": [...], "Encounter": [...]}` for a patient this system knows."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    state = behaviour or Behaviour()

    def searchset(resource: str, identifier: str) -> dict[str, Any]:
        system, _, child_ref = identifier.partition("|")
        found = (records(child_ref) or {}).get(resource, []) if system == "https://inbeeld.nl/fhir/child-ref" else []
        return {"resourceType": "Bundle", "type": "searchset", "total": len(found),
                "entry": [{"resource": {"resourceType": resource, **r}} for r in found]}

    async def answer(make: Callable[[], dict[str, Any]]) -> JSONResponse:
        await asyncio.sleep(state.delay_seconds)
        if (wrong := _misbehave(state)) is not None:
            return wrong
        return JSONResponse(make(), media_type="application/fhir+json")

    @app.get("/{resource}")
    async def search(resource: str, request: Request) -> JSONResponse:
        if resource not in ("Appointment", "Encounter"):
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=404)
        state.requests.append(f"search {resource}")
        return await answer(lambda: searchset(resource, request.query_params.get("patient.identifier", "")))

    def batch_entry(request: Any) -> dict[str, Any]:
        url = urlsplit(str((request or {}).get("url", "")))
        if (request or {}).get("method") != "GET" or url.path not in ("Appointment", "Encounter"):
            return {"response": {"status": "400 Bad Request"}}
        identifier = parse_qs(url.query).get("patient.identifier", [""])[0]
        return {"resource": searchset(url.path, identifier), "response": {"status": "200 OK"}}

    @app.post("/")
    async def batch(bundle: dict[str, Any]) -> JSONResponse:
        state.requests.append("batch")
        return await answer(lambda: {"resourceType": "Bundle", "type": "batch-response", "entry": [
            batch_entry(e.get("request")) for e in bundle.get("entry") or [] if isinstance(e, dict)]})

    return app


LVS_CLIENT = "inbeeld-gateway"


def demo_records(child_ref: str) -> dict[str, Any]:
    """Synthetic facts, the same for the same reference: what the school's LVS and the GGD's system would say."""
    seed = int.from_bytes(hashlib.sha256(child_ref.encode()).digest()[:4], "big")
    absent = seed % 40
    day = 1 + seed % 27
    return {
        "attendance-summary": {"absent_hours_4w": absent, "absent_hours_12w": absent * 2 + seed % 7,
                               "authorised_hours_12w": seed % 11},
        "support": {"opp": seed % 3 == 0, "arrangement_since": f"2026-0{1 + seed % 9}-{day:02d}"},
        "Appointment": [{"status": "booked", "start": f"2026-12-{day:02d}T10:00:00+01:00"}] if seed % 2 else [],
        "Encounter": [{"status": "finished", "period": {"start": f"2026-10-{day:02d}T09:00:00+02:00"},
                       "reasonCode": [{"text": "synthetisch consult"}]}] if seed % 3 else [],
    }


def demo_source_configs(base_url: str, lvs_secret: str) -> list[dict[str, Any]]:
    """The demo's partner systems: the Stedelijk Lyceum's LVS and the GGD's youth-health system."""
    return [
        {"id": "lvs-stedelijk-lyceum", "organisation": "vo-stedelijk-lyceum", "kind": "partner-api",
         "base_url": f"{base_url}/demo/lvs", "categories": ["attendance-summary", "support"],
         "token_url": f"{base_url}/demo/lvs/oauth/token", "client_id": LVS_CLIENT, "client_secret": lvs_secret},
        {"id": "ggd-jgz", "organisation": "ggd-regio-utrecht", "kind": "fhir", "base_url": f"{base_url}/demo/fhir",
         "categories": ["jgz-contact"]},
    ]
