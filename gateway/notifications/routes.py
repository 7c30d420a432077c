from typing import Any

from fastapi import APIRouter

from gateway.core.crypto import public_jwk
from gateway.dependencies import ContextDep

router = APIRouter(prefix="/v1", tags=["webhooks"])


@router.get("/webhooks/jwks", operation_id="getWebhookKeys")
async def webhook_keys(context: ContextDep) -> dict[str, Any]:
    """Public keys (JWKS) that verify the gateway's webhook signatures (`webhook-key-id` picks one)."""
    return {"keys": [public_jwk(kid, key) for kid, key in context.keys.current().signing]}
