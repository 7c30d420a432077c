"""One settings class, read from `INBEELD_*` environment variables (and `.env`)."""

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    production = "production"
    development = "development"
    demo = "demo"
    test = "test"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INBEELD_", env_file=".env", extra="ignore")

    mode: Mode = Mode.production
    region: str = "utrecht"
    data_dir: Path = Path("var")
    database_url: str = ""
    """Empty: a SQLite file in `data_dir`. PostgreSQL: `postgresql+psycopg://user@host/db` (requests use asyncpg on
    the same URL, `db.asyncpg_url`)."""
    keys_json: SecretStr | None = None
    """The key ring as JSON (production: from a secret store). Empty: `data_dir/keys.json`."""
    public_url: str = "http://127.0.0.1:8000"
    outbox_poll_seconds: float = 1.0
    outbox_max_attempts: int = 12
    outbox_retry_base_seconds: float = 5.0
    outbox_lease_seconds: float = 60.0
    """How long a claimed message stays with the replica delivering it. A pass claims no more messages than it can
    try within it (each try takes at most `webhook_timeout_seconds`, and a commit). A replica killed mid-delivery
    delays that message this long."""
    outbox_worker: bool = True
    shutdown_grace_seconds: float = 10.0
    """On SIGTERM: how long requests in flight may take to finish, then how long the outbox may take to deliver
    what is due. Together under the orchestrator's kill deadline (Kubernetes: 30 s)."""
    webhook_timeout_seconds: float = 5.0
    max_body_bytes: int = 64 * 1024
    max_batch_body_bytes: int = 512 * 1024
    """For the batch routes (500 items of at most some 400 bytes each)."""
    max_header_bytes: int = 16 * 1024
    """All request headers together; more gets 431."""
    request_deadline_seconds: float = 30.0
    """A request not answered within this gets a 503 and is cancelled (its transaction rolled back): a database
    that hangs mid-query must not hold a client, or a connection, for ever."""
    rate_limit_per_minute: int = 600
    """Requests per organisation per minute, in each replica (0: no limit); above it 429 with Retry-After."""
    rate_limit_burst: int = 120
    policy_engine: Literal["embedded", "opa"] = "embedded"
    opa_url: str = "http://127.0.0.1:8181"
    policy_timeout_seconds: float = 0.5
    """A decision not made in time is a deny (503)."""
    brp_url: str = ""
    """Haal Centraal BRP personen API base URL (consent checks age and gezag there); empty: not configured."""
    brp_timeout_seconds: float = 5.0
    demo_services: bool = False
    """Serve the demo's BRP (`/demo/brp`) and DigiD-like login (`/demo/idp`); never in production."""
    portal_oidc_issuer: str = ""
    """The parent portal's OpenID Connect provider (DigiD through a broker). Empty: the demo provider when
    `demo_services` is on, else the portal is off."""
    portal_oidc_client_id: str = "inbeeld-portaal"
    portal_oidc_client_secret: SecretStr | None = None
    dashboard_oidc_issuer: str = ""
    """The privacy officers' login (an organisation's identity provider or eHerkenning broker; ID tokens carry
    `organisation` and `roles`). Empty: the demo provider when `demo_services` is on, else the dashboard is off."""
    dashboard_oidc_client_id: str = "inbeeld-toezicht"
    dashboard_oidc_client_secret: SecretStr | None = None
    portal_idle_minutes: float = 15
    portal_max_minutes: float = 120
    retention_involvement_years: int = 2
    """An involvement signal is removed this long after it ended."""
    retention_age: int = 23
    """A child leaves the index at this birthday (when a partner gave the birth date)."""
    retention_audit_years: int = 5
    """Audit records are kept at least this long; then their content is emptied (hashes stay)."""
    audit_checkpointer: bool = True
    """Sign checkpoints in this process (every replica may; they sign each size once)."""
    audit_checkpoint_records: int = 1000
    audit_checkpoint_seconds: float = 10.0
    """A signed checkpoint every so many records or seconds (whichever comes first), if there are new ones."""
    sources_json: SecretStr | None = None
    """The partner systems to ask for live details (a JSON list; see `gateway.details.sources`). Empty:
    `data_dir/sources.json` if it exists (the demo writes its own)."""
    details_deadline_seconds: float = 3.0
    """A detail query answers within this, with what came; slower sources are marked unavailable."""
    federation_peers_json: str = ""
    """Gateways of neighbouring regions: a JSON list of {"region", "url", "jwks"} (their request-signing keys)."""
    federation_port: int | None = None
    """Serve the peers' endpoint on this port, mutual TLS only (one listener per host)."""
    federation_host: str = "127.0.0.1"
    federation_cert_file: Path | None = None
    """This gateway's certificate and key (PKIoverheid in production), for both directions."""
    federation_key_file: Path | None = None
    federation_ca_file: Path | None = None
    """The CA(s) whose certificates peers must present."""
    federation_crl_file: Path | None = None
    """Revoked peer certificates (a CRL in PEM); checked for every peer, both directions."""
    federation_timeout_seconds: float = 2.0
    """A peer that has not answered by then is reported unavailable."""
    case_watcher: bool = True
    """Watch the thuiszitter clocks in this process (announce started and overdue steps)."""
    case_watch_seconds: float = 60.0
    monitor_min_count: int = 5
    """The monthly monitor suppresses counts below this (and enough others that none can be worked out)."""
    revocation_refresh_seconds: float = 1.0
    """How stale a replica's list of revoked clients may be."""
    gc_freeze: bool = True
    """Keep what start-up made out of the garbage collector's full passes (see `gateway.app`). Off in the test suite:
    it starts hundreds of apps in one process, and each freeze begins with a full collection."""
    policy_dir: Path = Path(__file__).resolve().parents[2] / "policies"

    @model_validator(mode="after")
    def _production_needs_explicit_secrets(self) -> "Settings":
        if self.mode is Mode.production and self.keys_json is None and not self.key_file.exists():
            raise ValueError(
                "no key ring: set INBEELD_KEYS_JSON or create one with `inbeeld keys init` "
                "(generated keys are only made automatically in demo, development and test mode)"
            )
        if self.mode is Mode.production and self.demo_services:
            raise ValueError("INBEELD_DEMO_SERVICES (a fake BRP and DigiD) cannot run in production")
        if self.mode is Mode.production and not self.public_url.startswith("https://"):
            raise ValueError("INBEELD_PUBLIC_URL must be https in production (it is the token issuer)")
        return self

    @property
    def relaxed(self) -> bool:
        """Demo, development and test allow http webhooks to loopback and self-made keys."""
        return self.mode is not Mode.production

    @property
    def key_file(self) -> Path:
        return self.data_dir / "keys.json"

    @cached_property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'inbeeld.db'}"

    @property
    def effective_brp_url(self) -> str:
        return self.brp_url or (f"{self.public_url.rstrip('/')}/demo/brp" if self.demo_services else "")

    @property
    def effective_oidc_issuer(self) -> str:
        return self.portal_oidc_issuer or (f"{self.public_url.rstrip('/')}/demo/idp" if self.demo_services else "")

    @property
    def effective_dashboard_issuer(self) -> str:
        return self.dashboard_oidc_issuer or (f"{self.public_url.rstrip('/')}/demo/idp" if self.demo_services else "")

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def token_audience(self) -> str:
        return self.public_url.rstrip("/") + "/v1"
