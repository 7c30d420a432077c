"""Working days: weekdays that are not Dutch public holidays (the `holidays` package's calendar for NL:
Nieuwjaarsdag, Goede Vrijdag, Pasen, Koningsdag, Bevrijdingsdag in lustrum years, Hemelvaart, Pinksteren,
Kerstmis). School holidays differ per region and school and are not counted out."""

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (so 10 working days from a Friday is two weeks later, or later
    when a holiday falls in between)."""
    day, left = start, count
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(first: date, last: date) -> int:
    """Working days from `first` through `last`, both included."""
    return sum(1 for n in range((last - first).days + 1) if is_working_day(first + timedelta(days=n)))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 month = 28/29 Feb)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
