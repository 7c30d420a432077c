"""The partner systems this gateway may ask live (`INBEELD_SOURCES_JSON`, or `sources.json` in the data
directory; the demo configures its own): which organisation owns each, what kind of system, which categories."""

import json
from dataclasses import dataclass
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter

from adapters.fhir.client import FhirSource
from adapters.partner_api.client import AsyncOAuth2Client, PartnerApiSource
from adapters.protocols import DetailSource
from adapters.transport import AiohttpTransport
from gateway.core.settings import Settings

BASIC_AUTH = "client_secret_basic"  # how the gateway authenticates at a token endpoint


class SourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    organisation: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    kind: Literal["partner-api", "fhir"]
    base_url: str
    categories: list[str]
    timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    token_url: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None


@dataclass(frozen=True)
class Source:
    config: SourceConfig
    client: DetailSource


def source_configs(settings: Settings) -> list[SourceConfig]:
    raw = settings.sources_json.get_secret_value() if settings.sources_json else None
    if raw is None and (settings.data_dir / "sources.json").exists():
        raw = (settings.data_dir / "sources.json").read_text()
    return TypeAdapter(list[SourceConfig]).validate_python(json.loads(raw)) if raw else []


def open_sources(configs: list[SourceConfig]) -> tuple[dict[str, Source], list[httpx.AsyncClient]]:
    """One client per source that needs its own OAuth2 token; the others share one. Returns the sources and the
    clients to close at shutdown."""
    shared = httpx.AsyncClient(transport=AiohttpTransport())
    sources, owned = {}, [shared]
    for config in configs:
        http = shared
        if config.token_url:
            secret = config.client_secret.get_secret_value() if config.client_secret else None
            http = AsyncOAuth2Client(client_id=config.client_id, client_secret=secret, token_endpoint=config.token_url,
                                     grant_type="client_credentials", token_endpoint_auth_method=BASIC_AUTH,
                                     transport=AiohttpTransport())
            owned.append(http)
        if config.kind == "partner-api":
            if not isinstance(http, AsyncOAuth2Client):
                raise ValueError(f"source {config.id}: a partner API needs token_url, client_id and client_secret")
            client: DetailSource = PartnerApiSource(http, source=config.id, base_url=config.base_url,
                                                    timeout_seconds=config.timeout_seconds)
        else:
            client = FhirSource(http, source=config.id, base_url=config.base_url,
                                timeout_seconds=config.timeout_seconds)
        sources[config.id] = Source(config, client)
    return sources, owned
