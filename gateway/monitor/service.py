"""The monthly monitor: thuiszitter cases open at the end of a month per gemeente and school type by duration
band, new and ended cases, median days to a passend aanbod, escalations, overdue steps, voortijdig schoolverlaten
(young people on the RMC's list at the month's end, and new on it) and a year's trend.
Aggregates only; small counts are suppressed (`suppression`) before anything leaves."""

import csv
import io
import statistics
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit.service import ALLOWED, AuditEntry
from gateway.auth.tokens import Caller
from gateway.cases.calendar import add_months
from gateway.cases.models import CaseStep, ThuiszitterCase
from gateway.context import AppContext, RequestMeta
from gateway.core.vocabulary import Purpose
from gateway.policy.enforce import policy_input, require_permit

from .suppression import Table, suppress

BANDS = ["<4w", "4w-3m", ">3m"]
ESCALATIONS = ("teammanagers", "interventieteam-plan", "doorzettingsmacht")
case_table = ThuiszitterCase.__table__  # type: ignore[attr-defined]
step = CaseStep.__table__  # type: ignore[attr-defined]


class Breakdown(BaseModel):
    columns: list[str]
    rows: list[str]
    counts: list[list[int | None]]
    """Rows then the total row; each ends with the row total. None: suppressed."""


class Month(BaseModel):
    month: str
    open: int | None
    new: int | None
    ended: int | None
    voortijdig_schoolverlaters: int | None
    """Left school without a startkwalificatie, not enrolled again by 1 October, and still not at the month's end."""
    new_voortijdig_schoolverlaters: int | None


class Report(BaseModel):
    region: str
    month: str
    threshold: int
    by_gemeente: Breakdown
    by_school_type: Breakdown
    new: int | None
    ended: int | None
    median_days_to_aanbod: float | None
    escalations: int | None
    overdue_steps: int | None
    trend: list[Month]


def _last_day(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def _left_school_at(end: date) -> Any:
    """The RMC's contact steps (one per leaving without a startkwalificatie) not done by `end`."""
    return and_(step.c.party == "rmc", step.c.starts_on <= end, or_(step.c.done_on.is_(None), step.c.done_on > end))


def _open_at(end: date) -> Any:
    return and_(case_table.c.started_on <= end, or_(case_table.c.ended_on.is_(None), case_table.c.ended_on > end))


async def _breakdown(conn: AsyncConnection, column: Any, end: date) -> tuple[list[str], list[list[int]]]:
    band = case((case_table.c.started_on > end - timedelta(days=28), 0),
                (case_table.c.started_on > add_months(end, -3), 1), else_=2)
    rows = await conn.execute(select(column, band.label("band"), func.count()).where(_open_at(end))
                              .group_by(column, band))
    grid: dict[str, list[int]] = {}
    for label, band_index, count in rows:
        grid.setdefault(str(label), [0, 0, 0])[int(band_index)] = int(count)
    labels = sorted(grid)
    return labels, [grid[label] for label in labels]


async def _count(conn: AsyncConnection, table: Any, *conditions: Any) -> int:
    return int(await conn.scalar(select(func.count()).select_from(table).where(*conditions)) or 0)


def _shown(value: int, threshold: int) -> int | None:
    return None if 0 < value < threshold else value


async def build(conn: AsyncConnection, *, region: str, first: date, threshold: int, months: int = 12,
                progress: Callable[[], None] = lambda: None) -> Report:
    end = _last_day(first)
    gemeenten, by_gemeente = await _breakdown(conn, case_table.c.gemeente, end)
    school_types, by_school = await _breakdown(conn, case_table.c.school_type, end)
    tables = [Table.of(gemeenten, BANDS, by_gemeente), Table.of(school_types, BANDS, by_school)]
    suppress(tables, threshold)
    progress()
    in_month = and_(case_table.c.ended_on >= first, case_table.c.ended_on <= end)
    durations = [(r.ended_on - r.started_on).days for r in await conn.execute(
        select(case_table.c.started_on, case_table.c.ended_on).where(in_month,
                                                                     case_table.c.end_reason == "passend-aanbod"))]
    trend = []
    for back in range(months - 1, -1, -1):
        start = add_months(first, -back)
        last = _last_day(start)
        trend.append(Month(
            month=start.strftime("%Y-%m"),
            open=_shown(await _count(conn, case_table, _open_at(last)), threshold),
            new=_shown(await _count(conn, case_table, case_table.c.started_on.between(start, last)), threshold),
            ended=_shown(await _count(conn, case_table, case_table.c.ended_on.between(start, last)), threshold),
            voortijdig_schoolverlaters=_shown(await _count(conn, step, _left_school_at(last)), threshold),
            new_voortijdig_schoolverlaters=_shown(await _count(
                conn, step, step.c.party == "rmc", step.c.starts_on.between(start, last)), threshold)))
        progress()
    if tables[0].hidden[-1][-1]:  # this month's total is hidden in the tables: hide it in the trend too
        trend[-1].open = None
    overdue = await _count(conn, step, step.c.due_on.between(first, end),
                           or_(step.c.done_on.is_(None), step.c.done_on > step.c.due_on))
    escalations = await _count(conn, step, step.c.name.in_(ESCALATIONS), step.c.starts_on.between(first, end))
    return Report(
        region=region, month=first.strftime("%Y-%m"), threshold=threshold,
        by_gemeente=Breakdown(columns=[*BANDS, "totaal"], rows=[*gemeenten, "totaal"],
                              counts=tables[0].published()),
        by_school_type=Breakdown(columns=[*BANDS, "totaal"], rows=[*school_types, "totaal"],
                                 counts=tables[1].published()),
        new=trend[-1].new, ended=trend[-1].ended,
        median_days_to_aanbod=statistics.median(durations) if len(durations) >= threshold else None,
        escalations=_shown(escalations, threshold), overdue_steps=_shown(overdue, threshold), trend=trend)


async def monthly_report(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, month: date,
) -> Report:
    """Decided by the region policy (purpose monitoring) and audited, like any other look."""
    audit = AuditEntry.of(caller, meta, "monitor.read", Purpose.monitoring.value)
    permit = await require_permit(context, audit, None, policy_input(
        context, caller, "monitor.read", Purpose.monitoring, {}), entrypoint="inbeeld.region.decision")
    report = await build(conn, region=context.settings.region, first=month.replace(day=1),
                         threshold=context.settings.monitor_min_count)
    await audit.record(conn, now=context.clock(), outcome=ALLOWED, decision=permit.decision)
    return report


def as_csv(report: Report) -> str:
    """Long format, one count per line; an empty count is suppressed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["region", "month", "table", "row", "column", "count"])

    def put(table: str, row: str, column: str, value: int | float | None) -> None:
        writer.writerow([report.region, report.month, table, row, column, "" if value is None else value])

    for name, breakdown in (("gemeente", report.by_gemeente), ("school_type", report.by_school_type)):
        for row, counts in zip(breakdown.rows, breakdown.counts, strict=True):
            for column, value in zip(breakdown.columns, counts, strict=True):
                put(name, row, column, value)
    for key in ("new", "ended", "median_days_to_aanbod", "escalations", "overdue_steps"):
        put("month", key, "", getattr(report, key))
    for month in report.trend:
        for key in ("open", "new", "ended", "voortijdig_schoolverlaters", "new_voortijdig_schoolverlaters"):
            put("trend", month.month, key, getattr(month, key))
    return out.getvalue()
