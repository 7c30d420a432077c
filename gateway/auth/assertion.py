"""The partner's side of `private_key_jwt`: a key pair, and a signed client assertion (RFC 7523 §3).

Used by the demo, the tests and the README's example; a partner system does the same in its own code.
"""

import secrets
import time
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey


def generate_client_key(kid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A P-256 key pair as (private JWK, public JWK)."""
    key = ECKey.generate_key("P-256", parameters={"kid": kid, "alg": "ES256", "use": "sig"})
    return dict(key.as_dict(private=True)), dict(key.as_dict(private=False))


def client_assertion(
    private_jwk: dict[str, Any], *, client_id: str, token_endpoint: str, professional_id: str, role: str,
    lifetime_seconds: int = 60, jti: str | None = None,
) -> str:
    """iss = sub = client_id, aud = the token endpoint, a fresh jti, and the acting professional."""
    now = int(time.time())
    claims = {
        "iss": client_id, "sub": client_id, "aud": token_endpoint, "iat": now, "exp": now + lifetime_seconds,
        "jti": jti or secrets.token_urlsafe(18), "professional": {"id": professional_id, "role": role},
    }
    key = ECKey.import_key(private_jwk)
    return jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key, algorithms=["ES256"])


def token_request_form(assertion: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
