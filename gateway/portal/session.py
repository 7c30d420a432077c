"""Portal sessions live in a sealed cookie (AES-GCM; the browser can neither read nor change it), so replicas
stay stateless and no BSN reaches the database: the BSNs of the person and their children exist only inside
the cookie and in memory while a request runs. Idle timeout 15 minutes, at most 2 hours from login."""

import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any, TypeVar

from consent.rules import age_on as _years
from gateway.core.crypto import CryptoError, SealedBox

T = TypeVar("T")
SESSION_COOKIE = "inbeeld_portaal"
LOGIN_COOKIE = "inbeeld_portaal_login"


@dataclass(frozen=True)
class PortalChild:
    bsn: str
    given_name: str
    birth_date: str | None


@dataclass(frozen=True)
class PortalSession:
    bsn: str
    given_name: str
    relation: str
    """`custodian` (parent or guardian with gezag) or `child` (12 and over, about themselves)."""
    children: tuple[PortalChild, ...]
    logged_in_at: float
    seen_at: float
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    previous_visit: float | None = None

    def child(self, number: int) -> PortalChild | None:
        return self.children[number] if 0 <= number < len(self.children) else None

    def touched(self, now: float) -> "PortalSession":
        return replace(self, seen_at=now)


@dataclass(frozen=True)
class LoginAttempt:
    """What the callback must match: state, nonce and the PKCE verifier, for five minutes."""

    state: str
    nonce: str
    verifier: str
    started_at: float


def seal(box: SealedBox, state: Any) -> str:
    """A session dataclass, sealed for a cookie."""
    return box.seal(json.dumps(asdict(state)).encode())


def open_sealed(box: SealedBox, cookie: str | None, build: Callable[[dict[str, Any]], T]) -> T | None:
    """What `seal` sealed, or None when the cookie is absent, forged or from before a key change."""
    if not cookie:
        return None
    try:
        return build(json.loads(box.open(cookie)))
    except (CryptoError, ValueError, TypeError, KeyError):
        return None


def timed_out(logged_in_at: float, seen_at: float, *, now: float, idle_seconds: float, max_seconds: float) -> bool:
    return now - seen_at > idle_seconds or now - logged_in_at > max_seconds


def open_session(box: SealedBox, cookie: str | None, *, now: float, idle_seconds: float,
                 max_seconds: float) -> PortalSession | None:
    """The session in the cookie, or None when absent, forged or timed out."""
    session = open_sealed(box, cookie, lambda raw: PortalSession(
        **{**raw, "children": tuple(PortalChild(**c) for c in raw["children"])}))
    if session is None or timed_out(session.logged_in_at, session.seen_at, now=now, idle_seconds=idle_seconds,
                                    max_seconds=max_seconds):
        return None
    return session


def open_login(box: SealedBox, cookie: str | None, *, now: float) -> LoginAttempt | None:
    attempt = open_sealed(box, cookie, lambda raw: LoginAttempt(**raw))
    return attempt if attempt is not None and now - attempt.started_at <= 300 else None


def age_on(birth_date: str | None, today: date) -> int | None:
    return None if birth_date is None else _years(date.fromisoformat(birth_date), today)
