"""Portal sessions live in a sealed cookie (AES-GCM; the browser can neither read nor change it), so replicas
stay stateless and no BSN reaches the database: the BSNs of the person and their children exist only inside
the cookie and in memory while a request runs. Idle timeout 15 minutes, at most 2 hours from login."""

import json
import secrets
from dataclasses import asdict, dataclass, field, replace
from datetime import date

from consent.rules import age_on as _years
from gateway.core.crypto import CryptoError, SealedBox

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


def seal_session(box: SealedBox, session: PortalSession) -> str:
    return box.seal(json.dumps(asdict(session)).encode())


def open_session(box: SealedBox, cookie: str | None, *, now: float, idle_seconds: float,
                 max_seconds: float) -> PortalSession | None:
    """The session in the cookie, or None when absent, forged or timed out."""
    if not cookie:
        return None
    try:
        raw = json.loads(box.open(cookie))
        session = PortalSession(**{**raw, "children": tuple(PortalChild(**c) for c in raw["children"])})
    except (CryptoError, ValueError, TypeError, KeyError):
        return None
    if now - session.seen_at > idle_seconds or now - session.logged_in_at > max_seconds:
        return None
    return session


def seal_login(box: SealedBox, attempt: LoginAttempt) -> str:
    return box.seal(json.dumps(asdict(attempt)).encode())


def open_login(box: SealedBox, cookie: str | None, *, now: float) -> LoginAttempt | None:
    if not cookie:
        return None
    try:
        attempt = LoginAttempt(**json.loads(box.open(cookie)))
    except (CryptoError, ValueError, TypeError):
        return None
    return attempt if now - attempt.started_at <= 300 else None


def age_on(birth_date: str | None, today: date) -> int | None:
    return None if birth_date is None else _years(date.fromisoformat(birth_date), today)
