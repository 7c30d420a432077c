"""The portal's pages. Every page needs a session (else: the start page); every form carries the session's
CSRF token and must come from this site; cookies are HttpOnly, SameSite=Lax, Secure on https."""

from datetime import date, timedelta
from importlib.resources import files
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gateway.context import AppContext
from gateway.core.clock import local_date
from gateway.dependencies import ConnectionDep, ContextDep, MetaDep

from . import service
from .oidc import LoginFailed
from .pages import PAGE_HEADERS, login_attempt, login_redirect, render, sealed_box, see_other, set_cookie, templates
from .session import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    PortalSession,
    open_session,
    seal,
)

router = APIRouter(prefix="/portaal", include_in_schema=False)


def _page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    return render(_templates, name, status, **values)


_templates = templates("gateway.portal")
_CSS = files("gateway.portal").joinpath("static/portal.css").read_text()


class NotLoggedIn(Exception):
    pass


class BadForm(Exception):
    pass


def _current_session(request: Request, context: ContextDep) -> PortalSession:
    settings = context.settings
    session = open_session(sealed_box(context, "portal-session"), request.cookies.get(SESSION_COOKIE),
                           now=context.clock().timestamp(), idle_seconds=settings.portal_idle_minutes * 60,
                           max_seconds=settings.portal_max_minutes * 60)
    if session is None:
        raise NotLoggedIn
    return session


SessionDep = Annotated[PortalSession, Depends(_current_session)]
"""Resolved before the form is validated: without a session, back to the start page."""


def _check_form(request: Request, context: AppContext, session: PortalSession, csrf: str) -> None:
    """The form must carry this session's token and, when the browser says where it comes from, this site."""
    origin = request.headers.get("origin")
    site = context.settings.public_url.rstrip("/")
    if csrf != session.csrf or (origin is not None and origin != site):
        raise BadForm


def _form_date(value: str) -> date:
    """Form fields are checked here so a parent gets a page, not an API problem document."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise service.PortalFormInvalid("Vul een geldige datum in (dag-maand-jaar).") from None


def _form_decision(value: str) -> str:
    if value not in ("give", "refuse"):
        raise service.PortalFormInvalid("Kies of u toestemming geeft of weigert.")
    return value


def _with_session(response: Response, context: AppContext, session: PortalSession | None) -> Response:
    if session is None:
        response.delete_cookie(SESSION_COOKIE, path="/portaal", secure=context.settings.secure_cookies,
                               httponly=True, samesite="lax")
    else:
        set_cookie(response, context, SESSION_COOKIE, seal(sealed_box(context, "portal-session"),
                                                           session.touched(context.clock().timestamp())),
                   path="/portaal")
    return response


@router.get("/static/portal.css")
async def stylesheet() -> Response:
    return Response(_CSS, media_type="text/css", headers={"cache-control": "max-age=3600"})


@router.get("")
async def home(request: Request, conn: ConnectionDep, context: ContextDep, meta: MetaDep) -> Response:
    try:
        session = _current_session(request, context)
    except NotLoggedIn:
        return _page("start.html", available=context.oidc is not None)
    since = service.previous_visit(session)
    children = await service.overview(conn, context, session, meta, since)
    return _with_session(_page("children.html", session=session, children=children), context, session)


@router.get("/inloggen")
async def start_login(context: ContextDep) -> Response:
    if context.oidc is None:
        return _page("error.html", 503, message="Inloggen kan hier nog niet: er is geen DigiD-koppeling ingesteld.")
    try:
        return await login_redirect(context, context.oidc, path="/portaal")
    except LoginFailed:
        return _page("error.html", 503, message="DigiD is nu niet bereikbaar. Probeer het later nog eens.")


@router.get("/terug")
async def finish_login(request: Request, conn: ConnectionDep, context: ContextDep, meta: MetaDep,
                       code: str = "", state: str = "", error: str = "") -> Response:
    now = context.clock()
    attempt = login_attempt(request, context, path="/portaal")
    failed = _page("error.html", 400, message="Inloggen is niet gelukt. Probeer het opnieuw.", retry=True)
    failed.delete_cookie(LOGIN_COOKIE, path="/portaal")
    if error or attempt is None or not code or state != attempt.state or context.oidc is None:
        return failed
    try:
        bsn = await context.oidc.finish(code=code, attempt=attempt)
    except LoginFailed:
        return failed
    if context.persons is None:
        return _page("error.html", 503, message="Wij kunnen nu niet nagaan bij welke kinderen u hoort.")
    try:
        session = await service.login(context, context.persons, bsn, now)
    except service.NothingToShow:
        return _page("error.html", 200, message="Wij vinden in de BRP geen kinderen onder uw gezag. Vanaf 12 jaar "
                                                "kunnen kinderen hier ook zelf inloggen.")
    except service.RegistryFailed:
        return _page("error.html", 503, message="De BRP is nu niet bereikbaar. Probeer het later nog eens.")
    previous = await service.record_visit(conn, context, session, meta, now)
    session = service.with_previous_visit(session, previous)
    response = _with_session(see_other("/portaal"), context, session)
    response.delete_cookie(LOGIN_COOKIE, path="/portaal")
    return response


@router.post("/uitloggen")
async def logout(context: ContextDep) -> Response:
    """Always allowed: a forged logout can only end a session."""
    return _with_session(_page("logged_out.html"), context, None)


@router.get("/kind/{number}")
async def child(request: Request, session: SessionDep, number: int, conn: ConnectionDep, context: ContextDep,
                meta: MetaDep, gedaan: str = "") -> Response:
    page = await service.child_page(conn, context, context.persons, session, meta, number)
    return _with_session(_page("child.html", session=session, page=page, done=gedaan), context, session)


@router.get("/kind/{number}/toestemming/nieuw")
async def consent_form(request: Request, session: SessionDep, number: int, conn: ConnectionDep, context: ContextDep,
                       meta: MetaDep) -> Response:
    page = await service.child_page(conn, context, None, session, meta, number)
    return _with_session(_page("consent_new.html", session=session, page=page,
                               default_until=(local_date(context.clock()) + timedelta(days=365)).isoformat()),
                         context, session)


@router.post("/kind/{number}/toestemming/controleren")
async def consent_check(
    request: Request, session: SessionDep, number: int, conn: ConnectionDep, context: ContextDep, meta: MetaDep,
    purpose: Annotated[str, Form(max_length=40)], recipient: Annotated[str, Form(max_length=64)],
    valid_until: Annotated[str, Form(max_length=10)], csrf: Annotated[str, Form()] = "",
) -> Response:
    _check_form(request, context, session, csrf)
    page = await service.child_page(conn, context, None, session, meta, number)
    return _with_session(_page("consent_check.html", session=session, page=page, purpose=purpose,
                               recipient=recipient, valid_until=_form_date(valid_until)), context, session)


@router.post("/kind/{number}/toestemming")
async def consent_give(
    request: Request, session: SessionDep, number: int, conn: ConnectionDep, context: ContextDep, meta: MetaDep,
    purpose: Annotated[str, Form(max_length=40)], recipient: Annotated[str, Form(max_length=64)],
    valid_until: Annotated[str, Form(max_length=10)], decision: Annotated[str, Form(max_length=10)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _check_form(request, context, session, csrf)
    row = await service.give(conn, context, context.persons, session, meta, number=number, purpose=purpose,
                             recipient=recipient, valid_until=_form_date(valid_until),
                             refuse=_form_decision(decision) == "refuse")
    return _with_session(see_other(f"/portaal/kind/{number}?gedaan={row.status}"), context, session)


@router.post("/kind/{number}/toestemming/{consent_id}/reactie")
async def consent_respond(
    request: Request, session: SessionDep, number: int, consent_id: UUID, conn: ConnectionDep, context: ContextDep,
    meta: MetaDep, decision: Annotated[str, Form(max_length=10)], csrf: Annotated[str, Form()] = "",
) -> Response:
    _check_form(request, context, session, csrf)
    await service.respond(conn, context, context.persons, session, meta, number=number, consent_id=consent_id,
                          agree=_form_decision(decision) == "give")
    return _with_session(see_other(f"/portaal/kind/{number}?gedaan={'bevestigd' if decision == 'give' else 'refused'}"),
                         context, session)


@router.get("/kind/{number}/toestemming/{consent_id}/intrekken")
async def withdraw_check(request: Request, session: SessionDep, number: int, consent_id: UUID, conn: ConnectionDep,
                         context: ContextDep, meta: MetaDep) -> Response:
    page = await service.child_page(conn, context, None, session, meta, number)
    consent = next((c for c in page.consents if c.row.id == consent_id and c.can_withdraw), None)
    if consent is None:
        raise service.PortalActionRefused("Deze toestemming kunt u niet intrekken.")
    return _with_session(_page("consent_withdraw.html", session=session, page=page, consent=consent),
                         context, session)


@router.post("/kind/{number}/toestemming/{consent_id}/intrekken")
async def withdraw(request: Request, session: SessionDep, number: int, consent_id: UUID, conn: ConnectionDep,
                   context: ContextDep, meta: MetaDep, csrf: Annotated[str, Form()] = "") -> Response:
    _check_form(request, context, session, csrf)
    await service.withdraw(conn, context, session, meta, number=number, consent_id=consent_id)
    return _with_session(see_other(f"/portaal/kind/{number}?gedaan=withdrawn"), context, session)


@router.get("/kind/{number}/toestemming/{consent_id}/bewijs")
async def receipt_download(request: Request, session: SessionDep, number: int, consent_id: UUID, conn: ConnectionDep,
                           context: ContextDep, meta: MetaDep) -> Response:
    documents = await service.receipts(conn, context, session, meta, number=number, consent_id=consent_id)
    return JSONResponse(documents, headers={
        **PAGE_HEADERS, "content-disposition": f'attachment; filename="toestemming-{consent_id}-bewijs.json"'})


def install_portal_handlers(app: Any) -> None:
    """Portal errors are pages, not problem documents."""

    async def not_logged_in(request: Request, exc: Exception) -> Response:
        response = see_other("/portaal")
        response.delete_cookie(SESSION_COOKIE, path="/portaal")
        return response

    async def bad_form(request: Request, exc: Exception) -> Response:
        return _page("error.html", 403, message="Dit formulier is verlopen of komt niet van deze website. "
                                                "Ga terug en probeer het opnieuw.", retry=False)

    async def refused(request: Request, exc: Exception) -> Response:
        return _page("error.html", getattr(exc, "status", 403), message=str(exc), retry=False)

    app.add_exception_handler(NotLoggedIn, not_logged_in)
    app.add_exception_handler(BadForm, bad_form)
    app.add_exception_handler(service.PortalActionRefused, refused)
