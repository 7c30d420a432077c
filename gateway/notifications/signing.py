"""Webhook signatures in the Standard Webhooks shape, asymmetric (`v1a`, Ed25519).

Signed content: ``{webhook-id}.{webhook-timestamp}.{body}``. Receivers verify with the gateway's
published keys (`GET /v1/webhooks/jwks`, key picked by `webhook-key-id`); `webhook-id` is also the
idempotency key, so a redelivery is recognised.
"""

import base64
import time
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.core.crypto import CryptoError, ed25519_public_from_jwk


def signature_headers(
    *, message_id: str, body: bytes, key_id: str, key: Ed25519PrivateKey, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = key.sign(f"{message_id}.{ts}.".encode() + body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": ts,
        "webhook-signature": "v1a," + base64.b64encode(signature).decode("ascii"),
        "webhook-key-id": key_id,
        "idempotency-key": message_id,
    }


def verify(
    *, headers: Mapping[str, str], body: bytes, jwks: Mapping[str, Any], tolerance_seconds: int = 300,
    now: int | None = None,
) -> str:
    """Check a delivery; returns its message id, raises `CryptoError` when it is not genuine or stale."""
    try:
        message_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
        key_id, signatures = headers["webhook-key-id"], headers["webhook-signature"]
    except KeyError:
        raise CryptoError("signature headers missing") from None
    current = int(time.time()) if now is None else now
    if not ts.isdigit() or abs(current - int(ts)) > tolerance_seconds:
        raise CryptoError("timestamp outside tolerance")
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == key_id), None)
    if jwk is None:
        raise CryptoError("unknown signing key")
    public = ed25519_public_from_jwk(jwk)
    signed = f"{message_id}.{ts}.".encode() + body
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version != "v1a":
            continue
        try:
            public.verify(base64.b64decode(value, validate=True), signed)
            return message_id
        except (InvalidSignature, ValueError):
            continue
    raise CryptoError("no valid signature")
