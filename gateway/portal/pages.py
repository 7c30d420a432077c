"""What the parent portal and the privacy officer's dashboard share: autoescaped Jinja2 pages sent with strict
headers, state sealed into cookies, and redirects after a form."""

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.context import AppContext
from gateway.core.clock import AMSTERDAM
from gateway.core.crypto import SealedBox

from . import labels
from .oidc import OidcClient
from .session import LOGIN_COOKIE, LoginAttempt, open_login, seal

PAGE_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    # same-origin, not no-referrer: with no-referrer Chromium sends `Origin: null` on form posts.
    "cache-control": "no-store", "referrer-policy": "same-origin", "x-content-type-options": "nosniff",
}


def templates(package: str, time_format: str = "%d-%m-%Y %H:%M") -> Environment:
    env = Environment(loader=PackageLoader(package), autoescape=select_autoescape())
    env.globals.update(labels=labels, basis=labels.basis)
    env.filters["local"] = lambda moment: moment.astimezone(AMSTERDAM).strftime(time_format)
    return env


def render(env: Environment, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    return HTMLResponse(env.get_template(name).render(**values), status_code=status, headers=PAGE_HEADERS)


def sealed_box(context: AppContext, purpose: str) -> SealedBox:
    return SealedBox(context.keys.current().child_ref, purpose)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"cache-control": "no-store"})


def set_cookie(response: Response, context: AppContext, name: str, value: str, *, path: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, secure=context.settings.secure_cookies,
                        httponly=True, samesite="lax")


async def login_redirect(context: AppContext, client: OidcClient, *, path: str) -> Response:
    """Send the browser to the identity provider, keeping state, nonce and PKCE verifier in a sealed cookie that
    only `path` receives. `LoginFailed` when the provider cannot be reached."""
    url, attempt = await client.start(context.clock().timestamp())
    response = see_other(url)
    set_cookie(response, context, LOGIN_COOKIE, seal(sealed_box(context, f"login{path}"), attempt), path=path,
               max_age=300)
    return response


def login_attempt(request: Request, context: AppContext, *, path: str) -> LoginAttempt | None:
    """The login this browser started at `path`, if it is still fresh."""
    return open_login(sealed_box(context, f"login{path}"), request.cookies.get(LOGIN_COOKIE),
                      now=context.clock().timestamp())
