"""Consent registered by a partner after a meeting with the family; withdrawal; receipts; FHIR export.

Who consented is checked against the BRP (age on the day and gezag, `consent.rules`); the BSNs of the
people who consented are turned into pseudonyms at once and never stored.
"""

import json
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.errors import AdapterError
from adapters.protocols import PersonRegistry
from gateway.audit.service import AuditEntry
from gateway.auth.tokens import Caller
from gateway.context import AppContext, RequestMeta
from gateway.core.clock import local_date
from gateway.core.vocabulary import Purpose
from gateway.index import repository as index
from gateway.index.errors import ChildNotFound
from gateway.notifications.service import notify_consent_change
from gateway.policy.enforce import policy_input, require_permit
from gateway.pseudonyms.bsn import Bsn

from . import repository
from .errors import ConsentNotFound, ConsentNotValid, RegistryUnavailable, SourceFailed
from .models import ConsentStatus
from .receipts import sign_receipt
from .rules import ConsentBlocked, requirement, satisfied
from .schemas import ConsentGrant, ConsentGranted, ConsentList, ConsentPublic


def _status(row: Any, today: date) -> str:
    if row.status == ConsentStatus.active and row.valid_until is not None and row.valid_until < today:
        return "expired"
    return str(row.status)


def _public(row: Any, today: date) -> ConsentPublic:
    return ConsentPublic(id=row.id, purpose=row.purpose, recipient=row.recipient_id, valid_from=row.valid_from,
                         valid_until=row.valid_until, status=_status(row, today), obtained_via=row.obtained_via)


def _pseudonym(context: AppContext, kind: str, bsn: str) -> str:
    return f"{kind}:{context.pseudonymiser.index_keys(Bsn(bsn)).current[1].hex()[:16]}"


async def grant(
    conn: AsyncConnection, *, context: AppContext, persons: PersonRegistry | None, caller: Caller,
    meta: RequestMeta, body: ConsentGrant,
) -> ConsentGranted:
    audit = AuditEntry.of(caller, meta, "consent.register", body.purpose)
    keys = context.pseudonymiser.index_keys(body.bsn)
    child_id = await index.find_child_id(conn, keys.all_values)
    involved = child_id is not None and await index.is_involved(conn, child_id, caller.organisation_id)
    permit = await require_permit(context, audit, child_id, policy_input(
        context, caller, "consent.register", body.purpose, {"caller_involved": involved}))
    if child_id is None:
        raise ChildNotFound("No child with this number is known to the index.")
    if persons is None:
        raise RegistryUnavailable("No BRP is configured, so who may consent cannot be checked.")
    try:
        person = await persons.person(body.bsn.digits)
    except AdapterError as error:
        raise SourceFailed(error) from None
    now = context.clock()
    today = local_date(now)
    valid_from = body.valid_from or today
    if person is None:
        raise ConsentNotValid("The BRP does not know this child.", extra={"reason": "child-not-in-brp"})
    needed = requirement(person, today=today)
    if isinstance(needed, ConsentBlocked):
        raise ConsentNotValid("No valid consent can be formed for this child.", extra={"reason": needed.value})
    custodians = {b.digits for b in body.given_by.custodians}
    if not custodians <= set(needed.custodians):
        raise ConsentNotValid("Someone named has no gezag over this child.", extra={"reason": "not-a-custodian"})
    if not satisfied(needed, child_consents=body.given_by.child, consenting_custodians=custodians):
        reason = "child-must-consent" if needed.child_must_consent and not body.given_by.child else "custodians-missing"
        raise ConsentNotValid("Not everyone who must consent has consented.", extra={"reason": reason})
    if body.valid_until is not None and body.valid_until < valid_from:
        raise ConsentNotValid("`valid_until` lies before `valid_from`.", extra={"reason": "invalid-period"})
    hooks = await index.organisations_with_webhooks(conn, body.recipients)
    if set(body.recipients) - hooks.keys():
        raise ConsentNotValid("A recipient is not a known organisation.", extra={"reason": "unknown-recipient"})

    givers = ([_pseudonym(context, "child", body.bsn.digits)] if body.given_by.child else []) + sorted(
        _pseudonym(context, "custodian", b) for b in custodians)
    kid, key = context.keys.current().signing[-1]
    created, receipts = [], []
    for recipient in dict.fromkeys(body.recipients):
        consent_id = await repository.add_with_givers(
            conn, child_id=child_id, purpose=body.purpose.value, recipient_id=recipient, valid_from=valid_from,
            valid_until=body.valid_until, given_by=",".join(givers), registered_by=caller.organisation_id, now=now)
        document = sign_receipt({
            "action": "grant", "consent_id": str(consent_id),
            "child_ref": context.child_refs().seal(child_id, caller.organisation_id),
            "purpose": body.purpose.value, "recipient": recipient, "valid_from": valid_from.isoformat(),
            "valid_until": body.valid_until.isoformat() if body.valid_until else None, "given_by": givers,
            "obtained_via": "organisation", "registered_by": caller.organisation_id, "issued_at": now.isoformat(),
        }, key_id=kid, key=key)
        await repository.add_receipt(conn, consent_id=consent_id, action="grant", document=json.dumps(document),
                                     now=now)
        created.append(_public(await repository.get(conn, consent_id), today))
        receipts.append(document)
        await notify_consent_change(conn, context=context, child_id=child_id, consent_id=str(consent_id),
                                    recipient_id=recipient, action="grant", purpose=body.purpose.value,
                                    webhook_url=hooks[recipient].webhook_url, now=now)
    await audit.allowed(conn, now=now, child_id=child_id, permit=permit)
    return ConsentGranted(consents=created, receipts=receipts)


async def _consent_for_caller(
    conn: AsyncConnection, context: AppContext, caller: Caller, audit: AuditEntry, consent_id: UUID,
    action: str, purpose: Purpose,
) -> tuple[Any, Any]:
    row = await repository.get(conn, consent_id)
    if row is None:
        raise ConsentNotFound("No consent with this id.")
    involved = await index.is_involved(conn, row.child_id, caller.organisation_id)
    permit = await require_permit(context, audit, row.child_id, policy_input(
        context, caller, action, purpose, {"caller_involved": involved}))
    return row, permit


async def withdraw(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, consent_id: UUID,
    purpose: Purpose,
) -> dict[str, Any]:
    """Withdraw at once (the next request already sees it); returns the signed withdrawal receipt."""
    audit = AuditEntry.of(caller, meta, "consent.withdraw", purpose)
    row, permit = await _consent_for_caller(conn, context, caller, audit, consent_id, "consent.withdraw", purpose)
    if row.status != ConsentStatus.active:
        raise ConsentNotFound("This consent is not active.")
    now = context.clock()
    await repository.withdraw(conn, consent_id, now)
    kid, key = context.keys.current().signing[-1]
    document = sign_receipt({
        "action": "withdrawal", "consent_id": str(consent_id),
        "child_ref": context.child_refs().seal(row.child_id, caller.organisation_id),
        "purpose": row.purpose, "recipient": row.recipient_id, "registered_by": caller.organisation_id,
        "issued_at": now.isoformat(),
    }, key_id=kid, key=key)
    await repository.add_receipt(conn, consent_id=consent_id, action="withdrawal", document=json.dumps(document),
                                 now=now)
    hooks = await index.organisations_with_webhooks(conn, [row.recipient_id])
    await notify_consent_change(conn, context=context, child_id=row.child_id, consent_id=str(consent_id),
                                recipient_id=row.recipient_id, action="withdrawal", purpose=row.purpose,
                                webhook_url=hooks[row.recipient_id].webhook_url, now=now)
    await audit.allowed(conn, now=now, child_id=row.child_id, permit=permit)
    return document


async def receipts(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, consent_id: UUID,
    purpose: Purpose,
) -> list[dict[str, Any]]:
    audit = AuditEntry.of(caller, meta, "consent.list", purpose)
    row, permit = await _consent_for_caller(conn, context, caller, audit, consent_id, "consent.list", purpose)
    await audit.allowed(conn, now=context.clock(), child_id=row.child_id, permit=permit)
    return [json.loads(d) for d in await repository.receipts(conn, consent_id)]


async def list_for_child(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, child_ref: str,
    purpose: Purpose,
) -> ConsentList:
    from gateway.core.crypto import CryptoError

    audit = AuditEntry.of(caller, meta, "consent.list", purpose)
    try:
        child_id = context.child_refs().open(child_ref, caller.organisation_id)
    except CryptoError:
        raise ChildNotFound("No child with this reference is known to the index.") from None
    involved = await index.is_involved(conn, child_id, caller.organisation_id)
    permit = await require_permit(context, audit, child_id, policy_input(
        context, caller, "consent.list", purpose, {"caller_involved": involved}))
    today = local_date(context.clock())
    rows = await repository.for_child(conn, child_id)
    await audit.allowed(conn, now=context.clock(), child_id=child_id, permit=permit)
    return ConsentList(child_ref=child_ref, consents=[_public(r, today) for r in rows])


async def fhir_consent(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, consent_id: UUID,
    purpose: Purpose,
) -> dict[str, Any]:
    """The consent as an HL7 FHIR R5 `Consent` resource (pseudonymous subject: the caller's child reference)."""
    audit = AuditEntry.of(caller, meta, "consent.list", purpose)
    row, permit = await _consent_for_caller(conn, context, caller, audit, consent_id, "consent.list", purpose)
    await audit.allowed(conn, now=context.clock(), child_id=row.child_id, permit=permit)
    status = _status(row, local_date(context.clock()))
    return {
        "resourceType": "Consent",
        "id": str(row.id),
        "status": {"active": "active", "withdrawn": "inactive", "refused": "inactive",
                   "expired": "inactive"}[status],
        "date": row.created_at.date().isoformat(),
        "subject": {"identifier": {"system": "urn:inbeeld:child-ref",
                                   "value": context.child_refs().seal(row.child_id, caller.organisation_id)}},
        "grantee": [{"identifier": {"system": "urn:inbeeld:organisation", "value": row.recipient_id}}],
        "controller": [{"identifier": {"system": "urn:inbeeld:organisation", "value": row.registered_by}}]
        if row.registered_by else [],
        "period": {"start": row.valid_from.isoformat(),
                   **({"end": row.valid_until.isoformat()} if row.valid_until else {})},
        "decision": "deny" if row.status == ConsentStatus.refused else "permit",
        "provision": [{"purpose": [{"system": "urn:inbeeld:purpose", "code": row.purpose}]}],
    }
