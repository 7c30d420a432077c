"""HTTP only: take dependencies, call one service function, return."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from gateway.core.errors import BadRequest, problem_responses
from gateway.dependencies import CallerDep, ConnectionDep, ContextDep, MetaDep
from gateway.index.routes import denials

from . import service
from .service import Report

router = APIRouter(prefix="/v1", tags=["monitor"])
MonthQuery = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM",
                                  examples=["2026-11"])]


class InvalidMonth(BadRequest):
    code, title = "invalid-month", "Month out of range"


def _first_day(month: str) -> date:
    if month < "2000":  # "0000-01" is no date at all
        raise InvalidMonth("The monitor starts in 2000.")
    return date.fromisoformat(month + "-01")


@router.get("/monitor", operation_id="getMonitor", responses=problem_responses(InvalidMonth, *denials))
async def get_monitor(month: MonthQuery, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
                      meta: MetaDep) -> Report:
    """The monthly thuiszitter monitor (purpose monitoring): aggregates only, counts under the threshold and
    enough others to protect them suppressed (null)."""
    return await service.monthly_report(conn, context=context, caller=caller, meta=meta, month=_first_day(month))


@router.get("/monitor.csv", operation_id="getMonitorCsv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}, **problem_responses(InvalidMonth, *denials)})
async def get_monitor_csv(month: MonthQuery, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
                          meta: MetaDep) -> Response:
    """The same report as CSV, one count per line; an empty count is suppressed."""
    report = await service.monthly_report(conn, context=context, caller=caller, meta=meta, month=_first_day(month))
    return Response(service.as_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="monitor-{month}.csv"'})
