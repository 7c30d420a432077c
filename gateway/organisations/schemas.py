from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gateway.core.vocabulary import OrgType, PlainText


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    name: PlainText = Field(min_length=1, max_length=200)
    type: OrgType
    identifier: str = Field(pattern=r"^[0-9A-Z]{4,20}$", description="OIN (20 digits) or BRIN (4 characters)")
    region: str = Field(pattern=r"^[a-z0-9-]{2,64}$")
    contact_point: PlainText = Field(min_length=3, max_length=200)
    webhook_url: str | None = Field(default=None, max_length=500)
    gemeente: PlainText | None = Field(default=None, min_length=2, max_length=64)
    school_type: Literal["po", "so", "vo", "vso", "mbo"] | None = None


class OrganisationSummary(BaseModel):
    """How another partner appears in an answer: who, what kind, how to reach them."""

    id: str
    name: str
    type: OrgType
