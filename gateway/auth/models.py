"""OAuth clients (one per partner organisation, public keys only) and the client assertions already used."""

from datetime import datetime

from sqlalchemy import Text
from sqlmodel import Field, SQLModel

from gateway.core.db import UtcDateTime


class OAuthClient(SQLModel, table=True):
    __tablename__ = "oauth_client"

    id: str = Field(primary_key=True, foreign_key="organisation.id", max_length=64,
                    description="client_id: the organisation's id (one client per organisation)")
    jwks: str = Field(sa_type=Text, description="The client's public keys (JWKS); rotation adds a key")
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    created_at: datetime = Field(sa_type=UtcDateTime)


class UsedAssertion(SQLModel, table=True):
    """RFC 7523 §3: a `jti` is accepted once while its assertion lives. So is a peer region's request id
    (`client_id` is then `peer:<region>`), while its signature's timestamp is within tolerance."""

    __tablename__ = "used_assertion"

    jti_hash: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(max_length=64)
    expires_at: datetime = Field(sa_type=UtcDateTime, index=True)
