from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from adapters.protocols import Scalar
from gateway.core.vocabulary import Purpose
from gateway.organisations.schemas import OrganisationSummary

Category = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,47}$")]


class DetailsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    categories: list[Category] = Field(min_length=1, max_length=10)


class SourceDetails(BaseModel):
    source: str
    organisation: OrganisationSummary
    category: str
    fields: dict[str, Scalar] = Field(description="Only the fields policy allows; fetched now, stored nowhere")


class Unavailable(BaseModel):
    source: str
    organisation: OrganisationSummary
    reason: str = Field(description="`timeout`, `unavailable` or `source-error`")


class DetailsAnswer(BaseModel):
    child_ref: str
    details: list[SourceDetails]
    unavailable: list[Unavailable] = Field(description="Sources that did not answer in time or answered wrongly")
