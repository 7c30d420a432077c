"""The dashboard's pages. Same rules as the portal: a sealed session cookie (HttpOnly, SameSite=Lax, Secure on
https, 15 minutes idle), strict CSP, no-store; every look at the log goes through the toezicht policy and is
audited by `gateway.audit.search`."""

import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sqlalchemy import select

from gateway.audit import search
from gateway.auth.tokens import Caller
from gateway.context import AppContext
from gateway.core.clock import AMSTERDAM, local_date
from gateway.core.vocabulary import OrgType, Role
from gateway.dependencies import ConnectionDep, ContextDep, MetaDep
from gateway.monitor import service as monitor
from gateway.organisations.models import Organisation
from gateway.policy.decision import PolicyDenied
from gateway.portal.oidc import LoginFailed
from gateway.portal.pages import (
    PAGE_HEADERS,
    login_attempt,
    login_redirect,
    render,
    sealed_box,
    see_other,
    set_cookie,
    templates,
)
from gateway.portal.session import LOGIN_COOKIE, open_sealed, seal, timed_out

router = APIRouter(prefix="/toezicht", include_in_schema=False)


def _page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    return render(_templates, name, status, **values)


_templates = templates("gateway.toezicht", "%d-%m-%Y %H:%M:%S")
SESSION_COOKIE = "inbeeld_toezicht"
organisation_table = Organisation.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OfficerSession:
    subject: str
    organisation_id: str
    organisation_type: str
    logged_in_at: float
    seen_at: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    role: str = Role.privacy_officer.value
    """Privacy officers read the log; the monitor is also for leerplicht, the SWV's and the region (policy)."""

    def caller(self) -> Caller:
        return Caller(organisation_id=self.organisation_id, organisation_type=OrgType(self.organisation_type),
                      role=Role(self.role), professional=self.subject)


class NotLoggedIn(Exception):
    pass


def _current(request: Request, context: ContextDep) -> OfficerSession:
    session = open_sealed(sealed_box(context, "toezicht-session"), request.cookies.get(SESSION_COOKIE),
                          lambda raw: OfficerSession(**raw))
    now, settings = context.clock().timestamp(), context.settings
    if session is None or timed_out(session.logged_in_at, session.seen_at, now=now,
                                    idle_seconds=settings.portal_idle_minutes * 60,
                                    max_seconds=settings.portal_max_minutes * 60):
        raise NotLoggedIn
    return session


SessionDep = Annotated[OfficerSession, Depends(_current)]


def _with_session(response: Response, context: AppContext, session: OfficerSession | None) -> Response:
    if session is None:
        response.delete_cookie(SESSION_COOKIE, path="/toezicht")
    else:
        touched = replace(session, seen_at=context.clock().timestamp())
        set_cookie(response, context, SESSION_COOKIE, seal(sealed_box(context, "toezicht-session"), touched),
                   path="/toezicht")
    return response


Text = Annotated[str | None, Query(max_length=96)]


def _filters(role: str | None, professional: str | None, child_ref: str | None, about_purpose: str | None,
             basis: str | None, outcome: str | None, since: str | None, until: str | None) -> search.Filters:
    def moment(day: str | None, extra: int = 0) -> datetime | None:
        """A date from the form (empty: no limit; not a date: no limit either) as the start of that local day."""
        try:
            start = date.fromisoformat(day or "")
        except ValueError:
            return None
        return datetime.combine(start + timedelta(days=extra), time(), AMSTERDAM).astimezone(UTC)

    return search.Filters(role=role or None, professional=professional or None, child_ref=child_ref or None,
                          purpose=about_purpose or None, basis=basis or None, outcome=outcome or None,
                          since=moment(since), until=moment(until, 1))


def _chart(days: list[tuple[str, int, int]]) -> dict[str, Any]:
    """Bars per day (allowed above, refused in red on top), scaled to the busiest day."""
    top = max((a + d for _, a, d in days), default=0) or 1
    width = min(40, max(1, 600 // max(len(days), 1)))
    bars = [{"x": i * width, "day": day, "allowed": a, "denied": d, "width": max(width - 2, 1),
             "h_allowed": round(160 * a / top), "h_denied": round(160 * d / top)} for i, (day, a, d) in enumerate(days)]
    return {"bars": bars, "top": top, "width": 600}


@router.get("")
async def dashboard(
    request: Request, conn: ConnectionDep, context: ContextDep, meta: MetaDep,
    role: Text = None, professional: Text = None, child_ref: Text = None, about_purpose: Text = None,
    basis: Text = None, outcome: Text = None, since: Text = None, until: Text = None,
) -> Response:
    try:
        session = _current(request, context)
    except NotLoggedIn:
        return _page("start.html", available=context.dashboard_oidc is not None)
    filters = _filters(role, professional, child_ref, about_purpose, basis, outcome, since, until)
    try:
        page = await search.search(conn, context=context, caller=session.caller(), meta=meta, filters=filters,
                                   limit=100, before=None)
        activity = await search.activity(conn, context=context, caller=session.caller(), meta=meta,
                                         filters=filters, days=30)
    except PolicyDenied as denied:
        return _page("error.html", 403, message="U mag het logboek niet inzien: " + ", ".join(
            denied.extra.get("reasons", [])), session=session)
    query = request.url.query
    return _with_session(_page("dashboard.html", session=session, page=page, chart=_chart(activity), query=query,
                               values={"role": role, "professional": professional, "child_ref": child_ref,
                                       "about_purpose": about_purpose, "basis": basis, "outcome": outcome,
                                       "since": since, "until": until}), context, session)


@router.get("/monitor")
async def monitor_page(session: SessionDep, conn: ConnectionDep, context: ContextDep, meta: MetaDep,
                       month: Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None) -> Response:
    """The monthly monitor with its trend, as the API gives it (suppressed), for the regional meetings."""
    first = date.fromisoformat(f"{month}-01") if month else local_date(context.clock()).replace(day=1)
    try:
        report = await monitor.monthly_report(conn, context=context, caller=session.caller(), meta=meta,
                                              month=first)
    except PolicyDenied:
        return _page("error.html", 403, message="U mag de monitor niet inzien.", session=session)
    return _with_session(_page("monitor.html", session=session, report=report, chart=_trend_chart(report)),
                         context, session)


def _trend_chart(report: monitor.Report) -> dict[str, Any]:
    """Open cases at the end of each month; a suppressed month is drawn as a gap with a mark."""
    top = max((m.open or 0 for m in report.trend), default=0) or 1
    width = 600 // max(len(report.trend), 1)
    bars = [{"x": i * width, "width": width - 6, "month": m.month, "open": m.open,
             "height": round(160 * (m.open or 0) / top)} for i, m in enumerate(report.trend)]
    return {"bars": bars, "top": top, "width": width * len(bars)}


@router.get("/export.csv")
async def export_csv(request: Request, session: SessionDep, conn: ConnectionDep, context: ContextDep, meta: MetaDep,
                     role: Text = None, professional: Text = None, child_ref: Text = None,
                     about_purpose: Text = None, basis: Text = None, outcome: Text = None,
                     since: Text = None, until: Text = None) -> Response:
    body = await search.export_csv(conn, context=context, caller=session.caller(), meta=meta, filters=_filters(
        role, professional, child_ref, about_purpose, basis, outcome, since, until))
    return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers={
        **PAGE_HEADERS, "content-disposition": 'attachment; filename="logboek.csv"'})


@router.get("/export.json")
async def export_json(request: Request, session: SessionDep, conn: ConnectionDep, context: ContextDep,
                      meta: MetaDep, role: Text = None, professional: Text = None, child_ref: Text = None,
                      about_purpose: Text = None, basis: Text = None, outcome: Text = None,
                      since: Text = None, until: Text = None) -> Response:
    page = await search.search(conn, context=context, caller=session.caller(), meta=meta, limit=1000, before=None,
                               filters=_filters(role, professional, child_ref, about_purpose, basis, outcome, since,
                                                until))
    return Response(page.model_dump_json(), media_type="application/json", headers={
        **PAGE_HEADERS, "content-disposition": 'attachment; filename="logboek.json"'})


@router.get("/inloggen")
async def start_login(context: ContextDep) -> Response:
    if context.dashboard_oidc is None:
        return _page("error.html", 503, message="Inloggen kan hier nog niet: er is geen inlogdienst ingesteld.")
    try:
        return await login_redirect(context, context.dashboard_oidc, path="/toezicht")
    except LoginFailed:
        return _page("error.html", 503, message="De inlogdienst is nu niet bereikbaar.")


@router.get("/terug")
async def finish_login(request: Request, conn: ConnectionDep, context: ContextDep, code: str = "", state: str = "",
                       error: str = "") -> Response:
    now = context.clock().timestamp()
    attempt = login_attempt(request, context, path="/toezicht")
    failed = _page("error.html", 400, message="Inloggen is niet gelukt. Probeer het opnieuw.")
    if error or attempt is None or not code or state != attempt.state or context.dashboard_oidc is None:
        return failed
    try:
        claims = await context.dashboard_oidc.claims(code=code, attempt=attempt)
    except LoginFailed:
        return failed
    organisation = str(claims.get("organisation", ""))
    kind = await conn.scalar(select(organisation_table.c.type).where(organisation_table.c.id == organisation))
    roles = [r for r in claims.get("roles", []) if r in set(Role)]
    if kind is None or not roles:
        return _page("error.html", 403, message="Dit dashboard is voor medewerkers van een aangesloten organisatie.")
    role = Role.privacy_officer.value if Role.privacy_officer.value in roles else roles[0]
    session = OfficerSession(str(claims["sub"])[:64], organisation, str(kind), now, now, role=role)
    response = _with_session(see_other("/toezicht" if role == Role.privacy_officer else "/toezicht/monitor"),
                             context, session)
    response.delete_cookie(LOGIN_COOKIE, path="/toezicht")
    return response


@router.post("/uitloggen")
async def logout(context: ContextDep) -> Response:
    return _with_session(_page("logged_out.html"), context, None)


def install_toezicht_handlers(app: Any) -> None:
    async def not_logged_in(request: Request, exc: Exception) -> Response:
        response = see_other("/toezicht")
        response.delete_cookie(SESSION_COOKIE, path="/toezicht")
        return response

    app.add_exception_handler(NotLoggedIn, not_logged_in)

