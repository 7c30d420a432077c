"""Consent registered by a partner after a meeting with the family; withdrawal; receipts; FHIR export.

Who consented is checked against the BRP (age on the day and gezag, `consent.rules`); the BSNs of the
people who consented are turned into pseudonyms at once and never stored.
"""

import json
from datetime import date, datetime
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
from .rules import ConsentBlocked, Requirement, requirement, satisfied
from .schemas import ConsentGrant, ConsentGranted, ConsentList, ConsentPublic


def status_on(row: Any, today: date) -> str:
    """The status a consent has on this day (`expired` follows from its end date)."""
    if row.status == ConsentStatus.active and row.valid_until is not None and row.valid_until < today:
        return "expired"
    return str(row.status)


def _public(row: Any, today: date) -> ConsentPublic:
    return ConsentPublic(id=row.id, purpose=row.purpose, recipient=row.recipient_id, valid_from=row.valid_from,
                         valid_until=row.valid_until, status=status_on(row, today), obtained_via=row.obtained_via)


def person_pseudonym(context: AppContext, kind: str, bsn: str) -> str:
    """How a person who consented is named in the consent record and receipts (`child:…`, `custodian:…`)."""
    return f"{kind}:{context.pseudonymiser.index_keys(Bsn(bsn)).current[1].hex()[:16]}"


ONE_CUSTODIAN_SUFFICES = "inbeeld.vocabulary.one_custodian_suffices"


async def one_custodian_suffices(context: AppContext, purpose: str) -> bool:
    """The region's policy setting: may one parent with joint custody consent alone for this purpose?"""
    purposes, _ = await context.policy.evaluate(ONE_CUSTODIAN_SUFFICES, {})
    return purpose in (purposes or [])


async def consent_requirement(persons: PersonRegistry | None, child_bsn: str, today: date, *,
                              any_custodian: bool = False) -> Requirement:
    """Who must consent for this child today, from the BRP; a problem when nobody can."""
    if persons is None:
        raise RegistryUnavailable("No BRP is configured, so who may consent cannot be checked.")
    try:
        person = await persons.person(child_bsn)
    except AdapterError as error:
        raise SourceFailed(error) from None
    if person is None:
        raise ConsentNotValid("The BRP does not know this child.", extra={"reason": "child-not-in-brp"})
    needed = requirement(person, today=today, one_custodian_suffices=any_custodian)
    if isinstance(needed, ConsentBlocked):
        raise ConsentNotValid("No valid consent can be formed for this child.", extra={"reason": needed.value})
    return needed


def givers_satisfy(context: AppContext, needed: Requirement, child_bsn: str, givers: list[str]) -> bool:
    custodians = {b for b in needed.custodians if person_pseudonym(context, "custodian", b) in givers}
    return satisfied(needed, child_consents=person_pseudonym(context, "child", child_bsn) in givers,
                     consenting_custodians=custodians)


def _sign(context: AppContext, content: dict[str, Any]) -> dict[str, Any]:
    kid, key = context.keys.current().signing[-1]
    return sign_receipt(content, key_id=kid, key=key)


async def _receipt(conn: AsyncConnection, context: AppContext, row: Any, *, action: str, by: list[str],
                   child_ref: str, now: datetime) -> dict[str, Any]:
    """Sign and keep a receipt for what just happened to this consent."""
    document = _sign(context, {
        "action": action, "consent_id": str(row.id), "child_ref": child_ref, "purpose": row.purpose,
        "recipient": row.recipient_id, "valid_from": row.valid_from.isoformat(),
        "valid_until": row.valid_until.isoformat() if row.valid_until else None, "status": str(row.status),
        "by": by, "given_by": [g for g in row.given_by.split(",") if g], "obtained_via": row.obtained_via,
        "registered_by": row.registered_by, "issued_at": now.isoformat(),
    })
    await repository.add_receipt(conn, consent_id=row.id, action=action, document=json.dumps(document), now=now)
    return document


async def _notify(conn: AsyncConnection, context: AppContext, row: Any, action: str, now: datetime) -> None:
    hooks = await index.organisations_with_webhooks(conn, [row.recipient_id])
    await notify_consent_change(conn, context=context, child_id=row.child_id, consent_id=str(row.id),
                                recipient_id=row.recipient_id, action=action, purpose=row.purpose,
                                webhook_url=hooks[row.recipient_id].webhook_url, now=now)


async def record_consent(
    conn: AsyncConnection, context: AppContext, *, child_id: int, purpose: str, recipient: str, valid_from: date,
    valid_until: date | None, givers: list[str], status: ConsentStatus, obtained_via: str,
    registered_by: str | None, child_ref: str, now: datetime,
) -> tuple[Any, dict[str, Any]]:
    """Store one consent (or refusal) with its signed receipt; tell the recipient once it counts."""
    consent_id = await repository.add_with_givers(
        conn, child_id=child_id, purpose=purpose, recipient_id=recipient, valid_from=valid_from,
        valid_until=valid_until, given_by=",".join(givers), registered_by=registered_by, obtained_via=obtained_via,
        status=status, now=now)
    row = await repository.get(conn, consent_id)
    action = "refusal" if status is ConsentStatus.refused else "grant"
    document = await _receipt(conn, context, row, action=action, by=givers, child_ref=child_ref, now=now)
    if status is not ConsentStatus.pending:
        await _notify(conn, context, row, action, now)
    return row, document


async def add_giver(
    conn: AsyncConnection, context: AppContext, row: Any, *, giver: str, needed: Requirement, child_bsn: str,
    agree: bool, child_ref: str, now: datetime,
) -> dict[str, Any]:
    """Someone else who must consent agrees to (or refuses) a pending consent; it counts once all have."""
    givers = [g for g in row.given_by.split(",") if g]
    if agree:
        givers.append(giver)
        status = ConsentStatus.active if givers_satisfy(context, needed, child_bsn, givers) else ConsentStatus.pending
    else:
        status = ConsentStatus.refused
    await repository.set_givers(conn, row.id, given_by=",".join(givers), status=status)
    row = await repository.get(conn, row.id)
    action = "grant" if agree else "refusal"
    document = await _receipt(conn, context, row, action=action, by=[giver], child_ref=child_ref, now=now)
    if status is not ConsentStatus.pending:
        await _notify(conn, context, row, action, now)
    return document


async def withdraw_consent(conn: AsyncConnection, context: AppContext, row: Any, *, by: str, child_ref: str,
                           now: datetime) -> dict[str, Any]:
    """Withdraw at once (the next request already sees it); any one person who gave it may."""
    await repository.withdraw(conn, row.id, now)
    row = await repository.get(conn, row.id)
    document = await _receipt(conn, context, row, action="withdrawal", by=[by], child_ref=child_ref, now=now)
    await _notify(conn, context, row, "withdrawal", now)
    return document


async def grant(
    conn: AsyncConnection, *, context: AppContext, persons: PersonRegistry | None, caller: Caller,
    meta: RequestMeta, body: ConsentGrant,
) -> ConsentGranted:
    """A consent (or a refusal) obtained by a partner's professional with the family."""
    audit = AuditEntry.of(caller, meta, "consent.register", body.purpose)
    keys = context.pseudonymiser.index_keys(body.bsn)
    child_id = await index.find_child_id(conn, keys.all_values)
    involved = child_id is not None and await index.is_involved(conn, child_id, caller.organisation_id)
    permit = await require_permit(context, audit, child_id, policy_input(
        context, caller, "consent.register", body.purpose, {"caller_involved": involved}))
    if child_id is None:
        raise ChildNotFound("No child with this number is known to the index.")
    now = context.clock()
    today = local_date(now)
    valid_from = body.valid_from or today
    needed = await consent_requirement(persons, body.bsn.digits, today,
                                       any_custodian=await one_custodian_suffices(context, body.purpose.value))
    custodians = {b.digits for b in body.given_by.custodians}
    if not custodians <= set(needed.custodians):
        raise ConsentNotValid("Someone named has no gezag over this child.", extra={"reason": "not-a-custodian"})
    refused = body.decision == "refused"
    if not refused and not satisfied(needed, child_consents=body.given_by.child, consenting_custodians=custodians):
        reason = "child-must-consent" if needed.child_must_consent and not body.given_by.child else "custodians-missing"
        raise ConsentNotValid("Not everyone who must consent has consented.", extra={"reason": reason})
    if refused and not (body.given_by.child or custodians):
        raise ConsentNotValid("A refusal names who refused.", extra={"reason": "nobody-named"})
    if body.valid_until is not None and body.valid_until < valid_from:
        raise ConsentNotValid("`valid_until` lies before `valid_from`.", extra={"reason": "invalid-period"})
    hooks = await index.organisations_with_webhooks(conn, body.recipients)
    if set(body.recipients) - hooks.keys():
        raise ConsentNotValid("A recipient is not a known organisation.", extra={"reason": "unknown-recipient"})

    givers = ([person_pseudonym(context, "child", body.bsn.digits)] if body.given_by.child else []) + sorted(
        person_pseudonym(context, "custodian", b) for b in custodians)
    child_ref = context.child_refs().seal(child_id, caller.organisation_id)
    created, receipts = [], []
    for recipient in dict.fromkeys(body.recipients):
        row, document = await record_consent(
            conn, context, child_id=child_id, purpose=body.purpose.value, recipient=recipient,
            valid_from=valid_from, valid_until=body.valid_until, givers=givers,
            status=ConsentStatus.refused if refused else ConsentStatus.active, obtained_via="organisation",
            registered_by=caller.organisation_id, child_ref=child_ref, now=now)
        created.append(_public(row, today))
        receipts.append(document)
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
    document = await withdraw_consent(conn, context, row, by=f"organisation:{caller.organisation_id}",
                                      child_ref=context.child_refs().seal(row.child_id, caller.organisation_id),
                                      now=now)
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
    status = status_on(row, local_date(context.clock()))
    return {
        "resourceType": "Consent",
        "id": str(row.id),
        "status": {"pending": "draft", "active": "active", "withdrawn": "inactive", "refused": "active",
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
