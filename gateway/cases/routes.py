"""HTTP only: take dependencies, call one service function, return."""

from fastapi import APIRouter, Response

from gateway.core.errors import problem_responses
from gateway.core.http import JsonRoute
from gateway.dependencies import CallerDep, ConnectionDep, ContextDep, MetaDep
from gateway.index.errors import ChildNotFound
from gateway.index.routes import ChildRefPath, PurposeQuery, denials

from . import service
from .errors import EventIdReused, InvalidEvent
from .schemas import CaseEventIn, CaseView, EventAccepted, Worklist

router = APIRouter(prefix="/v1", tags=["thuiszitters"], route_class=JsonRoute)


@router.post("/children/{child_ref}/events", status_code=201, operation_id="reportCaseEvent",
             responses={200: {"model": EventAccepted, "description": "This event id was received before"},
                        **problem_responses(ChildNotFound, InvalidEvent, EventIdReused, *denials)})
async def report_event(
    child_ref: ChildRefPath, body: CaseEventIn, response: Response, conn: ConnectionDep, context: ContextDep,
    caller: CallerDep, meta: MetaDep,
) -> EventAccepted:
    """Report an attendance fact (absence, enrolment, vrijstelling, passend aanbod) or a step in the case
    (actietafel, joint decision, Interventieteam, doorzettingsmacht, no place). The child's status, cases and
    clocks are derived again from all its events. Sending the same event id again changes nothing (200)."""
    accepted = await service.report_event(conn, context=context, caller=caller, meta=meta, child_ref=child_ref,
                                          body=body)
    if accepted.repeated:
        response.status_code = 200
    return accepted


@router.get("/children/{child_ref}/case", operation_id="getCase",
            responses=problem_responses(ChildNotFound, *denials))
async def get_case(
    child_ref: ChildRefPath, purpose: PurposeQuery, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
    meta: MetaDep,
) -> CaseView:
    """The child's status with the rule version that produced it, its thuiszitter episodes and their clocks."""
    return await service.read_case(conn, context=context, caller=caller, meta=meta, child_ref=child_ref,
                                   purpose=purpose)


@router.get("/worklist", operation_id="getWorklist", responses=problem_responses(*denials))
async def get_worklist(
    purpose: PurposeQuery, conn: ConnectionDep, context: ContextDep, caller: CallerDep, meta: MetaDep,
) -> Worklist:
    """The steps this organisation must act on now, earliest deadline first, with how many days past it."""
    return await service.read_worklist(conn, context=context, caller=caller, meta=meta, purpose=purpose)
