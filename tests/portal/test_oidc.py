"""The portal's OpenID Connect client against an identity provider that answers wrongly (a real HTTP server on
127.0.0.1): every such answer is a failed login, which the portal turns into a page saying so, never a 500."""

import asyncio
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest

from gateway.portal.oidc import LoginFailed, OidcClient
from gateway.portal.session import LoginAttempt
from tests.fixtures.servers import serving_in_thread


class _ScriptedProvider(BaseHTTPRequestHandler):
    answers: ClassVar[dict[str, Any]] = {}

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps(self.answers.get(self.path, {})).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    with serving_in_thread(ThreadingHTTPServer(("127.0.0.1", 0), _ScriptedProvider)) as url:
        _ScriptedProvider.answers = {"/.well-known/openid-configuration": _metadata(url)}
        yield url


def _metadata(url: str) -> dict[str, Any]:
    return {"issuer": url, "authorization_endpoint": f"{url}/authorize", "token_endpoint": f"{url}/token",
            "jwks_uri": f"{url}/jwks", "code_challenge_methods_supported": ["S256"]}


def _metadata_without(name: str) -> Any:
    return lambda url: {k: v for k, v in _metadata(url).items() if k != name}


@pytest.mark.parametrize(("path", "answer"), [
    ("/.well-known/openid-configuration", ["not", "an", "object"]),
    ("/.well-known/openid-configuration", _metadata_without("jwks_uri")),
    ("/.well-known/openid-configuration", _metadata_without("code_challenge_methods_supported")),
    ("/.well-known/openid-configuration", lambda url: {**_metadata(url), "code_challenge_methods_supported": 1}),
    ("/token", ["not", "an", "object"]),
    ("/token", {"id_token": "not.a.jwt"}),
    ("/jwks", {"keys": "not a list"}),
    ("/jwks", ["not", "an", "object"]),
])
def test_a_wrong_answer_from_the_identity_provider_is_a_failed_login(provider: str, path: str, answer: Any) -> None:
    token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"  # well-formed, signed by no key the provider has
    _ScriptedProvider.answers = {"/token": {"id_token": token}, "/jwks": {"keys": []},
                                 **_ScriptedProvider.answers, path: answer(provider) if callable(answer) else answer}

    async def login() -> str:
        async with httpx.AsyncClient() as http:
            client = OidcClient(http, issuer=provider, client_id="inbeeld-portaal", client_secret="s",
                                redirect_uri="http://127.0.0.1/portaal/terug")
            return await client.finish(code="c", attempt=LoginAttempt(state="s", nonce="n", verifier="v" * 43,
                                                                      started_at=0))

    with pytest.raises(LoginFailed):
        asyncio.run(login())
