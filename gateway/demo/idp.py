"""A DigiD-like OpenID Connect test provider for the demo and the tests: the user picks a synthetic parent
or child instead of logging in. Authorization code flow with PKCE (S256 only), confidential clients
(`client_secret_basic`), ID tokens signed with ES256 that carry the BSN as `sub` with `sub_id_type`, as the
NL GOV Assurance profile for OpenID Connect does. Mounted at `/demo/idp` in demo and test mode only.

Codes are self-contained (encrypted, 60 seconds, single use per process), so several workers can share the
provider as long as they share its key file."""

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote_plus, urlencode

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from joserfc import jwt
from joserfc.jwk import ECKey

from gateway.core.crypto import KeyRing, b64url, public_jwk, unb64url
from gateway.portal.oidc import BSN_SUB_ID_TYPE
from gateway.pseudonyms.bsn import passes_elfproef

from .people import DemoPerson

ACR_SUBSTANTIAL = "urn:nl-eid-gdi:1.0:assurance-class:substantial"
EMPLOYEE_SUB_ID_TYPE = "urn:inbeeld:employee"
CODE_SECONDS = 60
_templates = Environment(loader=PackageLoader("gateway.demo"), autoescape=select_autoescape())


@dataclass(frozen=True)
class IdpClient:
    secret: str
    redirect_uris: tuple[str, ...]
    professionals: bool = False
    """Log in employees (privacy officers of the demo organisations) instead of citizens, as an organisation's
    own identity provider or an eHerkenning broker would: `sub` is their pseudonymous id, with their
    organisation and roles as claims."""


def load_or_create_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """The provider's signing key, shared by the workers of one demo through a file made once."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pem)
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)  # fails if another worker was first: then its key counts
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def demo_client_secret(ring: KeyRing, client_id: str) -> str:
    """A client's secret at the demo provider, the same in every worker of one demo."""
    return b64url(hmac.new(ring.child_ref[0].secret, f"inbeeld demo idp client {client_id}".encode(),
                           hashlib.sha256).digest())


def _s256(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _problem(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status,
                        headers={"cache-control": "no-store"})


def test_persons(people: dict[str, DemoPerson], today: date) -> list[dict[str, Any]]:
    """The people the picker offers: parents with gezag (with their children's names) and children of 12+."""
    def age(p: DemoPerson) -> int:
        return today.year - p.birth_date.year - ((today.month, today.day) < (p.birth_date.month, p.birth_date.day))

    parents = [p for p in people.values() if p.children][:12]
    older = [p for p in people.values() if p.custody and age(p) >= 12][:6]
    return [{"bsn": p.bsn, "name": f"{p.given_name} {p.family_name}",
             "about": "ouder van " + ", ".join(people[c].given_name for c in p.children) if p.children
             else f"{age(p)} jaar"} for p in parents + older]


def create_idp_app(*, issuer: str, clients: dict[str, IdpClient], key: ec.EllipticCurvePrivateKey,
                   people: dict[str, DemoPerson], today: date, employees: dict[str, dict[str, Any]]) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    kid = "idp-" + b64url(hashlib.sha256(public_jwk("x", key)["x"].encode()).digest()[:6])
    signing_key = ECKey.import_key(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()), {"kid": kid, "alg": "ES256"})
    code_key = AESGCM(HKDF(hashes.SHA256(), 32, None, b"inbeeld demo idp codes").derive(
        key.private_numbers().private_value.to_bytes(32, "big")))
    used_codes: dict[str, float] = {}
    citizens = test_persons(people, today)
    staff = [{"subject": subject, **employee} for subject, employee in employees.items()]

    def page(params: dict[str, str], error: str | None, request_ok: bool) -> str:
        client = clients.get(params.get("client_id", ""))
        return _templates.get_template("idp.html").render(
            params=params, persons=citizens, employees=staff, professionals=bool(client and client.professionals),
            error=error, request_ok=request_ok)

    def check_request(params: dict[str, str]) -> str | None:
        client = clients.get(params.get("client_id", ""))
        if client is None or params.get("redirect_uri") not in client.redirect_uris:
            return "Onbekende applicatie of terugkeeradres."
        if params.get("response_type") != "code" or "openid" not in params.get("scope", "").split():
            return "Alleen de authorization code flow met scope openid wordt ondersteund."
        if params.get("code_challenge_method") != "S256" or len(params.get("code_challenge", "")) != 43:
            return "PKCE met S256 is verplicht."
        return None

    @app.get("/.well-known/openid-configuration")
    async def configuration() -> dict[str, Any]:
        return {
            "issuer": issuer, "authorization_endpoint": f"{issuer}/authorize", "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks", "response_types_supported": ["code"], "scopes_supported": ["openid"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["ES256"],
            "code_challenge_methods_supported": ["S256"], "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "acr_values_supported": [ACR_SUBSTANTIAL],
        }

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        return {"keys": [public_jwk(kid, key)]}

    auth_params = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge",
                   "code_challenge_method")

    @app.get("/authorize", response_class=HTMLResponse)
    async def authorize(request: Request) -> HTMLResponse:
        params = {k: request.query_params.get(k, "") for k in auth_params}
        error = check_request(params)
        return HTMLResponse(page(params, error, error is None), status_code=400 if error else 200,
                            headers={"cache-control": "no-store"})

    @app.post("/authorize")
    async def choose(request: Request, bsn: Annotated[str, Form(max_length=9)] = "",
                     subject: Annotated[str, Form(max_length=64)] = "",
                     cancel: Annotated[str, Form()] = "") -> Response:
        form = await request.form()
        params = {k: str(form.get(k, "")) for k in auth_params}
        request_error = check_request(params)
        error = request_error
        professionals = error is None and clients[params["client_id"]].professionals
        known = subject in employees if professionals else passes_elfproef(bsn) and bsn in people
        if error is None and not cancel and not known:
            error = "Deze testpersoon bestaat niet."
        if error:
            return HTMLResponse(page(params, error, request_error is None), status_code=400)
        if cancel:
            query = {"error": "access_denied", "state": params["state"]}
        else:
            identity = ({"sub": subject, "sub_id_type": EMPLOYEE_SUB_ID_TYPE, **employees[subject]["claims"]}
                        if professionals else {"sub": bsn, "sub_id_type": BSN_SUB_ID_TYPE})
            claims = {"identity": identity, "client_id": params["client_id"], "redirect_uri": params["redirect_uri"],
                      "nonce": params["nonce"], "challenge": params["code_challenge"],
                      "exp": time.time() + CODE_SECONDS}
            nonce = secrets.token_bytes(12)
            code = b64url(nonce + code_key.encrypt(nonce, json.dumps(claims).encode(), None))
            query = {"code": code, "state": params["state"]}
        return RedirectResponse(f"{params['redirect_uri']}?{urlencode(query)}", status_code=303)

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        client_id, secret = _basic_credentials(request.headers.get("authorization", ""))
        client = clients.get(client_id)
        if client is None or not hmac.compare_digest(client.secret, secret):
            return _problem(401, "invalid_client", "client authentication failed")
        form = await request.form()
        if form.get("grant_type") != "authorization_code":
            return _problem(400, "unsupported_grant_type", "authorization_code only")
        code = str(form.get("code", ""))
        try:
            raw = unb64url(code)
            claims = json.loads(code_key.decrypt(raw[:12], raw[12:], None))
        except (InvalidTag, ValueError):
            return _problem(400, "invalid_grant", "unknown code")
        now = time.time()
        for seen, expiry in list(used_codes.items()):
            if expiry < now:
                del used_codes[seen]
        if claims["exp"] < now or code in used_codes:
            return _problem(400, "invalid_grant", "code expired or already used")
        if claims["client_id"] != client_id or claims["redirect_uri"] != form.get("redirect_uri"):
            return _problem(400, "invalid_grant", "code issued to another client or redirect_uri")
        if _s256(str(form.get("code_verifier", ""))) != claims["challenge"]:
            return _problem(400, "invalid_grant", "PKCE verification failed")
        used_codes[code] = claims["exp"]
        id_token = jwt.encode({"alg": "ES256", "kid": kid}, {
            **claims["identity"], "iss": issuer, "aud": client_id, "acr": ACR_SUBSTANTIAL,
            "nonce": claims["nonce"], "iat": int(now), "exp": int(now) + 300,
        }, signing_key)
        return JSONResponse({"access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                             "id_token": id_token}, headers={"cache-control": "no-store"})

    return app


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return "", ""
    return unquote_plus(user), unquote_plus(password)
