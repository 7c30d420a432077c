"""The status engine and its clocks, pure: synthetic events walked through every status and every step, with
Dutch holidays in the working-day counts and a region with other clocks."""

import asyncio
from datetime import date, timedelta

import pytest

from gateway.cases.calendar import add_months, add_working_days, is_working_day
from gateway.cases.rules import RuleSet, rules_from
from gateway.cases.status import EndReason, Event, EventKind, assess
from gateway.core.vocabulary import AttendanceStatus as S
from gateway.policy.engine import DEFAULT_POLICY_DIR

K = EventKind
BORN = date(2013, 3, 1)  # 13 in the autumn of 2026: leerplichtig


def _rules(region: str) -> RuleSet:
    return asyncio.run(rules_from(DEFAULT_POLICY_DIR, region))


@pytest.fixture(scope="module")
def utrecht() -> RuleSet:
    return _rules("utrecht")


@pytest.fixture(scope="module")
def lekstroom() -> RuleSet:
    return _rules("lekstroom")


def weeks_absent(first_monday: date, weeks: int, seq: int = 100) -> list[Event]:
    return [Event(K.unauthorised_absence, first_monday + timedelta(weeks=n),
                  first_monday + timedelta(weeks=n, days=4), hours=25, seq=seq + n) for n in range(weeks)]


ENROLLED = [Event(K.enrolment, date(2026, 8, 24), organisation="school-a", seq=0)]


def test_dutch_holidays_count_out_of_working_days() -> None:
    assert not is_working_day(date(2026, 12, 25)) and not is_working_day(date(2027, 1, 1))
    assert not is_working_day(date(2027, 4, 27))  # Koningsdag
    assert not is_working_day(date(2027, 5, 6))  # Hemelvaart
    assert is_working_day(date(2026, 12, 24))
    # 10 working days from Monday 21 December 2026: past both Christmas days and New Year's Day.
    assert add_working_days(date(2026, 12, 21), 10) == date(2027, 1, 6)
    assert add_working_days(date(2026, 11, 2), 10) == date(2026, 11, 16)  # no holiday: two weeks
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_every_status_in_turn(utrecht: RuleSet) -> None:
    def status(events: list[Event], today: date, born: date | None = BORN) -> S:
        return assess(events, born, today, utrecht).status

    assert status(ENROLLED, date(2026, 9, 30)) is S.none
    some = [*ENROLLED, Event(K.unauthorised_absence, date(2026, 9, 7), date(2026, 9, 11), hours=6, seq=1)]
    assert status(some, date(2026, 9, 14)) is S.zorgwekkend_verzuim
    # 16 hours in 4 weeks (Leerplichtwet art. 21a), not whole days: relatief verzuim, no case.
    more = [*some, Event(K.unauthorised_absence, date(2026, 9, 14), date(2026, 9, 18), hours=11, seq=2)]
    assessed = assess(more, BORN, date(2026, 9, 21), utrecht)
    assert assessed.status is S.relatief_verzuim and assessed.open_episode is None
    # The window passes: nothing new, the status goes back.
    assert status(more, date(2026, 11, 2)) is S.none
    # Sick four times in twelve weeks: zorgwekkend ziekteverzuim.
    sick = [*ENROLLED, *(Event(K.authorised_absence, date(2026, 9, 7) + timedelta(weeks=2 * n),
                               date(2026, 9, 7) + timedelta(weeks=2 * n, days=1), detail="ziekte", seq=10 + n)
                         for n in range(4))]
    assert status(sick, date(2026, 10, 30)) is S.zorgwekkend_verzuim
    assert status(sick[:4], date(2026, 10, 30)) is S.none
    # A week at home: threatening thuiszitter; the clocks start on its first day.
    home = [*ENROLLED, *weeks_absent(date(2026, 10, 12), 1)]
    first = assess(home, BORN, date(2026, 10, 16), utrecht)
    assert first.status is S.relatief_verzuim and first.open_episode is not None
    assert first.open_episode.started_on == date(2026, 10, 12) and first.open_episode.thuiszitter_on is None
    # More than four weeks: a thuiszitter.
    home = [*ENROLLED, *weeks_absent(date(2026, 10, 12), 5)]
    fifth = assess(home, BORN, date(2026, 11, 13), utrecht)
    assert fifth.status is S.thuiszitter and fifth.since == date(2026, 10, 12)
    assert fifth.open_episode and fifth.open_episode.thuiszitter_on == date(2026, 11, 9)
    # A passend aanbod: back at school, the episode closed.
    back = [*home, Event(K.passend_aanbod, date(2026, 11, 16), detail="onderwijs", seq=200)]
    done = assess(back, BORN, date(2026, 11, 20), utrecht)
    assert done.status is S.back_at_school and done.episodes[-1].end_reason is EndReason.passend_aanbod
    # De-enrolled, enrolled nowhere: absoluut verzuim (a thuiszitter from that day).
    left = [*ENROLLED, Event(K.de_enrolment, date(2026, 10, 1), organisation="school-a", seq=1)]
    gone = assess(left, BORN, date(2026, 10, 5), utrecht)
    assert gone.status is S.absoluut_verzuim and gone.open_episode and gone.open_episode.kind == "absoluut"
    # Enrolled elsewhere: the absoluut episode ends.
    again = [*left, Event(K.enrolment, date(2026, 10, 20), organisation="school-b", seq=2)]
    assert assess(again, BORN, date(2026, 10, 21), utrecht).episodes[-1].end_reason is EndReason.enrolled
    # A vrijstelling 5 onder a ends the episode and is re-assessed on its date.
    exempt = [*left, Event(K.vrijstelling_5a, date(2026, 10, 15), due_on=date(2027, 3, 1), seq=3)]
    freed = assess(exempt, BORN, date(2026, 10, 20), utrecht)
    assert freed.status is S.vrijstelling_5a and freed.episodes[-1].end_reason is EndReason.vrijstelling
    (reassess,) = [s for s in freed.steps if s.name == "vrijstelling-herbeoordeling"]
    assert (reassess.party, reassess.starts_on, reassess.due_on) == ("leerplicht", date(2027, 1, 30),
                                                                     date(2027, 3, 1))
    # Partial attendance after a run at home: resumed.
    partial = [*home, Event(K.unauthorised_absence, date(2026, 11, 16), date(2026, 11, 20), hours=3, seq=300)]
    assert assess(partial, BORN, date(2026, 11, 20), utrecht).episodes[-1].end_reason is EndReason.resumed


def test_age_decides_who_counts(utrecht: RuleSet, lekstroom: RuleSet) -> None:
    four = date(2022, 6, 1)  # four in October 2026, leerplichtig from 1 July 2027
    left = [Event(K.enrolment, date(2026, 9, 1), organisation="s", seq=0),
            Event(K.de_enrolment, date(2026, 10, 1), organisation="s", seq=1)]
    assert assess(left, four, date(2026, 10, 5), utrecht).status is S.absoluut_verzuim  # Utrecht counts them
    assert assess(left, four, date(2026, 10, 5), lekstroom).status is S.none
    # Kwalificatieplicht ends at 18: the episode ends with it.
    nearly = date(2008, 11, 1)
    home = [*ENROLLED, *weeks_absent(date(2026, 10, 12), 5)]
    aged = assess(home, nearly, date(2026, 12, 10), utrecht)
    assert aged.episodes[-1].end_reason is EndReason.aged_out and aged.episodes[-1].ended_on == date(2026, 12, 1)


def test_every_escalation_step(utrecht: RuleSet) -> None:
    start = date(2026, 10, 12)
    home = [*ENROLLED, *weeks_absent(start, 14), Event(K.actietafel_held, date(2026, 10, 14), seq=500)]
    case = assess(home, BORN, date(2027, 1, 15), utrecht)
    steps = {s.name: s for s in case.steps}
    assert (steps["actietafel"].due_on, steps["actietafel"].done_on) == (date(2026, 10, 19), date(2026, 10, 14))
    assert (steps["teammanagers"].starts_on, steps["teammanagers"].due_on) == (date(2026, 12, 7), date(2026, 12, 21))
    # No joint decision in 10 weeks: the Interventieteam takes it, a plan in 48 hours, a solution in 10
    # working days (Christmas and New Year's Day do not count).
    assert (steps["interventieteam-plan"].starts_on, steps["interventieteam-plan"].due_on) == (
        date(2026, 12, 21), date(2026, 12, 23))
    assert steps["interventieteam-solution"].due_on == date(2027, 1, 6)
    assert steps["national-target"].due_on == date(2027, 1, 12)
    assert "region-target" not in steps
    assert all(s.done_on is None for n, s in steps.items() if n != "actietafel")
    # A joint decision in week 9 stops the Interventieteam clock from starting.
    decided = [*home, Event(K.joint_decision, date(2026, 12, 10), seq=501)]
    names = {s.name for s in assess(decided, BORN, date(2027, 1, 15), utrecht).steps}
    assert "interventieteam-plan" not in names
    # Doorzettingsmacht and a placement without a place are watched like the others.
    more = [*home, Event(K.doorzettingsmacht, date(2027, 1, 7), organisation="school-b", due_on=date(2027, 1, 21),
                         seq=502), Event(K.no_place, date(2027, 1, 8), seq=503)]
    steps = {s.name: s for s in assess(more, BORN, date(2027, 1, 15), utrecht).steps}
    assert (steps["doorzettingsmacht"].party, steps["doorzettingsmacht"].due_on) == (
        "organisation:school-b", date(2027, 1, 21))
    assert steps["passend-alternatief"].due_on == date(2027, 1, 22)
    # The aanbod ends every clock of the episode.
    placed = [*more, Event(K.passend_aanbod, date(2027, 1, 18), detail="zorg", seq=504)]
    assert all(s.done_on is not None for s in assess(placed, BORN, date(2027, 1, 20), utrecht).steps)


def test_a_region_with_other_clocks(lekstroom: RuleSet) -> None:
    home = [*ENROLLED, *weeks_absent(date(2026, 10, 12), 3)]
    steps = {s.name: s for s in assess(home, BORN, date(2026, 10, 30), lekstroom).steps}
    assert steps["region-target"].due_on == date(2026, 11, 23)  # six weeks
    assert assess(home, BORN, date(2026, 10, 30), lekstroom).rule_version == "lekstroom-2026.2"


def test_order_of_arrival_does_not_matter(utrecht: RuleSet) -> None:
    home = [*ENROLLED, *weeks_absent(date(2026, 10, 12), 5)]
    shuffled = list(reversed(home))
    assert assess(home, BORN, date(2026, 11, 20), utrecht).status == \
        assess(shuffled, BORN, date(2026, 11, 20), utrecht).status
