"""The token endpoint (RFC 6749 §4.4 with RFC 7523 client authentication), its keys and metadata."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.core.crypto import public_jwk
from gateway.dependencies import ConnectionDep, ContextDep

from . import service

router = APIRouter(tags=["oauth"])

_TOKEN_FORM = {
    "requestBody": {"required": True, "content": {service.FORM: {"schema": {
        "type": "object",
        "required": ["grant_type", "client_assertion_type", "client_assertion"],
        "properties": {
            "grant_type": {"type": "string", "const": "client_credentials"},
            "client_assertion_type": {"type": "string",
                                      "const": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
            "client_assertion": {"type": "string", "description": (
                "JWT signed with an enrolled key: iss = sub = client_id, aud = the token endpoint, jti, exp "
                "(at most 5 minutes ahead), and professional: {id, role} for the acting professional")},
        },
    }}}},
    "responses": {
        "200": {"description": "Access token (RFC 9068 JWT, ES256, at most 5 minutes)", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "access_token": {"type": "string"}, "token_type": {"type": "string"},
                "expires_in": {"type": "integer"}}}}}},
        "400": {"description": "RFC 6749 §5.2 error", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}}}}}},
        "401": {"description": "Client authentication failed (RFC 6749 §5.2 `invalid_client`)"},
    },
}


@router.post("/v1/oauth/token", operation_id="requestToken", openapi_extra=_TOKEN_FORM,
             response_class=JSONResponse)
async def token(request: Request, conn: ConnectionDep, context: ContextDep) -> JSONResponse:
    """Client credentials grant; the client authenticates with `private_key_jwt`."""
    status, body, headers = await service.issue_token(
        conn, context=context, content_type=request.headers.get("content-type", ""), body=await request.body())
    return JSONResponse(body, status_code=status, headers=dict(headers))


@router.get("/v1/oauth/jwks", operation_id="getTokenKeys")
async def token_keys(context: ContextDep) -> dict[str, Any]:
    """Public keys (JWKS) that verify the gateway's access tokens."""
    return {"keys": [public_jwk(kid, key) for kid, key in context.keys.current().token]}


@router.get("/.well-known/oauth-authorization-server", operation_id="getAuthorizationServerMetadata")
async def metadata(context: ContextDep) -> dict[str, Any]:
    """Authorization server metadata (RFC 8414)."""
    base = context.settings.public_url.rstrip("/")
    return {
        "issuer": context.settings.public_url,
        "token_endpoint": service.token_endpoint(context),
        "jwks_uri": f"{base}/v1/oauth/jwks",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "EdDSA", "RS256", "PS256"],
        "response_types_supported": [],
        "scopes_supported": [],
    }
