"""The overstap from VO and the RMC (pure status engine): a leaver without a startkwalificatie who is not enrolled
again by 1 October becomes a voortijdig schoolverlater with an rmc-contact step; an enrolment in time, a
startkwalificatie, or being 23 by then makes none."""

import asyncio
from datetime import date

import pytest

from gateway.cases.calendar import add_working_days
from gateway.cases.rules import RuleSet, rules_from
from gateway.cases.status import STARTKWALIFICATIE, WITHOUT_STARTKWALIFICATIE, Event, EventKind, assess, counting_day
from gateway.core.vocabulary import AttendanceStatus as S
from gateway.policy.engine import DEFAULT_POLICY_DIR

K = EventKind
BORN = date(2009, 5, 1)  # 17 in the summer of 2026
VO = Event(K.enrolment, date(2022, 8, 22), organisation="vo-a", seq=0)


@pytest.fixture(scope="module")
def utrecht() -> RuleSet:
    return asyncio.run(rules_from(DEFAULT_POLICY_DIR, "utrecht"))


def left(on: date, *, qualified: bool = False, to: str | None = None, seq: int = 1) -> Event:
    return Event(K.school_leaving, on, detail=STARTKWALIFICATIE if qualified else WITHOUT_STARTKWALIFICATIE,
                 organisation=to, seq=seq)


def test_the_counting_day_is_the_first_1_october_from_leaving() -> None:
    assert counting_day(date(2026, 7, 10)) == date(2026, 10, 1)
    assert counting_day(date(2026, 10, 1)) == date(2026, 10, 1)
    assert counting_day(date(2026, 11, 2)) == date(2027, 10, 1)


def test_not_enrolled_by_1_october_is_a_signal_for_the_rmc(utrecht: RuleSet) -> None:
    events = [VO, left(date(2026, 7, 10), to="mbo-a")]
    before = assess(events, BORN, date(2026, 9, 30), utrecht)
    assert before.status is S.none
    (step,) = before.steps  # known, not yet started: the worklist shows it from 1 October
    assert (step.name, step.party, step.starts_on, step.done_on) == ("rmc-contact", "rmc", date(2026, 10, 1), None)
    assert step.due_on == add_working_days(date(2026, 10, 1), utrecht.clocks.rmc_contact_working_days)
    after = assess(events, BORN, date(2026, 10, 1), utrecht)
    assert (after.status, after.since) == (S.voortijdig_schoolverlater, date(2026, 10, 1))
    # Enrolled later after all: the step is done that day and the status is no longer VSV.
    late = [*events, Event(K.enrolment, date(2026, 11, 2), organisation="mbo-b", seq=2)]
    later = assess(late, BORN, date(2026, 11, 3), utrecht)
    assert later.status is S.none and later.steps[0].done_on == date(2026, 11, 2)


def test_the_mbo_confirming_in_time_ends_the_overstap(utrecht: RuleSet) -> None:
    # The MBO enrolment may be reported before the VO's leaving date: at the named MBO it counts all the same.
    events = [VO, Event(K.enrolment, date(2026, 7, 1), organisation="mbo-a", seq=1),
              left(date(2026, 7, 10), to="mbo-a", seq=2)]
    assessed = assess(events, BORN, date(2026, 10, 5), utrecht)
    assert assessed.status is S.none and assessed.steps == []
    # At another school an enrolment counts only from leaving (an earlier one is the VO itself).
    earlier_elsewhere = [VO, Event(K.enrolment, date(2026, 6, 1), organisation="mbo-b", seq=1),
                         left(date(2026, 7, 10), to="mbo-a", seq=2)]
    assert assess(earlier_elsewhere, BORN, date(2026, 10, 5), utrecht).status is S.voortijdig_schoolverlater


def test_a_startkwalificatie_or_23_makes_no_signal(utrecht: RuleSet) -> None:
    qualified = [VO, left(date(2026, 7, 10), qualified=True)]
    assert assess(qualified, BORN, date(2026, 10, 5), utrecht).steps == []
    # 23 in September 2026: beyond the RMC's task by 1 October; 22 then: still in it.
    assert assess([left(date(2026, 7, 10))], date(2003, 9, 1), date(2026, 10, 5), utrecht).steps == []
    assert assess([left(date(2026, 7, 10))], date(2003, 10, 1), date(2026, 10, 5), utrecht).status \
        is S.voortijdig_schoolverlater
    assert assess([left(date(2026, 7, 10))], None, date(2026, 10, 5), utrecht).status is S.voortijdig_schoolverlater


def test_a_later_leaving_takes_over(utrecht: RuleSet) -> None:
    events = [VO, left(date(2026, 7, 10), seq=1), Event(K.enrolment, date(2026, 10, 12), organisation="mbo-a",
                                                          seq=2),
              left(date(2027, 2, 1), seq=3)]  # left the MBO too, in February
    assessed = assess(events, BORN, date(2027, 3, 1), utrecht)
    assert [(s.starts_on, s.done_on) for s in assessed.steps] == [(date(2026, 10, 1), date(2026, 10, 12)),
                                                                  (date(2027, 10, 1), None)]
    assert assessed.status is S.none  # until 1 October 2027
    assert assess(events, BORN, date(2027, 10, 1), utrecht).status is S.voortijdig_schoolverlater


def test_a_future_leaving_is_not_yet_counted(utrecht: RuleSet) -> None:
    assert assess([VO, left(date(2026, 7, 10))], BORN, date(2026, 7, 9), utrecht).steps == []
