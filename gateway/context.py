"""What a request needs from the app besides its database connection: settings, keys, policy, clock."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.protocols import PersonRegistry
from gateway.audit.writer import AuditWriter
from gateway.auth.revocation import RevokedClients
from gateway.auth.tokens import VerifiedTokens
from gateway.core.clock import Clock, system_clock
from gateway.core.crypto import ChildRefCipher, KeyRing
from gateway.core.db import Database
from gateway.core.keys import KeyRingSource
from gateway.core.ratelimit import RateLimiter
from gateway.core.settings import Settings
from gateway.policy.engine import PolicyEngine
from gateway.portal.oidc import OidcClient
from gateway.pseudonyms.service import Pseudonymiser

if TYPE_CHECKING:
    from gateway.details.sources import Source


@dataclass
class AppContext:
    settings: Settings
    db: Database
    keys: KeyRingSource
    pseudonymiser: Pseudonymiser
    policy: PolicyEngine
    clock: Clock = system_clock
    tokens: VerifiedTokens = field(default_factory=VerifiedTokens)
    revoked: RevokedClients = field(default_factory=lambda: RevokedClients(1.0))
    rate_limits: RateLimiter = field(default_factory=lambda: RateLimiter(per_minute=0, burst=1))
    persons: PersonRegistry | None = None
    """The BRP (age and gezag for consent); None when not configured."""
    oidc: OidcClient | None = None
    """The parent portal's login; None when no provider is configured."""
    dashboard_oidc: OidcClient | None = None
    """The privacy officers' login to the dashboard."""
    sources: dict[str, "Source"] = field(default_factory=dict)
    """Partner systems asked live for details, by source id."""
    _refs: tuple[KeyRing, ChildRefCipher] | None = field(default=None, repr=False)
    audit: AuditWriter = field(init=False, repr=False)
    """Appends the records of requests that change nothing else (group commit)."""

    def __post_init__(self) -> None:
        self.audit = AuditWriter(self.db)

    def child_refs(self) -> ChildRefCipher:
        ring = self.keys.current()
        if self._refs is None or self._refs[0] is not ring:
            self._refs = (ring, ChildRefCipher(ring.child_ref))
        return self._refs[1]


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Request facts for the audit record."""

    request_id: str
    client: str
    trace_id: str = ""
    """W3C trace context: the caller's trace (or a new one) and this request's span."""
    span_id: str = ""
