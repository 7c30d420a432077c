"""The partner systems' HTTP transport: httpx's client API (authlib's OAuth2 client is one) over aiohttp's
connections, which cost about half the CPU per request of httpx's own (1.0 against 1.7 ms on these machines,
every detail query asks two sources). aiohttp's exceptions become httpx's, so the adapters' error tree is the
same: a refused connection is unavailable, a silent server a timeout. A partner's Set-Cookie never reaches httpx's
cookie jar: the gateway keeps nothing of an answer, and a jar would hand one partner's cookie to another on the same
host (cookies ignore ports), or back to the same partner about another child.

httpx-aiohttp does the same, but maps a refused connection to a timeout."""

import functools
import ssl
from collections.abc import AsyncIterator

import aiohttp
import aiohttp.abc
import httpx

# Most specific first: several aiohttp errors derive from more than one of these.
_ERRORS: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
    (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
    (aiohttp.ServerTimeoutError, httpx.ReadTimeout),
    (TimeoutError, httpx.PoolTimeout),  # no connection free in time
    (aiohttp.ClientConnectorError, httpx.ConnectError),  # refused, unresolvable, TLS refused
    (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
    (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),  # a body cut short or badly framed
    (aiohttp.ClientResponseError, httpx.RemoteProtocolError),  # not HTTP
    (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
    (aiohttp.ClientOSError, httpx.ReadError),  # reset
    (aiohttp.ClientError, httpx.TransportError),
)


@functools.cache
def default_tls() -> ssl.SSLContext:
    """The trust store every outgoing client verifies partners with: one per process, since each context loads the
    CA bundle again (~17 ms and about a megabyte here)."""
    return httpx.create_ssl_context()


def _as_httpx(error: BaseException) -> httpx.TransportError:
    kind = next(kind for base, kind in _ERRORS if isinstance(error, base))
    return kind(type(error).__name__)


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _as_httpx(error) from None

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx's timeouts per request (connect, read, pool) become aiohttp's; redirects, decoding and cookies stay
    httpx's (aiohttp neither follows, decompresses nor keeps anything)."""

    def __init__(self, *, resolver: aiohttp.abc.AbstractResolver | None = None) -> None:
        self._ssl = default_tls()
        self._resolver = resolver  # None: the system's
        self._session: aiohttp.ClientSession | None = None

    def _opened(self) -> aiohttp.ClientSession:
        if self._session is None:  # in the event loop, at the first request
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=self._ssl, limit=100, keepalive_timeout=5.0,
                                               resolver=self._resolver),
                cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False)
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {})
        try:
            response = await self._opened().request(
                request.method, str(request.url), headers=list(request.headers.multi_items()),
                data=await request.aread() or None, allow_redirects=False,
                timeout=aiohttp.ClientTimeout(connect=timeout.get("pool"), sock_connect=timeout.get("connect"),
                                              sock_read=timeout.get("read")))
        except (aiohttp.ClientError, TimeoutError) as error:
            raise _as_httpx(error) from None
        headers = [(name, value) for name, value in response.raw_headers if name.lower() != b"set-cookie"]
        return httpx.Response(response.status, headers=headers, stream=_Body(response),
                              extensions={"http_version": b"HTTP/1.1",
                                          "reason_phrase": (response.reason or "").encode()})

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
