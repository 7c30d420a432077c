from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from gateway.core.db import UtcDateTime
from gateway.core.vocabulary import OrgType


class OrganisationBase(SQLModel):
    id: str = Field(primary_key=True, max_length=64, regex=r"^[a-z0-9][a-z0-9-]{1,63}$")
    name: str = Field(max_length=200)
    type: OrgType = Field(sa_type=String(16))
    identifier: str = Field(max_length=32, description="OIN or BRIN")
    region: str = Field(max_length=64, index=True)
    contact_point: str = Field(max_length=200, description="Functional contact point, never a person")
    gemeente: str | None = Field(default=None, max_length=64, description="For the monitor: where it works")
    school_type: str | None = Field(default=None, max_length=16, description="Schools: po, so, vo, vso or mbo")


class Organisation(OrganisationBase, table=True):
    webhook_url: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(sa_type=UtcDateTime)
