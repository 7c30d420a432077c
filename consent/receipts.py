"""Signed receipts for every grant, withdrawal and refusal of consent.

A receipt is the RFC 8785 (JCS) canonical JSON of its content plus an Ed25519 signature over exactly those
bytes, with the key id. Anyone with the gateway's published keys (`/v1/webhooks/jwks` — the gateway's
signing keys) verifies it offline: `inbeeld consent verify-receipt FILE --jwks FILE`.
"""

import base64
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.core.crypto import CryptoError, ed25519_public_from_jwk

RECEIPT_VERSION = "inbeeld-consent-receipt/1"


def sign_receipt(content: dict[str, Any], *, key_id: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    body = {"version": RECEIPT_VERSION, **content}
    signature = key.sign(rfc8785.dumps(body))
    return {"receipt": body, "signature": {"alg": "EdDSA", "kid": key_id,
                                           "value": base64.urlsafe_b64encode(signature).rstrip(b"=").decode()}}


def verify_receipt(document: dict[str, Any], jwks: dict[str, Any]) -> dict[str, Any]:
    """The receipt's content when the signature holds; `CryptoError` when anything was changed."""
    try:
        body, signature = document["receipt"], document["signature"]
        if body.get("version") != RECEIPT_VERSION or signature.get("alg") != "EdDSA":
            raise CryptoError("not an Inbeeld consent receipt")
        jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == signature["kid"]), None)
        if jwk is None:
            raise CryptoError("signed with an unknown key")
        raw = base64.urlsafe_b64decode(signature["value"] + "=" * (-len(signature["value"]) % 4))
        ed25519_public_from_jwk(jwk).verify(raw, rfc8785.dumps(body))
    except (KeyError, TypeError, ValueError, AttributeError, InvalidSignature) as exc:
        raise CryptoError(f"receipt does not verify ({type(exc).__name__})") from None
    return dict(body)
