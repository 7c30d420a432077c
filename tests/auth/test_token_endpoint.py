"""The token endpoint: private_key_jwt client credentials, RFC 9068 tokens, replay, rotation, revocation."""

import base64
import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from gateway.auth.assertion import client_assertion, generate_client_key, token_request_form
from gateway.auth.service import add_client_key, remove_client_key, revoke_client
from gateway.core.vocabulary import Role
from tests.fixtures.gateway import BSNS, Gateway

pytestmark = pytest.mark.anyio


def _claims(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


async def _admin(gw: Gateway, operation) -> None:  # type: ignore[no-untyped-def]
    async with gw.app.state.context.db.engine.begin() as conn:
        await operation(conn)


async def test_client_gets_a_short_lived_audience_bound_token_and_uses_it(gateway: Gateway) -> None:
    response = await gateway.request_token(token_request_form(gateway.assertion("ggd", professional_id="arts-7")))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    token = body["access_token"]
    jwks = (await gateway.client.get("/v1/oauth/jwks")).json()
    decoded = jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["ES256"])
    assert decoded.header["typ"] == "at+jwt"
    claims = decoded.claims
    assert claims["iss"] == gateway.settings.public_url and claims["aud"] == gateway.settings.token_audience
    assert claims["sub"] == claims["client_id"] == "ggd" and claims["exp"] - claims["iat"] <= 300
    assert (claims["role"], claims["professional"], claims["org_type"]) == ("jeugdarts", "arts-7", "ggd")

    registered = await gateway.client.post("/v1/involvements", headers={"Authorization": f"Bearer {token}"},
                                           json={"bsn": BSNS[0], "purpose": "signalering"})
    assert registered.status_code == 201
    (row,) = await gateway.rows("SELECT organisation_id, role, professional FROM audit_record")
    assert tuple(row) == ("ggd", "jeugdarts", "arts-7")


async def test_metadata_names_the_endpoint_and_methods(gateway: Gateway) -> None:
    metadata = (await gateway.client.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["token_endpoint"] == gateway.token_endpoint
    assert metadata["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert metadata["grant_types_supported"] == ["client_credentials"]
    assert metadata["jwks_uri"].endswith("/v1/oauth/jwks")


async def test_replayed_assertion_is_refused(gateway: Gateway) -> None:
    form = token_request_form(gateway.assertion("school-a"))
    assert (await gateway.request_token(form)).status_code == 200
    replay = await gateway.request_token(form)
    assert replay.status_code == 401 and replay.json()["error"] == "invalid_client"
    assert await gateway.count("used_assertion") == 1


def _bad_assertions(gw: Gateway) -> dict[str, str]:
    key = gw.client_keys["school-a"]
    other_key, _ = generate_client_key("stranger")
    now = int(time.time())
    signer = ECKey.import_key(key)

    def signed(claims: dict[str, object]) -> str:
        return jwt.encode({"alg": "ES256", "kid": signer.kid}, claims, signer, algorithms=["ES256"])

    base = {"iss": "school-a", "sub": "school-a", "aud": gw.token_endpoint, "iat": now, "exp": now + 60,
            "jti": "a-unique-assertion-id", "professional": {"id": "p", "role": "zorgcoordinator"}}
    return {
        "unknown key": client_assertion(other_key, client_id="school-a", token_endpoint=gw.token_endpoint,
                                        professional_id="p", role="zorgcoordinator"),
        "unknown client": client_assertion(key, client_id="no-such-org", token_endpoint=gw.token_endpoint,
                                           professional_id="p", role="zorgcoordinator"),
        "wrong audience": signed({**base, "aud": "https://elsewhere.example/token"}),
        "expired": signed({**base, "iat": now - 600, "exp": now - 300}),
        "lives too long": signed({**base, "exp": now + 3600}),
        "no jti": signed({k: v for k, v in base.items() if k != "jti"}),
        "iss differs from sub": signed({**base, "iss": "school-b"}),
        "another client's name": signed({**base, "iss": "school-b", "sub": "school-b"}),
        "alg none": base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode() + "."
                    + base64.urlsafe_b64encode(json.dumps(base).encode()).rstrip(b"=").decode() + ".",
        "garbage": "not-a-jwt",
    }


async def test_bad_client_assertions_are_refused(gateway: Gateway) -> None:
    for name, assertion in _bad_assertions(gateway).items():
        response = await gateway.request_token(token_request_form(assertion))
        assert response.status_code in (400, 401), name
        assert response.json()["error"] == "invalid_client", (name, response.text)
        assert "access_token" not in response.text
    assert await gateway.count("used_assertion") == 0


async def test_bad_token_requests_are_refused(gateway: Gateway) -> None:
    good = token_request_form(gateway.assertion("school-a"))
    cases = {
        "unsupported_grant_type": {**good, "grant_type": "password"},
        "invalid_client": {**good, "client_assertion_type": "urn:example:other"},
    }
    for error, form in cases.items():
        response = await gateway.request_token(form)
        assert response.json()["error"] == error, response.text
    as_json = await gateway.client.post("/v1/oauth/token", json=good)
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    repeated = await gateway.client.post(
        "/v1/oauth/token", content=httpx.QueryParams(good).add("grant_type", "client_credentials").__str__(),
        headers={"content-type": "application/x-www-form-urlencoded"})
    assert repeated.json()["error"] == "invalid_request"
    for professional in (None, {"id": "p"}, {"id": "p", "role": "burgemeester"}, {"id": "", "role": "jeugdarts"},
                         {"id": "p\nq", "role": "jeugdarts"}):
        now = int(time.time())
        key = ECKey.import_key(gateway.client_keys["ggd"])
        claims = {"iss": "ggd", "sub": "ggd", "aud": gateway.token_endpoint, "exp": now + 60,
                  "jti": f"jti-{professional!s:.20}-x", "professional": professional}
        assertion = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key, algorithms=["ES256"])
        response = await gateway.request_token(token_request_form(assertion))
        assert response.status_code == 400 and response.json()["error"] == "invalid_request", professional


async def test_key_rotation_by_adding_a_key(gateway: Gateway) -> None:
    new_private, new_public = generate_client_key("school-a-2")
    await _admin(gateway, lambda conn: add_client_key(conn, organisation_id="school-a", jwk=new_public))
    old_signed = gateway.assertion("school-a")
    new_signed = client_assertion(new_private, client_id="school-a", token_endpoint=gateway.token_endpoint,
                                  professional_id="p", role="zorgcoordinator")
    assert (await gateway.request_token(token_request_form(new_signed))).status_code == 200
    await _admin(gateway, lambda conn: remove_client_key(conn, organisation_id="school-a", kid="school-a-1"))
    refused = await gateway.request_token(token_request_form(old_signed))
    assert refused.json()["error"] == "invalid_client"


async def test_revocation_kills_live_tokens_at_once(gateway: Gateway) -> None:
    token = (await gateway.request_token(token_request_form(gateway.assertion("school-a")))).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    ok = await gateway.client.post("/v1/involvements", headers=headers, json={"bsn": BSNS[1], "purpose": "signalering"})
    assert ok.status_code == 201
    await _admin(gateway, lambda conn: revoke_client(conn, organisation_id="school-a", now=datetime.now(UTC)))
    after = await gateway.client.post("/v1/children/lookup", headers=headers,
                                      json={"bsn": BSNS[1], "purpose": "signalering"})
    assert after.status_code == 401 and after.json()["code"] == "invalid-token"
    fresh = await gateway.request_token(token_request_form(gateway.assertion("school-a")))
    assert fresh.json()["error"] == "invalid_client"


async def test_role_in_token_must_fit_the_organisation(gateway: Gateway) -> None:
    form = token_request_form(gateway.assertion("school-a", Role.jeugdarts))
    token = (await gateway.request_token(form)).json()["access_token"]
    denied = await gateway.client.post("/v1/involvements", headers={"Authorization": f"Bearer {token}"},
                                       json={"bsn": BSNS[3], "purpose": "signalering"})
    assert "role-not-valid-for-organisation-type" in denied.json()["reasons"]


async def test_many_concurrent_requests_do_not_drain_the_connection_pool(gateway: Gateway) -> None:
    """The revocation refresh must not wait for a second pooled connection in every request at once."""
    import anyio

    await gateway.register("school-a", BSNS[4])
    headers = gateway.auth("school-a")

    async def lookup() -> int:
        response = await gateway.client.post("/v1/children/lookup", headers=headers,
                                             json={"bsn": BSNS[4], "purpose": "signalering"})
        return response.status_code

    with anyio.fail_after(20):
        results: list[int] = []
        async with anyio.create_task_group() as tasks:
            for _ in range(40):  # more than the pool holds (5 + 10 overflow)
                tasks.start_soon(lambda: _collect(results, lookup))
    assert results == [200] * 40


async def _collect(results: list[int], call) -> None:  # type: ignore[no-untyped-def]
    results.append(await call())
