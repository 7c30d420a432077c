"""Synthetic attendance and case events for a demo child in a given situation, dated back from today."""

import random
import uuid
from datetime import date, timedelta
from typing import Any

from gateway.cases.calendar import working_days_between
from gateway.core.vocabulary import AttendanceStatus


def _event(kind: str, reporter: str, starts_on: date, **values: Any) -> dict[str, Any]:
    return {"id": uuid.UUID(int=random.getrandbits(128)), "kind": kind, "organisation_id": reporter,
            "starts_on": starts_on, **values}


def _weeks_at_home(school: str, first: date, today: date) -> list[dict[str, Any]]:
    """Whole weeks of unauthorised absence from `first` (a Monday) until last week."""
    events, monday = [], first
    while monday + timedelta(days=4) < today:
        friday = monday + timedelta(days=4)
        events.append(_event("unauthorised-absence", school, monday, ends_on=friday,
                             hours=6 * max(1, working_days_between(monday, friday))))
        monday += timedelta(weeks=1)
    return events


def demo_events(status: AttendanceStatus, *, school: str | None, leerplicht: str, rng: random.Random,
                today: date) -> list[dict[str, Any]]:
    random.seed(rng.random())
    last_monday = today - timedelta(days=today.weekday())
    events = [_event("enrolment", school, today - timedelta(days=400), subject_organisation=school)] if school else []
    if status is AttendanceStatus.zorgwekkend_verzuim and school:
        events.append(_event("unauthorised-absence", school, last_monday - timedelta(weeks=1),
                             ends_on=last_monday - timedelta(days=3), hours=rng.randrange(2, 10)))
    elif status is AttendanceStatus.relatief_verzuim and school and rng.random() < 0.5:  # threatening thuiszitter
        events += _weeks_at_home(school, last_monday - timedelta(weeks=rng.randrange(1, 4)), today)
    elif status is AttendanceStatus.relatief_verzuim and school:
        for week in (1, 2, 3):
            start = last_monday - timedelta(weeks=week)
            events.append(_event("unauthorised-absence", school, start, ends_on=start + timedelta(days=4),
                                 hours=rng.randrange(6, 12)))
    elif status is AttendanceStatus.thuiszitter and school:
        first = last_monday - timedelta(weeks=rng.randrange(6, 22))
        events += _weeks_at_home(school, first, today)
        events.append(_event("actietafel-held", school, first + timedelta(days=rng.randrange(2, 9))))
        if rng.random() < 0.4:
            events.append(_event("joint-decision", school, first + timedelta(weeks=rng.randrange(5, 9))))
    elif status is AttendanceStatus.absoluut_verzuim:
        left = today - timedelta(days=rng.randrange(10, 120))
        events.append(_event("de-enrolment", school or leerplicht, left, subject_organisation=school))
        events.append(_event("actietafel-held", leerplicht, min(today, left + timedelta(days=rng.randrange(1, 6)))))
    elif status is AttendanceStatus.vrijstelling_5a:
        events.append(_event("vrijstelling-5a", leerplicht, today - timedelta(days=rng.randrange(100, 300)),
                             due_on=today + timedelta(days=rng.randrange(-10, 60))))
    elif status is AttendanceStatus.back_at_school and school:
        first = last_monday - timedelta(weeks=rng.randrange(12, 30))
        events += _weeks_at_home(school, first, first + timedelta(weeks=rng.randrange(3, 10)))
        events.append(_event("passend-aanbod", school, events[-1]["ends_on"] + timedelta(days=3),
                             detail=rng.choice(("onderwijs", "onderwijs-en-zorg", "zorg"))))
    return [e for e in events if e["starts_on"] <= today]
