"""What the gateway asks of source systems, as Protocols; one package per kind of source implements them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    """The few facts consent needs. BSNs (custodians, minors) only for as long as the caller pseudonymises
    them; the given name only for the parent portal's own page."""

    birth_date: date | None
    custody: Custody
    custodians: tuple[str, ...]
    given_name: str = ""
    minors_in_custody: tuple[str, ...] = ()
    """Minors over whom this person has gezag (asked for by the portal only)."""


class PersonRegistry(Protocol):
    async def person(self, bsn: str, *, for_portal: bool = False) -> Person | None:
        """Age and gezag; `for_portal` adds the given name and the minors this person has gezag over."""
        ...


Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class SourceAnswer:
    """What a partner system says about a child, per data category: field name to a plain value. The gateway
    keeps only the fields policy allows and never stores them."""

    categories: Mapping[str, Mapping[str, Scalar]] = field(default_factory=dict)


class DetailSource(Protocol):
    """A partner's own system, asked live. The child is named by *that partner's* reference (the one the
    gateway gave it when it registered its involvement), never by BSN."""

    async def details(self, child_ref: str, categories: Sequence[str], *, purpose: str) -> SourceAnswer: ...
