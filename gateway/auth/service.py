"""Token issuance, client enrolment and revocation."""

import base64
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.context import AppContext
from gateway.core.vocabulary import OrgType

from . import repository
from .errors import ClientExists, ClientNotFound, InvalidJwks
from .server import FormRequest, PartnerClient, TokenServer

FORM = "application/x-www-form-urlencoded"
_ALLOWED_KEYS = {("EC", "P-256"), ("OKP", "Ed25519"), ("RSA", None)}
_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def token_endpoint(context: AppContext) -> str:
    return context.settings.public_url.rstrip("/") + "/v1/oauth/token"


def _oauth_error(error: str, description: str, status: int = 400) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    return status, {"error": error, "error_description": description}, []


def _claimed_client_id(form: dict[str, str]) -> str | None:
    """`sub` of the assertion, unverified: only to load the client whose keys then verify it."""
    try:
        payload = form.get("client_assertion", "").split(".")[1]
        sub = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).get("sub")
    except (IndexError, ValueError, AttributeError):
        return None
    return sub if isinstance(sub, str) and 0 < len(sub) <= 64 else None


async def issue_token(
    conn: AsyncConnection, *, context: AppContext, content_type: str, body: bytes,
) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    """RFC 6749 §4.4 token request → (status, RFC 6749 §5.1/5.2 body, headers)."""
    if content_type.split(";")[0].strip().lower() != FORM:
        return _oauth_error("invalid_request", f"The token request must be {FORM}.")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        return _oauth_error("invalid_request", "The form body is malformed.")
    form = dict(pairs)
    if len(form) != len(pairs):  # RFC 6749 §3.2: parameters must not be included more than once
        return _oauth_error("invalid_request", "A parameter is repeated.")

    client_id = _claimed_client_id(form)
    row = await repository.get_client(conn, client_id) if client_id else None
    client = None
    if row is not None and row.revoked_at is None:
        client = PartnerClient(client_id=row.id, organisation_type=OrgType(row.organisation_type),
                               jwks=json.loads(row.jwks))
    settings = context.settings
    server = TokenServer(client=client, ring=context.keys.current(), issuer=settings.public_url,
                         audience=settings.token_audience, token_endpoint=token_endpoint(context))
    # authlib insists on https; production's public URL is https (Settings), demo and test serve http locally.
    uri = "https://" + token_endpoint(context).split("://", 1)[1]
    status, response, headers = server.create_token_response(FormRequest(uri, form, {}))
    if status != 200:
        return status, response, headers
    claims = server.assertion.last_claims
    now = context.clock()
    fresh = await repository.use_assertion(
        conn, jti=str(claims["jti"]), client_id=str(client_id),
        expires_at=datetime.fromtimestamp(int(claims["exp"]) + 60, UTC), now=now)
    if not fresh:
        return _oauth_error("invalid_client", "This client assertion was used before.", 401)
    return status, response, [*headers, ("Cache-Control", "no-store"), ("Pragma", "no-cache")]


def validate_jwks(jwks: Any) -> dict[str, Any]:
    """Public keys only, of the kinds we accept, each with a unique `kid`."""
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise InvalidJwks("A JWKS needs a non-empty `keys` list.")
    kids = set()
    for key in keys:
        if not isinstance(key, dict) or _PRIVATE_MEMBERS & key.keys():
            raise InvalidJwks("Enrol public keys only; the private key stays with the partner.")
        kind = (key.get("kty"), key.get("crv"))
        if kind not in _ALLOWED_KEYS:
            raise InvalidJwks("Keys must be EC P-256, Ed25519 or RSA.")
        if not isinstance(key.get("kid"), str) or key["kid"] in kids:
            raise InvalidJwks("Every key needs a unique `kid`.")
        kids.add(key["kid"])
    from joserfc.jwk import KeySet

    try:
        KeySet.import_key_set({"keys": keys})
    except Exception:
        raise InvalidJwks("A key could not be read.") from None
    return {"keys": keys}


async def enrol_client(conn: AsyncConnection, *, organisation_id: str, jwks: Any, now: datetime) -> None:
    keys = validate_jwks(jwks)
    if await repository.get_client(conn, organisation_id) is not None:
        raise ClientExists("This organisation already has a client; add a key or reinstate it.")
    await repository.add_client(conn, client_id=organisation_id, jwks=keys, now=now)


async def add_client_key(conn: AsyncConnection, *, organisation_id: str, jwk: Any) -> None:
    """Key rotation: the new key joins the old ones; remove the old one later with `remove_client_key`."""
    row = await repository.get_client(conn, organisation_id)
    if row is None:
        raise ClientNotFound("No client for this organisation.")
    keys = validate_jwks({"keys": [*json.loads(row.jwks)["keys"], jwk]})
    await repository.set_jwks(conn, organisation_id, keys)


async def remove_client_key(conn: AsyncConnection, *, organisation_id: str, kid: str) -> None:
    row = await repository.get_client(conn, organisation_id)
    if row is None:
        raise ClientNotFound("No client for this organisation.")
    keys = validate_jwks({"keys": [k for k in json.loads(row.jwks)["keys"] if k.get("kid") != kid]})
    await repository.set_jwks(conn, organisation_id, keys)


async def revoke_client(conn: AsyncConnection, *, organisation_id: str, now: datetime) -> None:
    if not await repository.revoke(conn, organisation_id, now):
        raise ClientNotFound("No active client for this organisation.")


async def reinstate_client(conn: AsyncConnection, *, organisation_id: str, jwks: Any) -> None:
    if await repository.get_client(conn, organisation_id) is None:
        raise ClientNotFound("No client for this organisation.")
    await repository.reinstate(conn, organisation_id, validate_jwks(jwks))
