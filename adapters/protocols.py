"""What the gateway asks of source systems, as Protocols; one package per kind of source implements them."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol


class Custody(StrEnum):
    """Gezag over a minor, as the BRP reports it."""

    two_parents = "two-parents"          # tweehoofdig ouderlijk gezag
    one_parent = "one-parent"            # eenhoofdig ouderlijk gezag
    parent_and_third = "parent-and-third"  # gezamenlijk gezag (ouder en derde)
    guardian = "guardian"                # voogdij
    none = "none"                        # tijdelijk geen gezag
    unknown = "unknown"                  # gezag niet te bepalen


@dataclass(frozen=True)
class Person:
    """The few facts consent needs. Custodians are BSNs only for as long as the caller pseudonymises them."""

    birth_date: date | None
    custody: Custody
    custodians: tuple[str, ...]


class PersonRegistry(Protocol):
    async def person(self, bsn: str) -> Person | None: ...
