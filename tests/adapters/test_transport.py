"""The sources' transport (httpx's API over aiohttp) against a TCP server on 127.0.0.1 that answers exact bytes:
a good answer (plain, chunked, gzip), and every way a partner's server can fail, each ending in the adapter error
the gateway maps to a 502 or 504."""

import asyncio
import gzip
import json
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from adapters.errors import AdapterError, SourceTimeout, SourceUnavailable
from adapters.http import MAX_ANSWER_BYTES, request_json
from adapters.transport import AiohttpTransport

pytestmark = pytest.mark.anyio
LIMITS = httpx.Timeout(0.5)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    return head, await reader.readexactly(length)


def answering(raw: bytes, *, then_close: bool = False) -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await _request(reader)
                writer.write(raw)
                await writer.drain()
                if then_close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
    return handle


def _response(body: bytes, *headers: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: application/json", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[asyncio.Server] = []
    handlers: set[asyncio.Task[None]] = set()

    async def start(handler: Handler) -> str:
        async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            handlers.add(asyncio.current_task())  # type: ignore[arg-type]
            try:
                await handler(reader, writer)
            finally:
                writer.close()

        server = await asyncio.start_server(tracked, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for task in handlers:  # the silent ones still wait
        task.cancel()
    await asyncio.gather(*handlers, return_exceptions=True)
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=AiohttpTransport()) as http:
        yield http


async def _ask(client: httpx.AsyncClient, url: str, body: object = None) -> object:
    return await request_json(client, "src", "POST" if body else "GET", f"{url}/x", params={"a": "1"}, body=body,
                              limits=LIMITS)


async def test_answers_plain_chunked_and_gzip_over_one_connection(serve, client: httpx.AsyncClient) -> None:
    seen: list[tuple[bytes, bytes]] = []
    answers = [_response(b'{"n": 1}'),
               b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"4\r\n{\"n\"\r\n4\r\n: 2}\r\n0\r\n\r\n",
               _response(gzip.compress(b'{"n": 3}'), "Content-Encoding: gzip")]
    peers: set[int] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.add(writer.get_extra_info("peername")[1])
        try:
            for answer in answers:
                seen.append(await _request(reader))
                writer.write(answer)
                await writer.drain()
        finally:
            writer.close()

    url = await serve(handle)
    assert [await _ask(client, url, body={"q": i}) for i in range(3)] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert len(peers) == 1  # kept alive
    head, body = seen[0]
    assert head.startswith(b"POST /x?a=1 HTTP/1.1\r\n") and json.loads(body) == {"q": 0}
    assert b"\r\ncontent-type: application/json" in head.lower()


async def test_a_refused_connection_is_unavailable(client: httpx.AsyncClient) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceUnavailable) as refused:
        await _ask(client, f"http://127.0.0.1:{port}")
    assert (refused.value.status, refused.value.reason) == (502, "ConnectError")


async def test_a_silent_server_is_a_timeout(serve, client: httpx.AsyncClient) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)
        writer.close()

    url = await serve(silent)
    started = time.monotonic()
    with pytest.raises(SourceTimeout) as slow:
        await _ask(client, url)
    assert slow.value.status == 504 and time.monotonic() - started < 1.5


async def test_a_body_that_stops_coming_is_a_timeout(serve, client: httpx.AsyncClient) -> None:
    async def stalls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(_response(b'{"n": 1, "more": "')[:-3])
        await writer.drain()
        await asyncio.sleep(5)
        writer.close()

    with pytest.raises(SourceTimeout):
        await _ask(client, await serve(stalls))


@pytest.mark.parametrize(("raw", "reason"), [
    (_response(b'{"n": 1, "cut": "')[:-2], "RemoteProtocolError"),  # closed before the body's end
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "RemoteProtocolError"),  # bad chunk
    (b"SSH-2.0-OpenSSH_9.2\r\n", "RemoteProtocolError"),  # not HTTP
    (b"", "RemoteProtocolError"),  # closed without a word
])
async def test_broken_answers_are_unavailable(serve, client: httpx.AsyncClient, raw: bytes, reason: str) -> None:
    with pytest.raises(SourceUnavailable) as broken:
        await _ask(client, await serve(answering(raw, then_close=True)))
    assert (broken.value.status, broken.value.reason) == (502, reason)


async def test_an_answer_that_is_not_json_is_an_adapter_error(serve, client: httpx.AsyncClient) -> None:
    for raw in (_response(b"<html>login</html>"), _response(b"\xff\xfe{}"), _response(b'{"n": 1}{"n": 2}')):
        with pytest.raises(AdapterError) as wrong:
            await _ask(client, await serve(answering(raw)))
        assert (wrong.value.status, wrong.value.reason) == (502, "not JSON")


async def test_a_redirect_is_not_followed(serve, client: httpx.AsyncClient) -> None:
    other_hits: list[bytes] = []

    async def elsewhere(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        other_hits.append((await _request(reader))[0])
        writer.close()

    other = await serve(elsewhere)
    url = await serve(answering(f"HTTP/1.1 302 Found\r\nLocation: {other}/y\r\nContent-Length: 0\r\n\r\n".encode()))
    with pytest.raises(AdapterError) as moved:
        await _ask(client, url)
    assert moved.value.reason == "http 302" and other_hits == []


async def test_an_answer_too_large_is_refused_before_it_is_all_read(serve, client: httpx.AsyncClient) -> None:
    padding = b" " * (MAX_ANSWER_BYTES + 1)
    bomb = gzip.compress(b'{"n": "' + b"0" * 10 * MAX_ANSWER_BYTES + b'"}')  # small on the wire, large unpacked
    assert len(bomb) < MAX_ANSWER_BYTES / 10
    for raw in (_response(b'{"n": 1}' + padding), _response(bomb, "Content-Encoding: gzip")):
        with pytest.raises(AdapterError) as large:
            await _ask(client, await serve(answering(raw)))
        assert large.value.reason == "answer too large"


async def test_no_cookie_of_a_partner_is_kept_or_passed_on(serve, client: httpx.AsyncClient) -> None:
    """A partner that sets a cookie gets none back, and another partner on the same host (another port) none of
    it: nothing of an answer outlives its request."""
    heads: list[bytes] = []

    async def setting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                heads.append((await _request(reader))[0])
                writer.write(_response(b'{"n": 1}', "Set-Cookie: child=r-secret; Path=/", "Set-Cookie: s=2"))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    first, second = await serve(setting), await serve(setting)
    for url in (first, first, second):
        assert await _ask(client, url) == {"n": 1}
    assert len(heads) == 3 and not [head for head in heads if b"cookie" in head.lower()]
    assert not client.cookies
