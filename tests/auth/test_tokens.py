"""Every non-public route refuses an anonymous or badly authenticated caller with a 401 problem."""

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from joserfc import jwt
from joserfc.jwk import ECKey

from gateway.app import PUBLIC_ROUTES, route_inventory
from gateway.auth.tokens import Caller, mint_access_token
from gateway.core.crypto import KeyRing
from gateway.core.keys import load_key_ring
from gateway.core.vocabulary import OrgType, Role
from tests.fixtures.gateway import Gateway, problem

pytestmark = pytest.mark.anyio
PORTAL_START_ROUTES = {"/portaal", "/portaal/static/portal.css", "/portaal/inloggen", "/portaal/terug",
                       "/portaal/uitloggen", "/toezicht", "/toezicht/inloggen", "/toezicht/terug",
                       "/toezicht/uitloggen"}
CALLER = Caller(organisation_id="school-a", organisation_type=OrgType.school, role=Role.zorgcoordinator,
                professional="p")


async def test_route_inventory_every_route_is_public_or_requires_a_token(gateway: Gateway) -> None:
    routes = route_inventory(gateway.app)
    assert len(routes) >= 9
    for method, path in routes:
        url = path.replace("{child_ref}", "r-x.abcdefghijklmnop").replace("{number}", "0")
        for name in ("{involvement_id}", "{consent_id}"):
            url = url.replace(name, "00000000-0000-4000-8000-000000000000")
        assert "{" not in url, url
        response = await gateway.client.request(method, url, params={"purpose": "signalering"}, json={})
        if path.startswith(("/portaal", "/toezicht")):  # pages: a session cookie, else back to their start page
            if path in PORTAL_START_ROUTES:
                assert response.status_code in (200, 400, 503), (method, path, response.status_code)
            else:
                start = "/" + path.split("/")[1]
                assert (response.status_code, response.headers.get("location")) == (303, start), (method, path)
        elif path == "/v1/oauth/token":  # public, authenticated by the client assertion in its body
            assert response.status_code == 400 and response.json()["error"] == "invalid_request"
        elif path in PUBLIC_ROUTES:  # answers without a token (the audit proofs want parameters, 422)
            assert response.status_code in (200, 404, 422), (method, path)
        else:
            problem(response, 401, "unauthorized")
            assert response.headers["www-authenticate"].startswith("Bearer")


def _b64(data: dict[str, object] | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _hs256(header: dict[str, object], claims: dict[str, object], secret: bytes) -> str:
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


def _bad_tokens(gw: Gateway) -> dict[str, str]:
    ring = load_key_ring(gw.settings)
    kid, private = ring.token[0]
    es256 = ECKey.import_key(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    public_pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    header, payload, signature = gw.token("school-a").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    now = int(time.time())
    iss, aud = gw.settings.public_url, gw.settings.token_audience
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'at+jwt'})}.{payload}.",
        "algorithm confusion (HS256 keyed with the public key)": _hs256(
            {"alg": "HS256", "typ": "at+jwt", "kid": kid}, claims, public_pem),
        "hs256": _hs256({"alg": "HS256", "typ": "at+jwt"}, claims, b"x" * 32),
        "expired": mint_access_token(ring, issuer=iss, audience=aud, caller=CALLER, lifetime_seconds=-120),
        "wrong audience": mint_access_token(ring, issuer=iss, audience="https://other.example/v1", caller=CALLER),
        "wrong issuer": mint_access_token(ring, issuer="https://evil.example", audience=aud, caller=CALLER),
        "unknown key": mint_access_token(KeyRing.generate(), issuer=iss, audience=aud, caller=CALLER),
        "tampered payload": f"{header}.{_b64({**claims, 'role': 'jeugdarts'})}.{signature}",
        "not a jwt": "abc.def",
        "wrong typ": jwt.encode({"alg": "ES256", "typ": "JWT", "kid": kid}, claims, es256, algorithms=["ES256"]),
        "too long lived": jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": kid},
                                     {**claims, "iat": now, "exp": now + 3600}, es256, algorithms=["ES256"]),
    }


async def test_bad_tokens_are_refused(gateway: Gateway, tmp_path: Path) -> None:
    ok = await gateway.client.post("/v1/children/lookup", headers=gateway.auth("school-a"),
                                   json={"bsn": "999990019", "purpose": "signalering"})
    assert ok.status_code == 403  # authenticated; the policy speaks
    for name, token in _bad_tokens(gateway).items():
        response = await gateway.client.post("/v1/children/lookup", headers={"Authorization": f"Bearer {token}"},
                                             json={"bsn": "999990019", "purpose": "signalering"})
        assert response.status_code == 401, name
        problem(response, 401, "invalid-token")
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "bearer  ", gateway.token("school-a")):
        response = await gateway.client.post("/v1/children/lookup", headers={"Authorization": header},
                                             json={"bsn": "999990019", "purpose": "signalering"})
        problem(response, 401, "unauthorized")
    assert await gateway.count("audit_record") == 1  # only the authenticated request reached the index
