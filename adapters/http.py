"""One way to call a source over HTTP: explicit timeout, no redirects, the adapter error tree for every failure."""

from typing import Any

import httpx

from .errors import AdapterError, SourceTimeout, SourceUnavailable


async def get_json(client: httpx.AsyncClient, source: str, url: str, *, params: dict[str, str],
                   limits: httpx.Timeout) -> Any:
    return await request_json(client, source, "GET", url, params=params, limits=limits)


async def request_json(client: httpx.AsyncClient, source: str, method: str, url: str, *, limits: httpx.Timeout,
                       params: dict[str, str] | None = None, body: Any = None) -> Any:
    try:
        response = await client.request(method, url, params=params, json=body, timeout=limits,
                                        follow_redirects=False)
    except httpx.TimeoutException:
        raise SourceTimeout(source, "no answer in time") from None
    except httpx.HTTPError as exc:
        raise SourceUnavailable(source, type(exc).__name__) from None
    if response.status_code >= 500:
        raise SourceUnavailable(source, f"http {response.status_code}")
    if response.status_code in (401, 403):
        raise AdapterError(source, "not authorised by the source")
    if response.status_code != 200:
        raise AdapterError(source, f"http {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise AdapterError(source, "not JSON") from None
