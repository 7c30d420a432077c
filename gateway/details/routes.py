"""HTTP only: take dependencies, call one service function, return."""

from fastapi import APIRouter

from gateway.core.errors import problem_responses
from gateway.core.http import JsonRoute
from gateway.dependencies import CallerDep, ContextDep, MetaDep
from gateway.index.errors import ChildNotFound
from gateway.index.routes import ChildRefPath, denials

from . import service
from .schemas import DetailsAnswer, DetailsRequest

router = APIRouter(prefix="/v1", tags=["details"], route_class=JsonRoute)


@router.post("/children/{child_ref}/details", operation_id="getChildDetails",
             responses=problem_responses(ChildNotFound, *denials))
async def get_details(child_ref: ChildRefPath, body: DetailsRequest, context: ContextDep, caller: CallerDep,
                      meta: MetaDep) -> DetailsAnswer:
    """Ask the involved partners' own systems, live and in parallel, for the data categories named — as far as
    policy allows, field by field. Sources that do not answer within the deadline are listed as unavailable.
    The answer is not stored."""
    return await service.read_details(context=context, caller=caller, meta=meta, child_ref=child_ref, body=body)
