"""ASGI middleware: API-Version header, no BSN in URLs, body and header size, access log and metrics without raw
paths. And the strict JSON that every route taking a JSON body parses it with (`JsonRoute`)."""

import asyncio
import codecs
import json
import logging
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn
from urllib.parse import parse_qsl, unquote

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import API_VERSION

from . import metrics
from .errors import RETRY_AFTER, problem_response
from .settings import Settings

log = logging.getLogger("inbeeld.access")
BATCH_PATH = "/v1/involvement-batches"
_NINE_DIGITS = re.compile(r"^\s*\d{3}[\s.-]?\d{3}[\s.-]?\d{3}\s*$")


def _bsn_like(value: str) -> bool:
    """A whole path segment or query value of 9 digits: a BSN where none may be (no child ref is one)."""
    return bool(_NINE_DIGITS.match(value))


def url_holds_bsn(path: str, query: bytes) -> bool:
    if any(_bsn_like(unquote(segment)) for segment in path.split("/")):
        return True
    return any(_bsn_like(k) or _bsn_like(v) for k, v in parse_qsl(query.decode("latin-1"), keep_blank_values=True))


class GatewayMiddleware:
    def __init__(self, app: ASGIApp, *, api_version: str, max_body_bytes: int, max_header_bytes: int,
                 deadline_seconds: float, large_bodies: dict[str, int] | None = None) -> None:
        self.app = app
        self.large_bodies = large_bodies or {}
        """Paths that take a larger body than `max_body_bytes`, with their limit."""
        self.deadline_seconds = deadline_seconds
        self._cleanups: set[asyncio.Future[None]] = set()  # given-up requests, still rolling back
        self.api_version = api_version.encode()
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 0

        async def send_with_version(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"api-version", self.api_version)]
            await send(message)

        received, limit = 0, self.large_bodies.get(scope["path"], self.max_body_bytes)

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:  # a streamed body without Content-Length
                raise HTTPException(413)  # rendered as a problem by the app's handler
            return message

        given_up = False

        async def send_unless_given_up(message: Message) -> None:
            if not given_up:
                await send_with_version(message)

        try:
            refusal = self._refusal(scope)
            answering = asyncio.ensure_future((refusal or self.app)(scope, limited_receive, send_unless_given_up))
            try:
                await asyncio.wait({answering}, timeout=self.deadline_seconds)
            except asyncio.CancelledError:  # the server gave up on this request: so does the app
                answering.cancel()
                raise
            if answering.done() or status:  # done, or the answer had begun: let it finish
                await answering
                return
            # The client is told now; the cancelled request rolls back in the background (a driver's cancel of a
            # hung query can itself take seconds).
            given_up = True
            answering.cancel()
            self._cleanups.add(answering)
            answering.add_done_callback(self._cleaned_up)
            log.warning("request deadline passed", extra={"seconds": self.deadline_seconds})
            late = problem_response(status=503, code="deadline-exceeded", title="No answer in time",
                                    detail="Cancelled at the deadline: rolled back, unless its commit had been sent.",
                                    instance="about:blank", headers=RETRY_AFTER)
            await late(scope, receive, send_with_version)
        finally:
            route = getattr(scope.get("route"), "path", None) or "-"  # the template, never the concrete path
            seconds = time.perf_counter() - started
            log.info("request", extra={"method": scope["method"], "route": route, "status": status or 500,
                                       "ms": round(seconds * 1000, 2)})
            metrics.observe(route, scope["method"], status or 500, seconds)

    @classmethod
    def install(cls, app: FastAPI, settings: Settings) -> None:
        """On the main app and on the peers' app alike."""
        app.add_middleware(cls, api_version=API_VERSION, max_body_bytes=settings.max_body_bytes,
                           max_header_bytes=settings.max_header_bytes,
                           deadline_seconds=settings.request_deadline_seconds,
                           large_bodies={BATCH_PATH: settings.max_batch_body_bytes})

    def _cleaned_up(self, request: "asyncio.Future[None]") -> None:
        self._cleanups.discard(request)
        if not request.cancelled() and request.exception() is not None:
            log.warning("given-up request failed", extra={"error_type": type(request.exception()).__name__})

    def _refusal(self, scope: Scope) -> Response | None:
        if url_holds_bsn(scope["path"], scope.get("query_string", b"")):
            return problem_response(status=400, code="bsn-in-url", title="BSN not allowed in a URL",
                                    detail="A BSN may only be sent in a request body.", instance="about:blank")
        if sum(len(name) + len(value) for name, value in scope["headers"]) > self.max_header_bytes:
            return problem_response(status=431, code="headers-too-large", title="Request headers too large",
                                    detail=f"At most {self.max_header_bytes} bytes of headers.",
                                    instance="about:blank")
        length = dict(scope["headers"]).get(b"content-length", b"0")
        limit = self.large_bodies.get(scope["path"], self.max_body_bytes)
        if not length.isdigit() or int(length) > limit:
            return problem_response(status=413, code="payload-too-large", title="Request body too large",
                                    detail=f"At most {limit} bytes.", instance="about:blank")
        return None


def strict_json(body: bytes) -> Any:
    """Parse a request body as I-JSON (RFC 7493): UTF-8 without a byte order mark, each member name once, no NaN or
    Infinity. Python's parser would take UTF-16 and a BOM, and the last of two equal names: a parser in front of
    the gateway (a WAF, a partner's logging) could then read another request than the gateway acts on."""

    def refuse(reason: str, position: int = 0) -> NoReturn:
        raise json.JSONDecodeError(reason, "", position)  # the document stays out of the error: it may hold a BSN

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names):
            refuse("a member name appears twice")
        return dict(pairs)

    def no_constant(name: str) -> NoReturn:
        refuse(f"{name} is not JSON")

    if body.startswith(codecs.BOM_UTF8):
        refuse("a byte order mark")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        refuse("not UTF-8", error.start)
    try:
        return json.loads(text, object_pairs_hook=unique, parse_constant=no_constant)
    except json.JSONDecodeError as error:
        refuse(error.msg, error.pos)
    except RecursionError:
        refuse("nested too deeply")


class StrictJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_json(await self.body())
        return self._json


class JsonRoute(APIRoute):
    """A route whose JSON body is parsed by `strict_json` (FastAPI's documented custom-request pattern)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
