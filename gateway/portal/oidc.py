"""Login by OpenID Connect: authorization code flow with PKCE (S256), the client authenticated with
`client_secret_basic`, the ID token checked (ES256/RS256 signature from the issuer's JWKS, issuer, audience,
expiry, nonce, assurance level at least DigiD Substantieel) and its subject read as a BSN, as DigiD through an
OIDC broker delivers it (NL GOV profile: `sub` with `sub_id_type`). URI building and PKCE come from authlib;
JWTs from joserfc."""

import secrets
import time
from typing import Any

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from gateway.pseudonyms.bsn import passes_elfproef

from .session import LoginAttempt

BSN_SUB_ID_TYPE = "urn:nl-eid-gdi:1.0:id:BSN"
# DigiD Substantieel or Hoog: the level the Dutch government asks for access to sensitive personal data.
SUFFICIENT_ASSURANCE = frozenset({"urn:nl-eid-gdi:1.0:assurance-class:substantial",
                                  "urn:nl-eid-gdi:1.0:assurance-class:high"})


class LoginFailed(Exception):
    """The identity provider's answer cannot be trusted; the user starts again."""


class OidcClient:
    def __init__(self, http: httpx.AsyncClient, *, issuer: str, client_id: str, client_secret: str,
                 redirect_uri: str, timeout_seconds: float = 5.0,
                 accepted_assurance: frozenset[str] = SUFFICIENT_ASSURANCE) -> None:
        self._http, self._issuer, self._client_id = http, issuer.rstrip("/"), client_id
        self._secret, self.redirect_uri = client_secret, redirect_uri
        self._timeout = httpx.Timeout(timeout_seconds)
        self._metadata: dict[str, Any] | None = None
        self._accepted_assurance = accepted_assurance

    async def _get(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url, timeout=self._timeout, follow_redirects=False)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise LoginFailed(f"identity provider unreachable ({type(exc).__name__})") from None
        if not isinstance(body, dict):
            raise LoginFailed("identity provider answered no JSON object")
        return body

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            found = await self._get(f"{self._issuer}/.well-known/openid-configuration")
            methods = found.get("code_challenge_methods_supported")
            endpoints = [found.get(name) for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")]
            if (found.get("issuer") != self._issuer or not isinstance(methods, list) or "S256" not in methods
                    or not all(isinstance(endpoint, str) for endpoint in endpoints)):
                raise LoginFailed("identity provider metadata does not match its issuer, or lacks PKCE S256 or an "
                                  "endpoint")
            self._metadata = found
        return self._metadata

    async def start(self, now: float) -> tuple[str, LoginAttempt]:
        """Where to send the browser, and what the callback must match."""
        attempt = LoginAttempt(state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24),
                               verifier=secrets.token_urlsafe(48), started_at=now)
        url = prepare_grant_uri(
            (await self.metadata())["authorization_endpoint"], self._client_id, "code",
            redirect_uri=self.redirect_uri, scope="openid", state=attempt.state, nonce=attempt.nonce,
            code_challenge=create_s256_code_challenge(attempt.verifier), code_challenge_method="S256")
        return url, attempt

    async def claims(self, *, code: str, attempt: LoginAttempt) -> dict[str, Any]:
        """Exchange the code; the ID token's claims once its signature and every check hold."""
        metadata = await self.metadata()
        try:
            response = await self._http.post(
                metadata["token_endpoint"], auth=(self._client_id, self._secret), timeout=self._timeout,
                data={"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                      "code_verifier": attempt.verifier}, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise LoginFailed(f"token endpoint unreachable ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise LoginFailed(f"token endpoint refused the code (http {response.status_code})")
        try:
            id_token = str(response.json()["id_token"])
        except (ValueError, KeyError, TypeError):
            raise LoginFailed("no ID token") from None
        jwks = await self._get(metadata["jwks_uri"])
        try:
            keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
            token = jwt.decode(id_token, keys, algorithms=["ES256", "RS256"])
            jwt.JWTClaimsRegistry(
                now=int(time.time()), leeway=30,
                iss={"essential": True, "value": self._issuer}, aud={"essential": True, "value": self._client_id},
                nonce={"essential": True, "value": attempt.nonce}, exp={"essential": True},
                sub={"essential": True},
            ).validate(token.claims)
        except (JoseError, ValueError, TypeError, KeyError) as exc:  # a key set or token of the wrong shape too
            raise LoginFailed(f"ID token rejected ({type(exc).__name__})") from None
        if token.claims.get("acr") not in self._accepted_assurance:
            raise LoginFailed("the login's assurance level is too low for children's data")
        return dict(token.claims)

    async def finish(self, *, code: str, attempt: LoginAttempt) -> str:
        """A citizen's login: the BSN the ID token names."""
        claims = await self.claims(code=code, attempt=attempt)
        subject = str(claims["sub"])
        if claims.get("sub_id_type") != BSN_SUB_ID_TYPE or not passes_elfproef(subject):
            raise LoginFailed("the ID token does not name a BSN")
        return subject
