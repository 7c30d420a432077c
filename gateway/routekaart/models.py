from datetime import datetime

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from gateway.core.db import UtcDateTime


class RoutekaartEntry(SQLModel, table=True):
    """One row of the region's routekaart: for this signal, contact this kind of partner."""

    __tablename__ = "routekaart_entry"

    region: str = Field(primary_key=True, max_length=64)
    signal: str = Field(primary_key=True, max_length=48)
    position: int
    label: str = Field(max_length=120)
    partner_type: str = Field(sa_type=String(16))
    advice: str = Field(max_length=400)
    version: int
    updated_at: datetime = Field(sa_type=UtcDateTime)
    updated_by: str = Field(max_length=64)
