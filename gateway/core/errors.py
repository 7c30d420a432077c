"""RFC 9457 problem details: one error base class, one set of handlers.

    InbeeldError                      -> its own status, `code`, `title`
    ├── BadRequest (400)              ├── NotFound (404)
    ├── Unauthorized (401)            ├── Conflict (409)
    ├── Forbidden (403)               ├── PayloadTooLarge (413)
    ├── TooManyRequests (429)         └── ServiceUnavailable (503)

Request validation gives 422 `validation-failed` without echoing the input (it may hold a BSN);
any other exception gives a bare 500 without a stack trace. `detail` never names a child.
"""

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER = {"Retry-After": "5"}
"""On every 503: a client's retry loop needs a pace, and the outages seen are seconds long."""
PROBLEM_BASE = "https://inbeeld.nl/problems/"
log = logging.getLogger("inbeeld.errors")


RecordOnFailure = Callable[[AsyncConnection], Awaitable[None]]
"""Writes a refusal's audit record in a transaction of its own."""

class InbeeldError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    record_on_failure: "RecordOnFailure | None" = None
    """An audit append that the request transaction runs after rolling the request back."""

    def __init__(self, detail: str | None = None, *, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = dict(extra or {})

    def headers(self) -> dict[str, str]:
        """Response headers the problem comes with."""
        return {}


class BadRequest(InbeeldError):
    pass


class Unauthorized(InbeeldError):
    status, code, title = 401, "unauthorized", "Authentication required"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="inbeeld"'}


class Forbidden(InbeeldError):
    status, code, title = 403, "forbidden", "Not permitted"


class NotFound(InbeeldError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(InbeeldError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(InbeeldError):
    status, code, title = 413, "payload-too-large", "Request body too large"


class TooManyRequests(InbeeldError):
    status, code, title = 429, "rate-limited", "Too many requests"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"This client sent more requests than its limit; try again in {retry_after_seconds} s.")
        self.retry_after_seconds = retry_after_seconds

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class ServiceUnavailable(InbeeldError):
    status, code, title = 503, "service-unavailable", "Service temporarily unavailable"

    def headers(self) -> dict[str, str]:
        return dict(RETRY_AFTER)


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        **(extra or {}),
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


_HTTP_CODES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not permitted"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def _instance(request: Request) -> str:
    # The route template, never the concrete path: a path may hold a child reference.
    route = request.scope.get("route")
    return getattr(route, "path", None) or "about:blank"


async def _inbeeld_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InbeeldError)
    return problem_response(
        status=exc.status, code=exc.code, title=exc.title, detail=exc.detail,
        instance=_instance(request), extra=exc.extra,
        headers=exc.headers(),
    )


def _allowed_methods(request: Request) -> str:
    """Every method the resource serves: Starlette names only its first route's (GET /v1/routekaart, not PUT).
    The resource is the template of the first route the path matches, in routing order."""
    template: str | None = None
    methods: set[str] = set()
    pending = list(request.app.router.routes)
    while pending:
        route = pending.pop(0)
        included = getattr(route, "original_router", None)  # FastAPI keeps included routers whole
        if included is not None:
            pending[:0] = included.routes
        elif route.matches(request.scope)[0] != Match.NONE and template in (None, route.path):
            template = route.path
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, title = _HTTP_CODES.get(exc.status_code, ("http-error", "HTTP error"))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return problem_response(
        status=exc.status_code, code=code, title=title, detail=title,
        instance=_instance(request), headers=headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Location and message only: pydantic's `input` and `ctx` may echo a BSN back.
    errors = [{"location": [str(p) for p in e.get("loc", ())], "message": e.get("msg", "")}
              for e in exc.errors()]
    return problem_response(
        status=422, code="validation-failed", title="Request validation failed",
        detail="The request does not match the schema; see `errors`.",
        instance=_instance(request), extra={"errors": errors},
    )


async def _storage_error(request: Request, exc: Exception) -> JSONResponse:
    # The transaction rolled back, so nothing was changed and, since answers wait for the commit, nothing disclosed.
    log.error("database error", extra={"error_type": type(exc).__name__})
    return problem_response(
        status=503, code="storage-unavailable", title="Storage unavailable",
        detail="The database could not complete the request; nothing was changed or disclosed.",
        instance=_instance(request), headers=RETRY_AFTER,
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error", extra={"error_type": type(exc).__name__})
    return problem_response(
        status=500, code="internal-error", title="Internal error",
        detail="The request could not be completed.", instance=_instance(request),
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(InbeeldError, _inbeeld_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _storage_error)
    app.add_exception_handler(PoolTimeout, _storage_error)  # every connection busy, or none can be made
    app.add_exception_handler(Exception, _unexpected_error)


def problem_responses(*errors: type[InbeeldError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problems a route can return."""
    out: dict[int | str, dict[str, Any]] = {}
    # Any request may be malformed or carry a BSN in its URL (400); the token check gives 401 and 429.
    listed: tuple[type[InbeeldError], ...] = (BadRequest, Unauthorized, TooManyRequests, *errors)
    for error in listed:
        out[error.status] = {
            "description": error.title,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    out[429]["headers"] = {"Retry-After": {"description": "Seconds until the client may ask again",
                                           "schema": {"type": "integer", "minimum": 1}}}
    out[422] = {
        "description": "Request validation failed",
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    return out


def linked(responses: dict[int | str, dict[str, Any]], status: int,
           **links: tuple[str, dict[str, str]]) -> dict[int | str, dict[str, Any]]:
    """`responses` with OpenAPI links on `status`: name=(operationId, {parameter: runtime expression}). They say
    which answer feeds which call (a client generator, and schemathesis's stateful phase, follow them)."""
    entry = {**responses.get(status, {}), "links": {
        name: {"operationId": operation, "parameters": parameters} for name, (operation, parameters) in links.items()}}
    return {**responses, status: entry}
