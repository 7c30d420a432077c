"""Who must consent, by the child's age on the day (Europe/Amsterdam) and the gezag the BRP reports.

- under 12: the parent(s) with gezag;
- 12 to 15: the child and the parent(s) with gezag;
- 16 and over: the child alone.

With joint custody every custodian must consent, unless the purpose's setting allows one of them
(`one_custodian_suffices`), e.g. for a purpose the region has decided is everyday care.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from adapters.protocols import Custody, Person


class ConsentBlocked(StrEnum):
    """Why no valid consent can be formed (a stable reason code)."""

    birth_date_unknown = "birth-date-unknown"
    custody_unknown = "custody-unknown"
    no_custodian = "no-custodian"


@dataclass(frozen=True)
class Requirement:
    child_must_consent: bool
    custodians: tuple[str, ...]
    """All must consent; see `any_custodian`."""
    any_custodian: bool = False
    """One custodian's consent suffices."""


def age_on(birth_date: date, day: date) -> int:
    """Whole years; a birthday on 29 February counts from 1 March in other years (Dutch civil practice)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def requirement(child: Person, *, today: date, one_custodian_suffices: bool = False) -> Requirement | ConsentBlocked:
    if child.birth_date is None:
        return ConsentBlocked.birth_date_unknown
    age = age_on(child.birth_date, today)
    if age >= 16:
        return Requirement(child_must_consent=True, custodians=())
    if child.custody is Custody.unknown:
        return ConsentBlocked.custody_unknown
    if child.custody is Custody.none or not child.custodians:
        return ConsentBlocked.no_custodian
    return Requirement(child_must_consent=age >= 12, custodians=child.custodians,
                       any_custodian=one_custodian_suffices and len(child.custodians) > 1)


def satisfied(req: Requirement, *, child_consents: bool, consenting_custodians: set[str]) -> bool:
    """Do the consents given so far form a valid consent?"""
    if req.child_must_consent and not child_consents:
        return False
    if not req.custodians:
        return True
    given = consenting_custodians & set(req.custodians)
    return bool(given) if req.any_custodian else given == set(req.custodians)
