"""The OAuth 2.0 token endpoint, built from authlib's grants and client authentication.

- Grant: client credentials (RFC 6749 §4.4); no refresh tokens.
- Client authentication: `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): the partner signs an
  assertion with a key from its enrolled JWKS. No shared secrets.
- The acting professional travels *inside* the signed assertion (`professional: {id, role}`), never in
  an unsigned header.
- Access tokens: JWTs per RFC 9068, ES256, at most five minutes, bound to the API's audience.

authlib is synchronous; the service loads the client before and records the assertion's `jti` after,
so the replay check (RFC 7523 §3, item 7) is one unique insert shared by every replica.
"""

import time
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import InvalidClientError, InvalidRequestError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc.jwk import KeySet

from gateway.core.crypto import KeyRing
from gateway.core.vocabulary import OrgType, Role

from .tokens import MAX_LIFETIME_SECONDS, Caller, mint_access_token

AUTH_METHOD = "private_key_jwt"
MAX_ASSERTION_SECONDS = 300


@dataclass
class PartnerClient(ClientMixin):  # type: ignore[misc]
    """One enrolled partner system, for the length of one token request."""

    client_id: str  # the organisation's id
    organisation_type: OrgType
    jwks: dict[str, Any]
    assertion: dict[str, Any] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == AUTH_METHOD and endpoint == "token"

    def check_grant_type(self, grant_type: str) -> bool:
        return bool(grant_type == ClientCredentialsGrant.GRANT_TYPE)

    def get_allowed_scope(self, scope: str) -> str:
        return ""


class PrivateKeyJwt(JWTBearerClientAssertion):  # type: ignore[misc]
    """RFC 7523 §2.2 client authentication with the client's enrolled public keys."""

    CLIENT_AUTH_METHOD = AUTH_METHOD

    def __init__(self, audiences: list[str]) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self._audiences = audiences
        self.last_claims: dict[str, Any] = {}

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        claims: dict[str, Any] = dict(super().process_assertion_claims(assertion, resolve_key))
        self.last_claims = claims  # one server per request: read by the grant and the replay check
        return claims

    def get_audiences(self) -> list[str]:
        return self._audiences

    def resolve_client_public_key(self, client: PartnerClient) -> KeySet:
        return KeySet.import_key_set(client.jwks)  # type: ignore[arg-type]

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        return bool(isinstance(jti, str) and 8 <= len(jti) <= 128)  # uniqueness: recorded by the service

    def verify_claims(self, claims: Any) -> None:
        super().verify_claims(claims)
        if claims["exp"] - time.time() > MAX_ASSERTION_SECONDS:
            raise InvalidClientError(description="The client assertion lives longer than five minutes.")


class FormRequest(OAuth2Request):  # type: ignore[misc]
    def __init__(self, uri: str, form: dict[str, str], headers: dict[str, str]) -> None:
        super().__init__("POST", uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self) -> dict[str, str]:
        return self._form


class TokenServer(AuthorizationServer):  # type: ignore[misc]
    """One token request: authlib validates; our generator issues the RFC 9068 token."""

    def __init__(self, *, client: PartnerClient | None, ring: KeyRing, issuer: str, audience: str,
                 token_endpoint: str) -> None:
        super().__init__()
        self._client = client
        self._ring, self._issuer, self._audience = ring, issuer, audience
        self.assertion = PrivateKeyJwt([token_endpoint, issuer])
        self.register_client_auth_method(AUTH_METHOD, self._authenticate)
        self.register_grant(_ClientCredentials, [])
        self.register_token_generator("default", self._generate)
        self.response: tuple[int, dict[str, Any], list[tuple[str, str]]] | None = None

    def _authenticate(self, query_client: Any, request: FormRequest) -> PartnerClient | None:
        client: PartnerClient | None = self.assertion(query_client, request)
        return client

    def query_client(self, client_id: str) -> PartnerClient | None:
        return self._client if self._client is not None and self._client.client_id == client_id else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Access tokens are self-contained JWTs; nothing to store."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, Any]:
        self.response = (status, body, headers)
        return self.response

    def _generate(self, *, grant_type: str, client: PartnerClient, **_: Any) -> dict[str, Any]:
        claims = client.assertion
        professional = claims.get("professional")
        if not isinstance(professional, dict):
            raise InvalidRequestError(description="The assertion names no acting professional.")
        try:
            role = Role(str(professional.get("role")))
            professional_id = str(professional["id"])
        except (ValueError, KeyError):
            raise InvalidRequestError(description="The acting professional needs an id and a known role.") from None
        if not 1 <= len(professional_id) <= 64 or not professional_id.isprintable():
            raise InvalidRequestError(description="The professional id must be 1 to 64 printable characters.")
        caller = Caller(organisation_id=client.client_id, organisation_type=client.organisation_type,
                        role=role, professional=professional_id)
        token = mint_access_token(self._ring, issuer=self._issuer, audience=self._audience, caller=caller)
        return {"access_token": token, "token_type": "Bearer", "expires_in": MAX_LIFETIME_SECONDS}


class _ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    """RFC 6749 §4.4 with `private_key_jwt` as the only client authentication."""

    TOKEN_ENDPOINT_AUTH_METHODS = [AUTH_METHOD]  # noqa: RUF012  (authlib's class attribute)

    def validate_token_request(self) -> None:
        super().validate_token_request()
        server: TokenServer = self.server
        self.request.client.assertion = server.assertion.last_claims
