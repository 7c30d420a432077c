"""The partners' federated lookup (main API), and the peers' endpoint (its own app, served only over mutual TLS
by `FederationListener`)."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from adapters.transport import default_tls
from gateway.context import AppContext, RequestMeta
from gateway.core.errors import install_problem_handlers, problem_responses
from gateway.core.http import GatewayMiddleware, JsonRoute
from gateway.dependencies import CallerDep, ContextDep, MetaDep
from gateway.index.routes import denials

from . import service
from .schemas import FederatedAnswer, FederatedLookup, PeerAnswer, PeerRequest
from .tls import client_context, server_context

router = APIRouter(prefix="/v1", tags=["federation"], route_class=JsonRoute)


@router.post("/federation/lookup", operation_id="lookupAcrossRegions", responses=problem_responses(*denials))
async def lookup_across_regions(body: FederatedLookup, request: Request, context: ContextDep, caller: CallerDep,
                                meta: MetaDep) -> FederatedAnswer:
    """Whether the child is known here and in the neighbouring regions, and who is involved there as far as each
    region's own policy allows. A region that does not answer in time is reported unavailable."""
    return await service.lookup_across_regions(context=context, caller=caller, meta=meta, body=body,
                                               client=request.app.state.peer_client)


def create_peer_app(context: AppContext) -> FastAPI:
    """The endpoint other regions' gateways call. Mutual TLS is the listener's; the signature is checked here;
    the limits on bodies, headers and time are the main app's."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    install_problem_handlers(app)
    GatewayMiddleware.install(app, context.settings)
    peers = service.peers_of(context.settings.federation_peers_json)

    @app.post("/federation/v1/lookup")
    async def peer_lookup(request: Request) -> PeerAnswer:
        body = await request.body()
        region = service.check_peer(request.headers, body, peers)
        try:
            peer_request = PeerRequest.model_validate_json(body)
        except ValidationError as invalid:  # rendered as the main app renders a body that does not fit
            raise RequestValidationError(invalid.errors()) from None
        meta = RequestMeta(request_id=str(uuid.uuid4()), client=f"peer:{region}")
        async with context.db.request_transaction() as conn:  # spent whatever the answer: a refusal too
            await service.spend_message(conn, region=region, headers=request.headers, now=context.clock())
        async with context.db.request_transaction() as conn:
            return await service.answer_peer(conn, context=context, region=region, request=peer_request, meta=meta)

    return app


class _QuietServer(uvicorn.Server):
    """The main server owns the process's signals; this one only stops when told."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def federation(app: FastAPI, context: AppContext) -> AsyncIterator[None]:
    """For the app's lifetime: a client for asking peers, and (with `INBEELD_FEDERATION_PORT`) the mutual-TLS
    listener peers call."""
    settings = context.settings
    tls = client_context(settings) if settings.federation_peers_json else None
    async with httpx.AsyncClient(verify=tls or default_tls(), follow_redirects=False) as client:
        app.state.peer_client = client
        if settings.federation_port is None:
            yield
            return
        server = _QuietServer(uvicorn.Config(
            create_peer_app(context), host=settings.federation_host, port=settings.federation_port,
            ssl_context_factory=lambda *_: server_context(settings), log_config=None, access_log=False))
        task = asyncio.create_task(server.serve())
        try:
            yield
        finally:
            server.should_exit = True
            await task
