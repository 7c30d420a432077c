"""Signed receipts for every grant, withdrawal and refusal of consent.

A receipt is the RFC 8785 (JCS) canonical JSON of its content plus an Ed25519 signature over exactly those
bytes, with the key id. Anyone with the gateway's published keys (`/v1/webhooks/jwks` — the gateway's
signing keys) verifies it offline: `inbeeld consent verify-receipt FILE --jwks FILE`.
"""

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.core.crypto import CryptoError, sign_canonical, verify_canonical

RECEIPT_VERSION = "inbeeld-consent-receipt/1"


def sign_receipt(content: dict[str, Any], *, key_id: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    body = {"version": RECEIPT_VERSION, **content}
    return {"receipt": body, "signature": {"alg": "EdDSA", "kid": key_id, "value": sign_canonical(body, key)}}


def verify_receipt(document: dict[str, Any], jwks: dict[str, Any]) -> dict[str, Any]:
    """The receipt's content when the signature holds; `CryptoError` when anything was changed."""
    try:
        body, signature = document["receipt"], document["signature"]
        if body.get("version") != RECEIPT_VERSION or signature.get("alg") != "EdDSA":
            raise CryptoError("not an Inbeeld consent receipt")
        verify_canonical(body, signature["value"], signature["kid"], jwks)
    except (KeyError, TypeError, AttributeError) as exc:
        raise CryptoError(f"receipt does not verify ({type(exc).__name__})") from None
    except CryptoError as exc:
        raise CryptoError(f"receipt does not verify ({exc})") from None
    return dict(body)
