"""One way to call a source over HTTP: explicit timeout, no redirects, a bounded answer, the adapter error tree for
every failure."""

import json
from typing import Any

import httpx

from .errors import AdapterError, SourceTimeout, SourceUnavailable

MAX_ANSWER_BYTES = 256 * 1024
"""A source's answer is a few fields; more than this (decompressed) is refused before it is all read."""


async def get_json(client: httpx.AsyncClient, source: str, url: str, *, params: dict[str, str],
                   limits: httpx.Timeout) -> Any:
    return await request_json(client, source, "GET", url, params=params, limits=limits)


async def request_json(client: httpx.AsyncClient, source: str, method: str, url: str, *, limits: httpx.Timeout,
                       params: dict[str, str] | None = None, body: Any = None) -> Any:
    try:
        async with client.stream(method, url, params=params, json=body, timeout=limits,
                                 follow_redirects=False) as response:
            status = response.status_code
            content = await bounded_body(response, MAX_ANSWER_BYTES) if status == 200 else b""
            if content is None:
                raise AdapterError(source, "answer too large")
    except httpx.TimeoutException:
        raise SourceTimeout(source, "no answer in time") from None
    except httpx.HTTPError as exc:
        raise SourceUnavailable(source, type(exc).__name__) from None
    if status >= 500:
        raise SourceUnavailable(source, f"http {status}")
    if status in (401, 403):
        raise AdapterError(source, "not authorised by the source")
    if status != 200:
        raise AdapterError(source, f"http {status}")
    try:
        return json.loads(content.decode("utf-8"))  # RFC 8259: JSON between systems is UTF-8
    except ValueError:
        raise AdapterError(source, "not JSON") from None


async def bounded_body(response: httpx.Response, limit: int) -> bytes | None:
    """The body of a streamed response, or None when it holds more than `limit` bytes (decompressed: a gzip bomb
    counts as what it unpacks to); reading stops there."""
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
