"""Case index logic. Each operation: decide (policy), then read or write, then audit — the audit
record in the same transaction as the change; a refusal audited after the rollback."""

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from consent import repository as consents
from gateway.audit.repository import append_many
from gateway.audit.service import ALLOWED, NOT_FOUND, AuditEntry
from gateway.auth.tokens import Caller
from gateway.context import AppContext, RequestMeta
from gateway.core.clock import local_date
from gateway.core.crypto import CryptoError
from gateway.core.db import Database, statements_in_loop
from gateway.core.errors import InbeeldError, ServiceUnavailable
from gateway.core.vocabulary import Purpose
from gateway.notifications.service import Party, notify_match
from gateway.organisations.schemas import OrganisationSummary
from gateway.policy.decision import Permit, PolicyDecision
from gateway.policy.enforce import policy_input, require_permit
from gateway.pseudonyms.bsn import Bsn
from gateway.retention.service import retain_until

from . import repository
from .errors import (
    BeyondRetentionAge,
    ChildNotFound,
    InvalidPeriod,
    InvolvementExists,
    InvolvementNotFound,
    UnknownOrganisation,
)
from .schemas import (
    Attendance,
    BatchOutcome,
    ChildCard,
    ChildLookup,
    ChildReference,
    InvolvementBatch,
    InvolvementBatchResult,
    InvolvementCreate,
    InvolvementList,
    InvolvementPublic,
    InvolvementRegistered,
    RegisseurAssignment,
)


def not_found(context: AppContext, audit: AuditEntry, decision: PolicyDecision | None = None) -> ChildNotFound:
    error = ChildNotFound("No child with this reference or number is known to the index.")
    error.record_on_failure = audit.refusal(
        now=context.clock(), outcome=NOT_FOUND, decision=decision)
    return error


def open_ref(context: AppContext, audit: AuditEntry, caller: Caller, child_ref: str) -> int:
    try:
        return context.child_refs().open(child_ref, caller.organisation_id)
    except CryptoError:
        raise not_found(context, audit) from None


async def basis_facts(conn: AsyncConnection, child_id: int, organisation_id: str) -> dict[str, Any]:
    """What the policy weighs about the caller's relation to a child: its own involvement, its consents."""
    return {"caller_involved": await repository.is_involved(conn, child_id, organisation_id),
            "consents": await consents.for_recipient(conn, child_id, organisation_id)}


async def involvements_with_facts(conn: AsyncConnection, child_id: int, organisation_id: str
                                  ) -> tuple[list[Any], dict[str, Any]]:
    """The child's active involvements and the basis facts, the caller's own involvement taken from them."""
    rows = await repository.active_involvements(conn, child_id)
    return rows, {"caller_involved": any(r.organisation_id == organisation_id for r in rows),
                  "consents": await consents.for_recipient(conn, child_id, organisation_id)}


def _summary(organisation_id: str, name: str, org_type: str) -> OrganisationSummary:
    return OrganisationSummary.model_validate({"id": organisation_id, "name": name, "type": org_type})


def _visible_involvements(permit: Permit, caller: Caller, rows: list[Any]) -> list[InvolvementPublic]:
    return [
        InvolvementPublic(
            id=row.id if row.organisation_id == caller.organisation_id else None,
            organisation=_summary(row.organisation_id, row.organisation_name, row.organisation_type),
            role=row.professional_role, contact_point=row.contact_point, since=row.since, until=row.until,
        )
        for row in rows if f"involvements:{row.organisation_type}" in permit.fields
    ]


def _check_period(today: date, since: date, until: date | None) -> None:
    if since > today:
        raise InvalidPeriod("`since` lies in the future.")
    if until is not None and until < since:
        raise InvalidPeriod("`until` lies before `since`.")


async def register_involvement(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, body: InvolvementCreate,
) -> InvolvementRegistered:
    [outcome] = await _register(conn, context=context, caller=caller, meta=meta, items=[body])
    if isinstance(outcome, InbeeldError):
        raise outcome  # its refusal's record, if any, is written after the rollback
    return outcome


async def register_involvements(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, body: InvolvementBatch,
) -> InvolvementBatchResult:
    """Each item as if registered alone, all in one transaction: a refused item changes nothing (its refusal is
    recorded) and the others go on."""
    await statements_in_loop(conn)
    results = []
    for index, outcome in enumerate(await _register(conn, context=context, caller=caller, meta=meta,
                                                    items=body.involvements)):
        if isinstance(outcome, InbeeldError):
            if outcome.record_on_failure is not None:
                await outcome.record_on_failure(conn)
            results.append(BatchOutcome(index=index, status=outcome.status, problem=outcome.code))
        else:
            results.append(BatchOutcome(index=index, status=201, involvement=outcome))
    registered = sum(r.status == 201 for r in results)
    return InvolvementBatchResult(registered=registered, refused=len(results) - registered, results=results)


def _checked(context: AppContext, item: InvolvementCreate, today: date) -> date | None:
    """The date the child leaves the index, if a birth date says; raises for dates that cannot be."""
    _check_period(today, item.since or today, item.until)
    if item.birth_date is None:
        return None
    if item.birth_date > today:
        raise InvalidPeriod("`birth_date` lies in the future.")
    leaves_index = retain_until(item.birth_date, context.settings.retention_age)
    if leaves_index <= today:  # registered only for the retention job to erase it
        raise BeyondRetentionAge("The index keeps a child only until the month after it turns "
                                 f"{context.settings.retention_age}.")
    return leaves_index


def _exists() -> InvolvementExists:
    return InvolvementExists("This organisation already has an active involvement with this child.")


async def _register(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, items: list[InvolvementCreate],
) -> list[InvolvementRegistered | InbeeldError]:
    """Register involvements of the caller, set-based: a few statements for the lot, whatever their number.
    Per item, in the order one registration takes: the decision, the dates, an involvement of the caller already
    there (or made by an earlier item); then the writes, the audit records and the partners' notifications."""
    now = context.clock()
    today = local_date(now)
    outcomes: list[InvolvementRegistered | InbeeldError | None] = [None] * len(items)
    permits: dict[Purpose, Permit | InbeeldError] = {}
    accepted: list[tuple[int, InvolvementCreate, Any, Permit, date | None]] = []
    for index, item in enumerate(items):
        if item.purpose not in permits:
            try:
                permits[item.purpose] = await require_permit(
                    context, AuditEntry.of(caller, meta, "involvement.register", item.purpose), None,
                    policy_input(context, caller, "involvement.register", item.purpose, {}))
            except ServiceUnavailable:
                raise
            except InbeeldError as denied:
                permits[item.purpose] = denied
        permit = permits[item.purpose]
        try:
            if isinstance(permit, InbeeldError):
                raise permit
            leaves_index = _checked(context, item, today)
        except InbeeldError as refused:
            outcomes[index] = refused
            continue
        accepted.append((index, item, context.pseudonymiser.index_keys(item.bsn), permit, leaves_index))
    if accepted:
        organisations = await repository.organisations_with_webhooks(conn, [caller.organisation_id])
        if caller.organisation_id not in organisations:
            raise UnknownOrganisation("The calling organisation is not registered with this gateway.")
        me = organisations[caller.organisation_id]
        child_ids = await repository.find_or_create_children(
            conn, index_keys=[keys.all_values for _, _, keys, _, _ in accepted], key_id=accepted[0][2].current[0],
            now=now)
        partners = await repository.active_involvements_of(conn, child_ids)
        involved = {c for c, rows in partners.items() if any(r.organisation_id == caller.organisation_id
                                                             for r in rows)}
        rows, made = [], []
        for (index, item, _, permit, leaves_index), child_id in zip(accepted, child_ids, strict=True):
            if child_id in involved:
                outcomes[index] = _exists()
                continue
            involved.add(child_id)
            if item.birth_date is not None and leaves_index is not None:
                await repository.record_birth(conn, child_id=child_id, birth_month=item.birth_date.replace(day=1),
                                              until=leaves_index)
            row: dict[str, Any] = {"id": uuid4(), "child_id": child_id, "organisation_id": caller.organisation_id,
                   "professional_role": caller.role, "contact_point": item.contact_point or me.contact_point,
                   "since": item.since or today, "until": item.until, "legal_basis": item.legal_basis,
                   "created_at": now}
            rows.append(row)
            made.append((index, item, permit, row))
        inserted = await repository.insert_involvements(conn, rows)
        records = []
        for index, item, permit, row in made:
            if row["id"] not in inserted:  # a concurrent registration by the same organisation won
                outcomes[index] = _exists()
                continue
            records.append(AuditEntry.of(caller, meta, "involvement.register", item.purpose).row(
                now=now, outcome=ALLOWED, child_id=row["child_id"], decision=permit.decision, fields=permit.fields))
            outcomes[index] = InvolvementRegistered(
                id=row["id"], child_ref=context.child_refs().seal(row["child_id"], caller.organisation_id),
                role=caller.role, contact_point=row["contact_point"], since=row["since"], until=item.until,
                legal_basis=item.legal_basis)
        await append_many(conn, records)
        newcomers = [(row["child_id"], row) for index, _, _, row in made if row["id"] in inserted]
        await _notify_partners(conn, context, caller, meta, me, newcomers, partners, now)
    done = [o for o in outcomes if o is not None]
    assert len(done) == len(items)  # every item has its outcome
    return done


async def _notify_partners(
    conn: AsyncConnection, context: AppContext, caller: Caller, meta: RequestMeta, me: Any,
    newcomers: list[tuple[int, dict[str, Any]]], partners: dict[int, list[Any]], now: datetime,
) -> None:
    """Tell each partner already involved of the newcomer, and the newcomer of each partner."""
    hooks = await repository.organisations_with_webhooks(
        conn, list({p.organisation_id for child_id, _ in newcomers for p in partners[child_id]}))
    for child_id, row in newcomers:
        newcomer = Party(caller.organisation_id, me.name, me.type, me.webhook_url, caller.role.value,
                         row["contact_point"], row["since"])
        for other in partners[child_id]:
            partner = Party(other.organisation_id, other.organisation_name, other.organisation_type,
                            hooks[other.organisation_id].webhook_url, other.professional_role, other.contact_point,
                            other.since)
            await notify_match(conn, context=context, meta=meta, child_id=child_id,
                               recipient=partner, partner=newcomer, now=now)
            await notify_match(conn, context=context, meta=meta, child_id=child_id,
                               recipient=newcomer, partner=partner, now=now)


async def end_involvement(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta,
    involvement_id: UUID, purpose: Purpose,
) -> None:
    audit = AuditEntry.of(caller, meta, "involvement.end", purpose)
    row = await repository.get_active_involvement(conn, involvement_id)
    if row is None:
        raise InvolvementNotFound("No active involvement with this id.")
    permit = await require_permit(context, audit, row.child_id, policy_input(
        context, caller, "involvement.end", purpose, {"owner": row.organisation_id}))
    now = context.clock()
    await repository.end_involvement(conn, involvement_id, now)
    await audit.allowed(conn, now=now, child_id=row.child_id, permit=permit)


async def decide_lookup(
    conn: AsyncConnection | Database, *, context: AppContext, caller: Caller, audit: AuditEntry, bsn: Bsn,
    purpose: Purpose,
) -> tuple[int | None, Permit]:
    """The child a BSN names (None when unknown here) and the permit to look it up. Decided before saying whether
    the child exists: without a basis, known and unknown look alike."""
    keys = context.pseudonymiser.index_keys(bsn)
    child_id, involved, consent_rows = await repository.find_child_with_basis(conn, keys.all_values,
                                                                             caller.organisation_id)
    facts = {"caller_involved": involved,
             "consents": [consents.as_policy_input(r.consent_id, r) for r in consent_rows]}
    return child_id, await require_permit(context, audit, child_id, policy_input(
        context, caller, "child.lookup", purpose, facts))


async def lookup_child(*, context: AppContext, caller: Caller, meta: RequestMeta, body: ChildLookup
                       ) -> ChildReference:
    audit = AuditEntry.of(caller, meta, "child.lookup", body.purpose)
    async with context.audit.recording_refusals():
        child_id, permit = await decide_lookup(context.db, context=context, caller=caller, audit=audit,
                                               bsn=body.bsn, purpose=body.purpose)
        if child_id is None:
            raise not_found(context, audit, permit.decision)
    await audit.allowed(context.audit, now=context.clock(), child_id=child_id, permit=permit)
    return ChildReference(child_ref=context.child_refs().seal(child_id, caller.organisation_id))


async def read_with_permit(
    conn: AsyncConnection, context: AppContext, caller: Caller, audit: AuditEntry, child_ref: str,
    purpose: Purpose,
) -> tuple[int, Permit, list[Any]]:
    child_id = open_ref(context, audit, caller, child_ref)
    rows, facts = await involvements_with_facts(conn, child_id, caller.organisation_id)
    permit = await require_permit(context, audit, child_id, policy_input(context, caller, audit.action, purpose,
                                                                         facts))
    return child_id, permit, rows


async def list_involvements(
    *, context: AppContext, caller: Caller, meta: RequestMeta, child_ref: str, purpose: Purpose,
) -> InvolvementList:
    audit = AuditEntry.of(caller, meta, "involvements.list", purpose)
    async with context.audit.reading() as conn:
        child_id, permit, rows = await read_with_permit(conn, context, caller, audit, child_ref, purpose)
    visible = _visible_involvements(permit, caller, rows)
    await audit.allowed(context.audit, now=context.clock(), child_id=child_id, permit=permit)
    return InvolvementList(child_ref=child_ref, involvements=visible)


async def read_card(
    *, context: AppContext, caller: Caller, meta: RequestMeta, child_ref: str, purpose: Purpose,
) -> ChildCard:
    audit = AuditEntry.of(caller, meta, "child.read", purpose)
    async with context.audit.reading() as conn:
        child_id, permit, rows = await read_with_permit(conn, context, caller, audit, child_ref, purpose)
        card = await _card(conn, permit, caller, child_id, child_ref, rows)
    await audit.allowed(context.audit, now=context.clock(), child_id=child_id, permit=permit)
    return card


async def _card(
    conn: AsyncConnection, permit: Permit, caller: Caller, child_id: int, child_ref: str, rows: list[Any],
) -> ChildCard:
    """The card with the fields the permit allows."""
    child = await repository.get_child(conn, child_id)
    if child is None:  # a reference to a child that was merged away or purged
        raise ChildNotFound("No child with this reference or number is known to the index.")
    orgs = await repository.organisation_summaries(
        conn, [o for o in (child.attendance_reported_by, child.regisseur_id) if o])
    card = ChildCard(child_ref=child_ref)
    if "attendance" in permit.fields:
        reporter = orgs.get(child.attendance_reported_by or "")
        card.attendance = Attendance(
            status=child.attendance_status, since=child.attendance_since,
            reported_by=_summary(reporter.id, reporter.name, reporter.type) if reporter else None)
    if "regisseur" in permit.fields and child.regisseur_id in orgs:
        regisseur = orgs[child.regisseur_id]
        card.regisseur = _summary(regisseur.id, regisseur.name, regisseur.type)
    if any(f.startswith("involvements:") for f in permit.fields):
        card.involvements = _visible_involvements(permit, caller, rows)
    return card


async def assign_regisseur(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, child_ref: str,
    body: RegisseurAssignment,
) -> ChildCard:
    audit = AuditEntry.of(caller, meta, "regisseur.set", body.purpose)
    child_id = open_ref(context, audit, caller, child_ref)
    rows = await repository.active_involvements(conn, child_id)
    involved = {r.organisation_id for r in rows}
    facts = {
        "caller_involved": caller.organisation_id in involved,
        "target_involved": body.organisation_id in involved,
        "consents": await consents.for_recipient(conn, child_id, caller.organisation_id),
    }
    permit = await require_permit(context, audit, child_id, policy_input(
        context, caller, "regisseur.set", body.purpose, facts))
    await repository.set_regisseur(conn, child_id=child_id, organisation_id=body.organisation_id)
    card = await _card(conn, permit, caller, child_id, child_ref, rows)
    await audit.allowed(conn, now=context.clock(), child_id=child_id, permit=permit)
    return card
