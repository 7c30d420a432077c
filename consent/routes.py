"""Consent API for partner systems: register a consent obtained with the family, list, withdraw, receipts, FHIR."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query

from gateway.core.errors import linked, problem_responses
from gateway.core.http import JsonRoute
from gateway.core.vocabulary import Purpose
from gateway.dependencies import CallerDep, ConnectionDep, ContextDep, MetaDep
from gateway.index.errors import ChildNotFound
from gateway.policy.decision import PolicyDenied
from gateway.policy.engine import PolicyUnavailable

from . import service
from .errors import ConsentNotFound, ConsentNotValid, RegistryUnavailable
from .schemas import ConsentGrant, ConsentGranted, ConsentList

router = APIRouter(prefix="/v1", tags=["consent"], route_class=JsonRoute)
PurposeQuery = Annotated[Purpose, Query(description="Why the data is needed (doelbinding)")]
ChildRefPath = Annotated[str, Path(min_length=10, max_length=96, pattern=r"^[A-Za-z0-9_.-]+$")]
_errors = (PolicyDenied, PolicyUnavailable, ConsentNotFound)


_CONSENT = {"consent_id": "$response.body#/consents/0/id", "purpose": "$request.body#/purpose"}


@router.post("/consents", status_code=201, operation_id="registerConsent",
             responses=linked(problem_responses(ConsentNotValid, ChildNotFound, *_errors, RegistryUnavailable), 201,
                              WithdrawConsent=("withdrawConsent", _CONSENT),
                              GetConsentReceipts=("getConsentReceipts", _CONSENT),
                              GetConsentFhir=("getConsentFhir", _CONSENT)))
async def register_consent(
    body: ConsentGrant, conn: ConnectionDep, context: ContextDep, caller: CallerDep, meta: MetaDep,
) -> ConsentGranted:
    """Register a consent given to this organisation's professional (checked against age and gezag in the
    BRP); one consent and one signed receipt per recipient."""
    return await service.grant(conn, context=context, persons=context.persons, caller=caller, meta=meta, body=body)


@router.get("/children/{child_ref}/consents", operation_id="listConsents",
            responses=problem_responses(ChildNotFound, *_errors))
async def list_consents(
    child_ref: ChildRefPath, purpose: PurposeQuery, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
    meta: MetaDep,
) -> ConsentList:
    """The consents about a child, with their status today."""
    return await service.list_for_child(conn, context=context, caller=caller, meta=meta, child_ref=child_ref,
                                        purpose=purpose)


@router.delete("/consents/{consent_id}", operation_id="withdrawConsent", responses=problem_responses(*_errors))
async def withdraw_consent(
    consent_id: UUID, purpose: PurposeQuery, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
    meta: MetaDep,
) -> dict[str, Any]:
    """Withdraw a consent; it stops counting for the very next request. Returns the signed receipt."""
    return await service.withdraw(conn, context=context, caller=caller, meta=meta, consent_id=consent_id,
                                  purpose=purpose)


@router.get("/consents/{consent_id}/receipts", operation_id="getConsentReceipts",
            responses=problem_responses(*_errors))
async def consent_receipts(
    consent_id: UUID, purpose: PurposeQuery, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
    meta: MetaDep,
) -> list[dict[str, Any]]:
    """Every signed receipt of a consent (grant, withdrawal), verifiable offline with /v1/webhooks/jwks."""
    return await service.receipts(conn, context=context, caller=caller, meta=meta, consent_id=consent_id,
                                  purpose=purpose)


@router.get("/consents/{consent_id}/fhir", operation_id="getConsentFhir", responses=problem_responses(*_errors))
async def consent_fhir(
    consent_id: UUID, purpose: PurposeQuery, conn: ConnectionDep, context: ContextDep, caller: CallerDep,
    meta: MetaDep,
) -> dict[str, Any]:
    """The consent as an HL7 FHIR R5 Consent resource."""
    return await service.fhir_consent(conn, context=context, caller=caller, meta=meta, consent_id=consent_id,
                                      purpose=purpose)
