"""Who must consent: each age band and custody situation, the birthday boundary, and no consent alone under 16."""

from datetime import date

import pytest

from adapters.protocols import Custody, Person
from consent.rules import ConsentBlocked, Requirement, age_on, requirement, satisfied

TODAY = date(2026, 11, 23)
MOTHER, FATHER, GUARDIAN = "mother", "father", "guardian"


def child(born: date | None, custody: Custody = Custody.two_parents,
          custodians: tuple[str, ...] = (MOTHER, FATHER)) -> Person:
    return Person(birth_date=born, custody=custody, custodians=custodians)


@pytest.mark.parametrize(("born", "age"), [
    (date(2014, 11, 23), 12), (date(2014, 11, 24), 11),   # the birthday itself counts
    (date(2010, 11, 23), 16), (date(2010, 11, 24), 15),
    (date(2012, 2, 29), 14), (date(2008, 2, 29), 18),
])
def test_age_on_the_day(born: date, age: int) -> None:
    assert age_on(born, TODAY) == age


def test_leap_day_birthday_turns_over_on_1_march() -> None:
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_under_12_the_custodians_decide() -> None:
    req = requirement(child(date(2018, 5, 1)), today=TODAY)
    assert req == Requirement(child_must_consent=False, custodians=(MOTHER, FATHER))
    assert isinstance(req, Requirement)
    assert not satisfied(req, child_consents=True, consenting_custodians={MOTHER})  # joint custody: both
    assert satisfied(req, child_consents=False, consenting_custodians={MOTHER, FATHER})


def test_joint_custody_one_parent_may_suffice_where_the_purpose_allows() -> None:
    req = requirement(child(date(2018, 5, 1)), today=TODAY, one_custodian_suffices=True)
    assert isinstance(req, Requirement) and req.any_custodian
    assert satisfied(req, child_consents=False, consenting_custodians={FATHER})


def test_12_to_15_the_child_and_the_custodians() -> None:
    req = requirement(child(date(2013, 1, 10)), today=TODAY)
    assert isinstance(req, Requirement) and req.child_must_consent
    assert not satisfied(req, child_consents=True, consenting_custodians=set())   # not alone under 16
    assert not satisfied(req, child_consents=False, consenting_custodians={MOTHER, FATHER})
    assert satisfied(req, child_consents=True, consenting_custodians={MOTHER, FATHER})


def test_16_and_over_the_child_alone() -> None:
    req = requirement(child(date(2009, 6, 1), Custody.unknown, ()), today=TODAY)
    assert req == Requirement(child_must_consent=True, custodians=())
    assert isinstance(req, Requirement) and satisfied(req, child_consents=True, consenting_custodians=set())
    assert not satisfied(req, child_consents=False, consenting_custodians={MOTHER})


@pytest.mark.parametrize("born", [date(2008, 11, 23), date(2004, 1, 5), date(2003, 11, 24)])  # 18, 22, 22
def test_18_to_22_the_young_person_alone_whatever_the_brp_says_of_gezag(born: date) -> None:
    """After school the RMC keeps young people in beeld until 23: adults, who decide alone (no gezag over them)."""
    for custody, custodians in ((Custody.none, ()), (Custody.two_parents, (MOTHER, FATHER))):
        req = requirement(child(born, custody, custodians), today=TODAY)
        assert req == Requirement(child_must_consent=True, custodians=())
        assert isinstance(req, Requirement) and not satisfied(req, child_consents=False,
                                                              consenting_custodians={MOTHER, FATHER})


@pytest.mark.parametrize(("custody", "custodians"), [
    (Custody.one_parent, (MOTHER,)), (Custody.guardian, (GUARDIAN,)), (Custody.parent_and_third, (MOTHER, GUARDIAN)),
])
def test_other_custody_situations(custody: Custody, custodians: tuple[str, ...]) -> None:
    req = requirement(child(date(2016, 3, 3), custody, custodians), today=TODAY)
    assert isinstance(req, Requirement) and req.custodians == custodians
    assert satisfied(req, child_consents=False, consenting_custodians=set(custodians))
    assert not satisfied(req, child_consents=False, consenting_custodians={"someone-else"})


@pytest.mark.parametrize(("person", "reason"), [
    (child(None), ConsentBlocked.birth_date_unknown),
    (child(date(2016, 3, 3), Custody.unknown, ()), ConsentBlocked.custody_unknown),
    (child(date(2016, 3, 3), Custody.none, ()), ConsentBlocked.no_custodian),
])
def test_no_valid_consent_can_be_formed(person: Person, reason: ConsentBlocked) -> None:
    assert requirement(person, today=TODAY) is reason
