"""The app factory: settings in, a FastAPI app out."""

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from pydantic import SecretStr

from adapters.brp.client import BrpClient
from adapters.transport import AiohttpTransport, default_tls
from consent.routes import router as consent_router
from gateway import API_VERSION
from gateway.audit.checkpoints import run_checkpointer
from gateway.audit.replay import record_policy_sources
from gateway.audit.routes import router as audit_router
from gateway.auth.revocation import RevokedClients
from gateway.auth.routes import router as oauth_router
from gateway.cases.routes import router as cases_router
from gateway.cases.watcher import run_case_watcher
from gateway.context import AppContext
from gateway.core.clock import Clock, system_clock
from gateway.core.db import Database
from gateway.core.errors import install_problem_handlers, problem_responses
from gateway.core.http import GatewayMiddleware
from gateway.core.keys import KeyRingSource
from gateway.core.metrics import exposition
from gateway.core.ratelimit import RateLimiter
from gateway.core.settings import Settings
from gateway.dependencies import ContextDep
from gateway.details.routes import router as details_router
from gateway.details.sources import SourceConfig, open_sources, source_configs
from gateway.federation.routes import federation
from gateway.federation.routes import router as federation_router
from gateway.index.routes import router as index_router
from gateway.monitor.routes import router as monitor_router
from gateway.notifications.routes import router as webhook_router
from gateway.notifications.urls import PublicAddresses
from gateway.notifications.worker import OutboxWorker
from gateway.operations.readiness import NotReady, readiness
from gateway.policy.engine import EmbeddedRegoEngine, OpaServerEngine, PolicyEngine
from gateway.portal.oidc import OidcClient
from gateway.portal.routes import install_portal_handlers
from gateway.portal.routes import router as portal_router
from gateway.pseudonyms.service import HmacPseudonymiser
from gateway.routekaart.routes import router as routekaart_router
from gateway.toezicht.routes import install_toezicht_handlers
from gateway.toezicht.routes import router as toezicht_router

PUBLIC_ROUTES = frozenset({
    "/v1/openapi.json", "/v1/health", "/v1/ready", "/metrics", "/v1/webhooks/jwks", "/v1/oauth/token",
    "/v1/oauth/jwks", "/.well-known/oauth-authorization-server", "/v1/audit/checkpoints/latest",
    "/v1/audit/checkpoints", "/v1/audit/proofs/inclusion", "/v1/audit/proofs/consistency",
})

_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"}, "instance": {"type": "string"},
        "code": {"type": "string", "description": "Stable machine-readable code"},
        "reasons": {"type": "array", "items": {"type": "string"}},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


def create_app(
    settings: Settings | None = None, *, clock: Clock = system_clock, policy: PolicyEngine | None = None,
) -> FastAPI:
    settings = settings or Settings()
    keys = KeyRingSource(settings)
    context = AppContext(
        settings=settings, db=Database(settings.effective_database_url), keys=keys,
        pseudonymiser=HmacPseudonymiser(keys), policy=policy or policy_engine(settings),
        clock=clock, revoked=RevokedClients(settings.revocation_refresh_seconds),
        rate_limits=RateLimiter(per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        webhooks = AiohttpTransport(resolver=PublicAddresses(relaxed=settings.relaxed))
        async with (httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, transport=webhooks,
                                      follow_redirects=False) as client,
                    httpx.AsyncClient(verify=default_tls()) as brp_http):
            if settings.effective_brp_url:
                context.persons = BrpClient(brp_http, base_url=settings.effective_brp_url,
                                            timeout_seconds=settings.brp_timeout_seconds)
            if settings.effective_oidc_issuer:
                context.oidc = OidcClient(
                    brp_http, issuer=settings.effective_oidc_issuer, client_id=settings.portal_oidc_client_id,
                    client_secret=portal_client_secret(settings, keys),
                    redirect_uri=f"{settings.public_url.rstrip('/')}/portaal/terug")
            if settings.effective_dashboard_issuer:
                context.dashboard_oidc = OidcClient(
                    brp_http, issuer=settings.effective_dashboard_issuer,
                    client_id=settings.dashboard_oidc_client_id,
                    client_secret=oidc_client_secret(settings, keys, settings.dashboard_oidc_client_id,
                                                     settings.dashboard_oidc_client_secret),
                    redirect_uri=f"{settings.public_url.rstrip('/')}/toezicht/terug")
            context.sources, source_clients = open_sources(source_configs(settings) or demo_sources(settings, keys))
            await context.policy.start()
            await context.revoked.load(context.db)
            await record_policy_sources(context)
            app.state.outbox = OutboxWorker(context, client)
            tasks = [asyncio.create_task(app.state.outbox.run(stop))] if settings.outbox_worker else []
            if settings.audit_checkpointer:
                tasks.append(asyncio.create_task(run_checkpointer(context, stop)))
            if settings.case_watcher:
                tasks.append(asyncio.create_task(run_case_watcher(context, stop)))
            # What start-up made lives as long as the process: out of the collector's way. Else each full collection
            # walks it all, a pause of ~100 ms that every request waiting then shares (p99 ~25x p50).
            if settings.gc_freeze:
                gc.collect()
                gc.freeze()
            try:
                async with federation(app, context):
                    yield
            finally:
                stop.set()
                for task in tasks:
                    await task
                if settings.outbox_worker:
                    await app.state.outbox.drain(settings.shutdown_grace_seconds)
                for source_client in source_clients:
                    await source_client.aclose()
                await context.policy.close()
                await context.audit.close()
                await context.db.dispose()
                if settings.gc_freeze:
                    gc.unfreeze()  # a process that makes several apps can collect this one

    app = FastAPI(
        title="Inbeeld gateway",
        version=API_VERSION,
        summary="Keep a child in beeld together: a minimal, pseudonymous regional case index.",
        openapi_url=None, docs_url=None, redoc_url=None,
        redirect_slashes=False, lifespan=lifespan,
    )
    app.state.context = context
    install_problem_handlers(app)
    GatewayMiddleware.install(app, settings)
    app.include_router(oauth_router)
    app.include_router(index_router)
    app.include_router(cases_router)
    app.include_router(details_router)
    app.include_router(federation_router)
    app.include_router(monitor_router)
    app.include_router(routekaart_router)
    app.include_router(consent_router)
    app.include_router(webhook_router)
    app.include_router(audit_router)
    app.include_router(portal_router)
    install_portal_handlers(app)
    app.include_router(toezicht_router)
    install_toezicht_handlers(app)
    if settings.demo_services:
        mount_demo_services(app, settings, keys)

    @app.get("/v1/health", tags=["operations"], operation_id="getHealth")
    async def health() -> dict[str, str]:
        """Liveness: the process answers (no database round trip)."""
        return {"status": "ok"}

    @app.get("/v1/ready", tags=["operations"], operation_id="getReadiness",
             responses=problem_responses(NotReady))
    async def ready(context: ContextDep) -> dict[str, str]:
        """Readiness for the load balancer: the database answers, the policy engine decides, the keys load
        (each within a second); otherwise `503 not-ready` with the failing checks."""
        return await readiness(context)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        """Prometheus scrape endpoint (route templates and status codes only; keep it on the monitoring network)."""
        body, media_type = exposition()
        return Response(body, media_type=media_type)

    @app.get("/v1/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(openapi_document(app), headers={"access-control-allow-origin": "*"})

    return app


def oidc_client_secret(settings: Settings, keys: KeyRingSource, client_id: str,
                       configured: SecretStr | None) -> str:
    if configured is not None:
        return configured.get_secret_value()
    if settings.demo_services:
        from gateway.demo.idp import demo_client_secret

        return demo_client_secret(keys.current(), client_id)
    raise ValueError(f"the OpenID Connect client {client_id} needs its secret in the settings")


def portal_client_secret(settings: Settings, keys: KeyRingSource) -> str:
    return oidc_client_secret(settings, keys, settings.portal_oidc_client_id, settings.portal_oidc_client_secret)


def demo_sources(settings: Settings, keys: KeyRingSource) -> list[SourceConfig]:
    """With the demo services on: the demo's own partner systems (an LVS and a FHIR youth-health system)."""
    if not settings.demo_services:
        return []
    from gateway.demo.idp import demo_client_secret
    from gateway.demo.sources import LVS_CLIENT, demo_source_configs

    return [SourceConfig.model_validate(c) for c in demo_source_configs(
        settings.public_url.rstrip("/"), demo_client_secret(keys.current(), LVS_CLIENT))]


def mount_demo_services(app: FastAPI, settings: Settings, keys: KeyRingSource) -> None:
    """The demo's BRP and DigiD-like login, served by the gateway itself (demo and test mode only)."""
    from gateway.core.clock import local_date
    from gateway.demo.brp import create_brp_app
    from gateway.demo.data import ORGANISATIONS
    from gateway.demo.idp import IdpClient, create_idp_app, demo_client_secret, load_or_create_key
    from gateway.demo.people import demo_people
    from gateway.demo.sources import LVS_CLIENT, create_fhir_server, create_partner_api, demo_records

    today = local_date(system_clock())
    people = demo_people(today)
    app.mount("/demo/brp", create_brp_app(people))
    base, ring = settings.public_url.rstrip("/"), keys.current()
    app.mount("/demo/lvs", create_partner_api(demo_records, clients={LVS_CLIENT: demo_client_secret(ring, LVS_CLIENT)}))
    app.mount("/demo/fhir", create_fhir_server(demo_records))
    clients = {
        settings.portal_oidc_client_id: IdpClient(demo_client_secret(ring, settings.portal_oidc_client_id),
                                                  (f"{base}/portaal/terug",)),
        settings.dashboard_oidc_client_id: IdpClient(demo_client_secret(ring, settings.dashboard_oidc_client_id),
                                                     (f"{base}/toezicht/terug",), professionals=True),
    }
    employees = {f"fg-{org.id}": {"name": f"Privacy-functionaris, {org.name}",
                                  "claims": {"organisation": org.id, "roles": ["privacy-officer"]}}
                 for org in ORGANISATIONS}
    employees["beleid-leerplicht-utrecht"] = {  # the monthly monitor, for the Leerplicht–SWV meeting
        "name": "Beleidsmedewerker leerplicht, Leerplicht gemeente (demo)",
        "claims": {"organisation": "leerplicht-utrecht", "roles": ["leerplichtambtenaar"]}}
    app.mount("/demo/idp", create_idp_app(
        issuer=f"{base}/demo/idp", clients=clients, key=load_or_create_key(settings.data_dir / "demo-idp-key.pem"),
        people=people, today=today, employees=employees))


def policy_engine(settings: Settings) -> PolicyEngine:
    if settings.policy_engine == "opa":
        return OpaServerEngine(settings.opa_url, timeout_seconds=settings.policy_timeout_seconds)
    return EmbeddedRegoEngine(settings.policy_dir)


def openapi_document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        document = app.openapi()
        document["openapi"] = "3.1.0"
        document["servers"] = [{"url": "/"}]
        document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        document["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (RFC 9068)"}}
        for path, operations in document["paths"].items():
            if path not in PUBLIC_ROUTES:
                for operation in operations.values():
                    operation["security"] = [{"bearer": []}]
        # FastAPI adds its own 422 schema; ours is the problem document.
        for name in ("HTTPValidationError", "ValidationError"):
            document["components"]["schemas"].pop(name, None)
        app.openapi_schema = document
    return app.openapi_schema


def route_inventory(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app serves, included routers flattened."""
    found: list[tuple[str, str]] = []
    pending: list[Any] = list(app.routes)
    while pending:
        route = pending.pop(0)
        included = getattr(route, "original_router", None)
        if included is not None:
            pending.extend(included.routes)
            continue
        found += [(method, route.path) for method in sorted(getattr(route, "methods", set()) - {"HEAD"})]
    return found
