"""HTTP only: take dependencies, call one service function, return."""

from typing import Annotated

from fastapi import APIRouter, Header, Response

from gateway.core.errors import problem_responses
from gateway.core.http import JsonRoute
from gateway.dependencies import CallerDep, ConnectionDep, ContextDep, MetaDep
from gateway.index.routes import denials

from . import service
from .schemas import Routekaart, RoutekaartUpdate
from .service import VersionRequired, VersionStale

router = APIRouter(prefix="/v1", tags=["routekaart"], route_class=JsonRoute)


@router.get("/routekaart", operation_id="getRoutekaart", responses=problem_responses(*denials))
async def get_routekaart(response: Response, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
                         meta: MetaDep) -> Routekaart:
    """For this signal, which partner do I contact: the region's routekaart (no child data)."""
    routekaart = await service.read(conn, context=context, caller=caller, meta=meta)
    response.headers["ETag"] = f'"{routekaart.version}"'
    return routekaart


@router.put("/routekaart", operation_id="replaceRoutekaart",
            responses=problem_responses(VersionRequired, VersionStale, *denials))
async def replace_routekaart(
    body: RoutekaartUpdate, response: Response, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
    meta: MetaDep, if_match: Annotated[str | None, Header(max_length=40)] = None,
) -> Routekaart:
    """Replace the routekaart (the region's administrator). Send the version you read in If-Match."""
    routekaart = await service.replace(conn, context=context, caller=caller, meta=meta, body=body,
                                       if_match=if_match)
    response.headers["ETag"] = f'"{routekaart.version}"'
    return routekaart
