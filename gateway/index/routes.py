"""HTTP only: take dependencies, call one service function, return."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response

from gateway.core.errors import PayloadTooLarge, linked, problem_responses
from gateway.core.http import BATCH_PATH, JsonRoute
from gateway.core.vocabulary import Purpose
from gateway.dependencies import CallerDep, ConnectionDep, ContextDep, MetaDep
from gateway.policy.decision import PolicyDenied
from gateway.policy.engine import PolicyUnavailable

from . import service
from .errors import ChildNotFound, InvalidPeriod, InvolvementExists, InvolvementNotFound, UnknownOrganisation
from .schemas import (
    ChildCard,
    ChildLookup,
    ChildReference,
    InvolvementBatch,
    InvolvementBatchResult,
    InvolvementCreate,
    InvolvementList,
    InvolvementRegistered,
    RegisseurAssignment,
)

router = APIRouter(prefix="/v1", tags=["case index"], route_class=JsonRoute)
PurposeQuery = Annotated[Purpose, Query(description="Why the data is needed (doelbinding)")]
ChildRefPath = Annotated[str, Path(min_length=10, max_length=96, pattern=r"^[A-Za-z0-9_.-]+$",
                                   description="This organisation's reference for the child")]
denials = (PolicyDenied, PolicyUnavailable)


_CHILD = {"child_ref": "$response.body#/child_ref", "purpose": "$request.body#/purpose"}
_ABOUT_CHILD = {"GetChildCard": ("getChildCard", _CHILD), "ListInvolvements": ("listInvolvements", _CHILD),
                "GetCase": ("getCase", _CHILD), "ListConsents": ("listConsents", _CHILD)}


@router.post("/involvements", status_code=201, operation_id="registerInvolvement",
             responses=linked(problem_responses(InvalidPeriod, *denials, InvolvementExists), 201, **_ABOUT_CHILD,
                              EndInvolvement=("endInvolvement", {"involvement_id": "$response.body#/id",
                                                                 "purpose": "$request.body#/purpose"})))
async def register_involvement(
    body: InvolvementCreate, conn: ConnectionDep, context: ContextDep, caller: CallerDep, meta: MetaDep,
) -> InvolvementRegistered:
    """Register that this organisation is involved with a child (BSN in the body). Other involved
    partners and this organisation are told of the match by webhook."""
    return await service.register_involvement(conn, context=context, caller=caller, meta=meta, body=body)


@router.post(BATCH_PATH.removeprefix("/v1"), operation_id="registerInvolvements",
             responses=problem_responses(PayloadTooLarge, *denials))
async def register_involvements(
    body: InvolvementBatch, conn: ConnectionDep, context: ContextDep, caller: CallerDep, meta: MetaDep,
) -> InvolvementBatchResult:
    """Register up to 500 involvements at once (a school's whole intake), each checked, decided and
    audited as alone. Answers 200 with an outcome per item: 201 with the registration, or the problem's status
    and code. Partners are told of matches by webhook, as for one."""
    return await service.register_involvements(conn, context=context, caller=caller, meta=meta, body=body)


@router.delete("/involvements/{involvement_id}", status_code=204, operation_id="endInvolvement",
               response_class=Response, responses=problem_responses(InvolvementNotFound, *denials))
async def end_involvement(
    involvement_id: UUID, purpose: PurposeQuery, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
    meta: MetaDep,
) -> None:
    """End this organisation's involvement. It stays on record for the audit, no longer shown."""
    await service.end_involvement(conn, context=context, caller=caller, meta=meta,
                                  involvement_id=involvement_id, purpose=purpose)


@router.post("/children/lookup", operation_id="lookupChild",
             responses=linked(problem_responses(ChildNotFound, *denials), 200, **_ABOUT_CHILD))
async def lookup_child(
    body: ChildLookup, context: ContextDep, caller: CallerDep, meta: MetaDep,
) -> ChildReference:
    """This organisation's reference for a child, by BSN in the body."""
    return await service.lookup_child(context=context, caller=caller, meta=meta, body=body)


@router.get("/children/{child_ref}", operation_id="getChildCard",
            responses=problem_responses(ChildNotFound, *denials), response_model_exclude_none=True)
async def get_child_card(
    child_ref: ChildRefPath, purpose: PurposeQuery, context: ContextDep, caller: CallerDep, meta: MetaDep,
) -> ChildCard:
    """The child's index card: attendance status, regisseur, involvements — as far as policy allows."""
    return await service.read_card(context=context, caller=caller, meta=meta,
                                   child_ref=child_ref, purpose=purpose)


@router.get("/children/{child_ref}/involvements", operation_id="listInvolvements",
            responses=problem_responses(ChildNotFound, *denials))
async def list_involvements(
    child_ref: ChildRefPath, purpose: PurposeQuery, context: ContextDep, caller: CallerDep, meta: MetaDep,
) -> InvolvementList:
    """Which partners are involved with the child and how to reach them."""
    return await service.list_involvements(context=context, caller=caller, meta=meta,
                                           child_ref=child_ref, purpose=purpose)


@router.put("/children/{child_ref}/regisseur", operation_id="assignRegisseur",
            responses=problem_responses(ChildNotFound, UnknownOrganisation, *denials),
            response_model_exclude_none=True)
async def assign_regisseur(
    child_ref: ChildRefPath, body: RegisseurAssignment, conn: ConnectionDep, context: ContextDep,
    caller: CallerDep, meta: MetaDep,
) -> ChildCard:
    """Name the one organisation that coordinates the case (it must be involved)."""
    return await service.assign_regisseur(conn, context=context, caller=caller, meta=meta,
                                          child_ref=child_ref, body=body)
