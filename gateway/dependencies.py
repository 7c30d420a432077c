"""FastAPI dependencies, as `Annotated` aliases routes take."""

import re
import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.tokens import Caller, InvalidToken
from gateway.context import AppContext, RequestMeta
from gateway.core.errors import TooManyRequests, Unauthorized

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def _context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


# Dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread, which costs
# more than everything these do.
async def get_context(request: Request) -> AppContext:
    return _context(request)


async def get_session(request: Request) -> AsyncIterator[AsyncConnection]:
    async with _context(request).db.request_transaction() as conn:
        yield conn


async def get_meta(request: Request) -> RequestMeta:
    fresh = secrets.token_hex(36)  # one read of the system's randomness: request id, trace id, span id
    supplied = request.headers.get("x-request-id", "")
    request_id = supplied if _REQUEST_ID.match(supplied) else fresh[:24]
    request.state.request_id = request_id
    parent = _TRACEPARENT.match(request.headers.get("traceparent", ""))
    trace_id = parent.group(1) if parent and parent.group(1) != "0" * 32 else fresh[24:56]
    return RequestMeta(request_id=request_id, client=request.client.host if request.client else "",
                       trace_id=trace_id, span_id=fresh[56:])


async def get_caller(request: Request) -> Caller:
    """The single place that turns a request into an authenticated caller."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("A Bearer access token is required.")
    context = _context(request)
    caller = context.tokens.verify(
        context.keys.current(), token,
        issuer=context.settings.public_url, audience=context.settings.token_audience,
    )
    if await context.revoked.contains(context.db, caller.organisation_id):
        raise InvalidToken("The client of this access token was revoked.")
    if wait := context.rate_limits.take(caller.organisation_id):
        raise TooManyRequests(wait)
    return caller


# scope="function": the commit (with its audit record) happens before the response is sent.
ConnectionDep = Annotated[AsyncConnection, Depends(get_session, scope="function")]
ContextDep = Annotated[AppContext, Depends(get_context)]
CallerDep = Annotated[Caller, Depends(get_caller)]
MetaDep = Annotated[RequestMeta, Depends(get_meta)]
