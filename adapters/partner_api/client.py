"""A partner's REST/JSON API: `GET {base}/children/{child_ref}/details?categories=…&purpose=…`, answered with
`{"categories": {"<category>": {"<field>": <scalar>, …}}}`. The gateway authenticates with OAuth2 client
credentials: the injected client is authlib's `AsyncOAuth2Client` (an `httpx.AsyncClient` that fetches and
renews the token itself)."""

import asyncio
import warnings
from collections.abc import Sequence
from typing import Any

import httpx
from authlib.integrations.base_client.errors import OAuthError

with warnings.catch_warnings():  # authlib 1.9 prefers the httpx2 fork; the gateway injects httpx clients throughout
    warnings.filterwarnings("ignore", "The httpx module is deprecated", DeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

__all__ = ["AsyncOAuth2Client", "PartnerApiSource"]

from adapters.errors import AdapterError, SourceTimeout, SourceUnavailable
from adapters.http import get_json
from adapters.protocols import Scalar, SourceAnswer


class PartnerApiSource:
    def __init__(self, client: AsyncOAuth2Client, *, source: str, base_url: str, timeout_seconds: float) -> None:
        self._client, self._source = client, source
        self._base = base_url.rstrip("/")
        self._timeout = httpx.Timeout(timeout_seconds)
        self._first_token = asyncio.Lock()

    async def _ensure_token(self) -> None:
        """The first token (authlib renews it by itself once it expires)."""
        async with self._first_token:
            if not self._client.token:
                await self._client.fetch_token(timeout=self._timeout)

    async def details(self, child_ref: str, categories: Sequence[str], *, purpose: str) -> SourceAnswer:
        try:
            await self._ensure_token()
            payload = await get_json(self._client, self._source, f"{self._base}/children/{child_ref}/details",
                                     params={"categories": ",".join(categories), "purpose": purpose},
                                     limits=self._timeout)
        except OAuthError:  # the token endpoint refused the gateway's credentials
            raise AdapterError(self._source, "token refused") from None
        except httpx.TimeoutException:  # the token request itself timed out
            raise SourceTimeout(self._source, "no token in time") from None
        except httpx.HTTPError as exc:
            raise SourceUnavailable(self._source, type(exc).__name__) from None
        except (ValueError, TypeError):  # authlib's, for a token answer that is not JSON or not of its shape
            raise AdapterError(self._source, "malformed token answer") from None
        return SourceAnswer(_categories(self._source, payload, categories))


def _categories(source: str, payload: Any, asked: Sequence[str]) -> dict[str, dict[str, Scalar]]:
    """Only the categories asked for, only scalar fields; anything else is a malformed answer."""
    found = payload.get("categories") if isinstance(payload, dict) else None
    if not isinstance(found, dict):
        raise AdapterError(source, "malformed answer")
    out: dict[str, dict[str, Scalar]] = {}
    for category in asked:
        fields = found.get(category)
        if fields is None:
            continue
        scalar = (str, int, float, bool, type(None))
        if not isinstance(fields, dict) or not all(isinstance(k, str) and isinstance(v, scalar)
                                                   for k, v in fields.items()):
            raise AdapterError(source, "malformed answer")
        out[category] = dict(fields)
    return out
