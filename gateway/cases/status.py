"""The status engine: a child's attendance status, thuiszitter episodes and escalation steps, derived from
its events alone with the region's rule set. Pure: the same events, day and rules give the same answer, so
a late or out-of-order event is simply taken into account at the next assessment.

An *episode* is a time at home without a passend aanbod: a run of fully missed school days while enrolled
(relatief; threatening from `threatening_school_days`, a thuiszitter after `thuiszitter_after_days`), or not
being enrolled anywhere while leerplichtig (absoluut). It ends with a passend aanbod, re-enrolment, partial
attendance, a vrijstelling, or the end of (kwalificatie)leerplicht. Its clocks start at its first day.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from gateway.core.vocabulary import AttendanceStatus

from .calendar import add_months, add_working_days, is_working_day, working_days_between
from .rules import RuleSet


class EventKind(StrEnum):
    unauthorised_absence = "unauthorised-absence"
    authorised_absence = "authorised-absence"
    enrolment = "enrolment"
    de_enrolment = "de-enrolment"
    school_leaving = "school-leaving"
    vrijstelling_5a = "vrijstelling-5a"
    passend_aanbod = "passend-aanbod"
    actietafel_held = "actietafel-held"
    joint_decision = "joint-decision"
    interventieteam_started = "interventieteam-started"
    interventieteam_plan = "interventieteam-plan"
    interventieteam_solution = "interventieteam-solution"
    doorzettingsmacht = "doorzettingsmacht"
    no_place = "no-place"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    starts_on: date
    ends_on: date | None = None
    hours: int | None = None
    detail: str | None = None
    """Authorised absence: `ziekte` or `verlof`; passend aanbod: `onderwijs`, `zorg`, `onderwijs-en-zorg`;
    school leaving: STARTKWALIFICATIE or WITHOUT_STARTKWALIFICATIE."""
    organisation: str | None = None
    """The school of an enrolment, the party a doorzettingsmacht decision designates, the MBO a leaver goes to."""
    due_on: date | None = None
    """Vrijstelling: re-assessment date; doorzettingsmacht: the place must be offered by then."""
    seq: int = 0
    """Arrival order, to order events of the same day."""


class EndReason(StrEnum):
    passend_aanbod = "passend-aanbod"
    enrolled = "enrolled"
    resumed = "resumed"
    vrijstelling = "vrijstelling"
    aged_out = "aged-out"


@dataclass
class Episode:
    started_on: date
    kind: str
    """`relatief` or `absoluut` (the latest: a thuiszitter who is de-enrolled stays in the same episode)."""
    thuiszitter_on: date | None = None
    ended_on: date | None = None
    end_reason: EndReason | None = None
    offer: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    party: str
    """Who must act: `kernteam`, `regisseur`, `interventieteam`, `leerplicht` or `organisation:<id>`."""
    starts_on: date
    due_on: date
    done_on: date | None
    key: str = ""
    """Tells apart steps of the same name (several doorzettingsmacht decisions)."""
    case_started_on: date | None = None
    """The episode it belongs to; None for a vrijstelling's re-assessment."""


@dataclass(frozen=True)
class Assessment:
    status: AttendanceStatus
    since: date | None
    rule_version: str
    episodes: list[Episode] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def open_episode(self) -> Episode | None:
        last = self.episodes[-1] if self.episodes else None
        return last if last is not None and last.ended_on is None else None


@dataclass(frozen=True, slots=True)
class AgeScope:
    """From the birth month only (the index keeps no birth date)."""

    four_year_old_from: date
    leerplicht_from: date
    kwalificatieplicht_until: date

    @classmethod
    def of(cls, birth_month: date) -> "AgeScope":
        first = birth_month.replace(day=1)
        # Leerplicht starts on the first day of the month after the fifth birthday; kwalificatieplicht ends
        # at 18 (the first day of the month after that birthday, as only the month is known).
        return cls(add_months(first, 48), add_months(first, 61), add_months(first, 18 * 12 + 1))

    def covers(self, day: date, four_year_olds: bool) -> bool:
        start = self.four_year_old_from if four_year_olds else self.leerplicht_from
        return start <= day < self.kwalificatieplicht_until


_ORDER = {EventKind.enrolment: 0, EventKind.de_enrolment: 1, EventKind.vrijstelling_5a: 2,
          EventKind.passend_aanbod: 3}


def _next_school_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _full(event: Event, rules: RuleSet) -> bool:
    assert event.ends_on is not None and event.hours is not None
    days = working_days_between(event.starts_on, event.ends_on)
    return days > 0 and event.hours >= days * rules.full_day_hours


def episodes(events: list[Event], birth_month: date | None, today: date, rules: RuleSet) -> list[Episode]:
    """Walk the events in date order and cut the time at home into episodes."""
    scope = AgeScope.of(birth_month) if birth_month else None

    def in_scope(day: date) -> bool:
        return scope is None or scope.covers(day, rules.four_year_olds)

    found: list[Episode] = []
    current: Episode | None = None
    enrolled: set[str] = set()
    run_start: date | None = None
    run_end: date | None = None
    exempt = False

    def close(day: date, reason: EndReason, offer: str | None = None) -> None:
        nonlocal current, run_start, run_end
        if current is not None:
            current.ended_on, current.end_reason, current.offer = day, reason, offer
            current = None
        run_start = run_end = None

    ordered = sorted((e for e in events if e.starts_on <= today),
                     key=lambda e: (e.starts_on, _ORDER.get(e.kind, 9), e.seq))
    for event in ordered:
        day = event.starts_on
        if scope is not None and current is not None and day >= scope.kwalificatieplicht_until:
            close(scope.kwalificatieplicht_until, EndReason.aged_out)
        match event.kind:
            case EventKind.enrolment:
                enrolled.add(event.organisation or "")
                if current is not None and current.kind == "absoluut":
                    close(day, EndReason.enrolled)
            case EventKind.de_enrolment:  # without a school: enrolled nowhere (leerplicht's finding)
                enrolled = enrolled - {event.organisation} if event.organisation else set()
                if enrolled or exempt:
                    continue
                if current is not None:
                    current.kind = "absoluut"
                    current.thuiszitter_on = current.thuiszitter_on or day
                elif in_scope(day):
                    current = Episode(day, "absoluut", thuiszitter_on=day)
                    found.append(current)
            case EventKind.vrijstelling_5a:
                exempt = event.ends_on is None or event.ends_on >= today
                close(day, EndReason.vrijstelling)
            case EventKind.passend_aanbod:
                close(day, EndReason.passend_aanbod, event.detail)
            case EventKind.unauthorised_absence if enrolled and not exempt:
                assert event.ends_on is not None
                if not _full(event, rules):
                    if current is not None and current.kind == "relatief":
                        close(day, EndReason.resumed)
                    run_start = run_end = None
                    continue
                if run_end is None or _next_school_day(run_end) < day:
                    run_start = day
                run_end = max(run_end or event.ends_on, event.ends_on)
                assert run_start is not None
                if current is None and in_scope(run_start) and \
                        working_days_between(run_start, run_end) >= rules.threatening_school_days:
                    current = Episode(run_start, "relatief")
                    found.append(current)
                if current is not None and current.kind == "relatief" and current.thuiszitter_on is None and \
                        (run_end - run_start).days + 1 > rules.thuiszitter_after_days:
                    current.thuiszitter_on = run_start + timedelta(days=rules.thuiszitter_after_days)
            case _:
                pass
    if scope is not None and current is not None and today >= scope.kwalificatieplicht_until:
        close(scope.kwalificatieplicht_until, EndReason.aged_out)
    return found


def _first(events: list[Event], kind: EventKind, start: date, end: date | None) -> Event | None:
    hits = [e for e in events if e.kind is kind and e.starts_on >= start and (end is None or e.starts_on <= end)]
    return min(hits, key=lambda e: (e.starts_on, e.seq)) if hits else None


def steps(episode: Episode, events: list[Event], rules: RuleSet) -> list[Step]:
    """The escalation steps of one episode; all are done when it ends."""
    c, start, end = rules.clocks, episode.started_on, episode.ended_on
    own = [e for e in events if e.starts_on >= start and (end is None or e.starts_on <= end)]

    def done(kind: EventKind | None, after: date = start) -> date | None:
        hit = _first(own, kind, after, end) if kind else None
        return min((d for d in (hit.starts_on if hit else None, end) if d is not None), default=None)

    found = [
        Step("actietafel", "kernteam", start, add_working_days(start, c.actietafel_working_days),
             done(EventKind.actietafel_held)),
        Step("teammanagers", "kernteam", start + timedelta(weeks=c.teammanagers_weeks),
             start + timedelta(weeks=c.interventieteam_weeks), done(EventKind.joint_decision)),
    ]
    target = add_months(start, c.target_months)
    found.append(Step("national-target", "regisseur", target - timedelta(days=c.target_notice_days), target,
                      done(None)))
    if c.region_target_weeks:
        due = start + timedelta(weeks=c.region_target_weeks)
        found.append(Step("region-target", "regisseur", due - timedelta(days=c.target_notice_days), due, done(None)))
    joint = _first(own, EventKind.joint_decision, start, end)
    taken = _first(own, EventKind.interventieteam_started, start, end)
    by_clock = start + timedelta(weeks=c.interventieteam_weeks)
    candidates = [d for d in (taken.starts_on if taken else None,
                              None if joint and joint.starts_on < by_clock else by_clock) if d is not None]
    if candidates:
        it_start = min(candidates)
        found += [
            Step("interventieteam-plan", "interventieteam", it_start, it_start + timedelta(days=c.plan_days),
                 done(EventKind.interventieteam_plan, it_start)),
            Step("interventieteam-solution", "interventieteam", it_start,
                 add_working_days(it_start, c.solution_working_days),
                 done(EventKind.interventieteam_solution, it_start)),
        ]
    for event in own:
        if event.kind is EventKind.doorzettingsmacht and event.due_on is not None:
            found.append(Step("doorzettingsmacht", f"organisation:{event.organisation}", event.starts_on,
                              event.due_on, done(None), key=str(event.seq)))
        elif event.kind is EventKind.no_place:
            found.append(Step("passend-alternatief", "kernteam", event.starts_on,
                              event.starts_on + timedelta(days=c.alternative_days), done(None), key=str(event.seq)))
    # A step that would only start after the episode ended never happened.
    return [replace(s, case_started_on=start) for s in found if end is None or s.starts_on <= end]


def _reassessment(events: list[Event], today: date, rules: RuleSet) -> list[Step]:
    exemptions = sorted((e for e in events if e.kind is EventKind.vrijstelling_5a and e.starts_on <= today),
                        key=lambda e: (e.starts_on, e.seq))
    found = []
    for n, event in enumerate(exemptions):
        if event.due_on is None:
            continue
        later = exemptions[n + 1].starts_on if n + 1 < len(exemptions) else None
        found.append(Step("vrijstelling-herbeoordeling", "leerplicht",
                          event.due_on - timedelta(days=rules.clocks.reassessment_notice_days), event.due_on,
                          later, key=str(event.seq)))
    return found


STARTKWALIFICATIE, WITHOUT_STARTKWALIFICATIE = "startkwalificatie", "geen-startkwalificatie"
RMC_UNTIL_YEARS = 23
"""The RMC keeps young people without a startkwalificatie in beeld until they are 23 (RMC-wet)."""


def counting_day(left_on: date) -> date:
    """The first 1 October from the day a pupil left: who is not enrolled again by then counts as a voortijdig
    schoolverlater (the law's date)."""
    this_year = date(left_on.year, 10, 1)
    return this_year if this_year >= left_on else date(left_on.year + 1, 10, 1)


def _overstap(events: list[Event], birth_month: date | None, today: date, rules: RuleSet
              ) -> tuple[list[Step], date | None]:
    """The RMC's contact step for each leaving without a startkwalificatie that no enrolment followed by its
    counting day, and since when the young person is a voortijdig schoolverlater (None: not today). An
    enrolment counts from the day the pupil left, or at any time at the MBO the school named; a later
    leaving takes over from an earlier one."""
    leavings = sorted((e for e in events if e.kind is EventKind.school_leaving and e.starts_on <= today),
                      key=lambda e: (e.starts_on, e.seq))
    found, since = [], None
    for n, left in enumerate(leavings):
        counting = counting_day(left.starts_on)
        too_old = birth_month is not None and \
            counting >= add_months(birth_month.replace(day=1), RMC_UNTIL_YEARS * 12 + 1)
        if left.detail != WITHOUT_STARTKWALIFICATIE or too_old:
            continue
        enrolled = min((e.starts_on for e in events if e.kind is EventKind.enrolment and e.starts_on <= today
                        and (e.starts_on >= left.starts_on or e.organisation == (left.organisation or ""))),
                       default=None)
        if enrolled is not None and enrolled <= counting:
            continue  # the overstap happened in time
        later = leavings[n + 1].starts_on if n + 1 < len(leavings) else None
        done = min((d for d in (enrolled, later) if d is not None), default=None)
        found.append(Step("rmc-contact", "rmc", counting,
                          add_working_days(counting, rules.clocks.rmc_contact_working_days), done, key=str(left.seq)))
        if counting <= today and done is None:
            since = counting
    return found, since


def _window(events: list[Event], today: date, days: int) -> list[Event]:
    first = today - timedelta(days=days - 1)
    return [e for e in events if e.starts_on <= today and (e.ends_on or e.starts_on) >= first]


def assess(events: list[Event], birth_month: date | None, today: date, rules: RuleSet) -> Assessment:
    found = episodes(events, birth_month, today, rules)
    overstap, left_school_since = _overstap(events, birth_month, today, rules)
    all_steps = [s for episode in found for s in steps(episode, events, rules)] + _reassessment(events, today, rules) \
        + overstap

    def result(status: AttendanceStatus, since: date | None) -> Assessment:
        return Assessment(status, since, rules.version, found, all_steps)

    exemption = max((e for e in events if e.kind is EventKind.vrijstelling_5a and e.starts_on <= today),
                    key=lambda e: (e.starts_on, e.seq), default=None)
    if exemption is not None and (exemption.ends_on is None or exemption.ends_on >= today):
        return result(AttendanceStatus.vrijstelling_5a, exemption.starts_on)
    current = found[-1] if found and found[-1].ended_on is None else None
    if current is not None and current.kind == "absoluut":
        return result(AttendanceStatus.absoluut_verzuim, current.started_on)
    if current is not None and current.thuiszitter_on is not None:
        return result(AttendanceStatus.thuiszitter, current.started_on)
    if left_school_since is not None:
        return result(AttendanceStatus.voortijdig_schoolverlater, left_school_since)
    # Absence before a closed episode's end was dealt with there.
    settled = found[-1].ended_on if found and found[-1].ended_on else date.min
    recent = [e for e in events if e.starts_on >= settled]
    unauthorised = [e for e in _window(recent, today, rules.report_window_days)
                    if e.kind is EventKind.unauthorised_absence]
    hours = sum(e.hours or 0 for e in unauthorised)
    if current is not None or hours >= rules.report_hours:
        return result(AttendanceStatus.relatief_verzuim,
                      current.started_on if current else min(e.starts_on for e in unauthorised))
    sick = [e for e in _window(recent, today, rules.sick_window_days)
            if e.kind is EventKind.authorised_absence and e.detail == "ziekte"]
    long_spell = any(working_days_between(e.starts_on, e.ends_on or e.starts_on) > rules.sick_school_days
                     for e in sick)
    if unauthorised or len(sick) >= rules.sick_reports or long_spell:
        return result(AttendanceStatus.zorgwekkend_verzuim, min(e.starts_on for e in unauthorised + sick))
    if found:
        return result(AttendanceStatus.back_at_school, found[-1].ended_on)
    return result(AttendanceStatus.none, None)
