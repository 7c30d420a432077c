from datetime import datetime

from sqlmodel import Field, SQLModel

from gateway.core.db import UtcDateTime


class PortalVisit(SQLModel, table=True):
    """When a person last opened the portal, so it can tell them which partners reported since (pseudonym
    only, as in the consent record)."""

    __tablename__ = "portal_visit"

    person: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = Field(sa_type=UtcDateTime)
