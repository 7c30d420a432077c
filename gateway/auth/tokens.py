"""Access tokens: JWTs per RFC 9068, ES256, signed by the gateway, at most five minutes, audience-bound.

`mint_access_token` is called by the token endpoint (`gateway.auth.server`); `verify_access_token` is the
only verifier.
"""

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from gateway.core.crypto import KeyRing
from gateway.core.errors import Unauthorized
from gateway.core.vocabulary import OrgType, Role

MAX_LIFETIME_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated organisation and the professional acting for it."""

    organisation_id: str
    organisation_type: OrgType
    role: Role
    professional: str


class InvalidToken(Unauthorized):
    code, title = "invalid-token", "Invalid access token"


@lru_cache(maxsize=4)
def _keys(ring: KeyRing) -> list[ECKey]:
    keys = []
    for kid, private in ring.token:
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
        keys.append(ECKey.import_key(pem, {"kid": kid, "alg": "ES256", "use": "sig"}))
    return keys


@lru_cache(maxsize=4)
def _key_set(ring: KeyRing) -> KeySet:
    return KeySet(list[Any](_keys(ring)))


def mint_access_token(
    ring: KeyRing, *, issuer: str, audience: str, caller: Caller, lifetime_seconds: int = MAX_LIFETIME_SECONDS
) -> str:
    now = int(time.time())
    key = _keys(ring)[-1]
    claims = {
        "iss": issuer, "sub": caller.organisation_id, "client_id": caller.organisation_id,
        "aud": audience, "iat": now, "exp": now + min(lifetime_seconds, MAX_LIFETIME_SECONDS),
        "jti": secrets.token_urlsafe(16),
        "org_type": caller.organisation_type.value, "role": caller.role.value,
        "professional": caller.professional,
    }
    return jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": key.kid}, claims, key, algorithms=["ES256"])


def verify_access_token(ring: KeyRing, token: str, *, issuer: str, audience: str) -> Caller:
    if len(token) > 4096:
        raise InvalidToken("The access token is too long.")
    try:
        decoded = jwt.decode(token, _key_set(ring), algorithms=["ES256"])
        if decoded.header.get("typ") != "at+jwt":
            raise InvalidToken("The access token is not an RFC 9068 access token.")
        jwt.JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True}, iat={"essential": True}, sub={"essential": True},
        ).validate(decoded.claims)
        claims = decoded.claims
        if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
            raise InvalidToken("The access token lives too long.")
        return Caller(
            organisation_id=str(claims["sub"]), organisation_type=OrgType(claims["org_type"]),
            role=Role(claims["role"]), professional=str(claims["professional"])[:64],
        )
    except InvalidToken:
        raise
    except (JoseError, ValueError, KeyError, TypeError):
        raise InvalidToken("The access token is invalid or expired.") from None


class VerifiedTokens:
    """Verified tokens by hash, for their remaining lifetime (a verification costs ~100 µs here).

    Bounded: the oldest entry goes when full. A change of key ring empties it.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: dict[bytes, tuple[Caller, float]] = {}
        self._ring: KeyRing | None = None
        self._max = max_entries

    def verify(self, ring: KeyRing, token: str, *, issuer: str, audience: str) -> Caller:
        if ring is not self._ring:
            self._entries.clear()
            self._ring = ring
        key = hashlib.sha256(token.encode()).digest()
        hit = self._entries.get(key)
        if hit is not None and hit[1] > time.time():
            return hit[0]
        caller = verify_access_token(ring, token, issuer=issuer, audience=audience)
        if len(self._entries) >= self._max:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (caller, _expiry(token))
        return caller


def _expiry(token: str) -> float:
    """`exp` of a token that just verified (so its payload is well formed)."""
    payload = token.split(".")[1]
    return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])
