"""What the parent portal and the privacy officer's dashboard share: autoescaped Jinja2 pages sent with strict
headers, state sealed into cookies, and redirects after a form."""

from typing import Any

from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from gateway.context import AppContext
from gateway.core.clock import AMSTERDAM
from gateway.core.crypto import SealedBox

from . import labels

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
