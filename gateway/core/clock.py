"""One injectable clock. Everything is stored in UTC; dates a person reads are Europe/Amsterdam."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def local_date(moment: datetime) -> date:
    """The calendar day in the Netherlands at `moment` (a deadline changes at local midnight)."""
    return moment.astimezone(AMSTERDAM).date()
