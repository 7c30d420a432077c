"""The privacy officer's view of the log: filtered records of their own organisation (the policy sets the
scope), flags for what deserves a look, and exports. Reading the log is itself audited."""

import csv
import io
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.tokens import Caller
from gateway.context import AppContext, RequestMeta
from gateway.core.clock import local_date
from gateway.core.crypto import CryptoError, b64url
from gateway.core.vocabulary import Purpose
from gateway.index.errors import ChildNotFound
from gateway.policy.decision import Permit
from gateway.policy.enforce import policy_input, require_permit

from .repository import audit_record, head_size
from .schemas import AuditPage, AuditRecordPublic, Flag
from .service import DENIED, AuditEntry

EXPORT_BATCH = 1000

ENTRYPOINT = "inbeeld.toezicht.decision"
FLAG_WINDOW = 10_000
"""Flags look at the newest records matching the filter, at most this many."""
DENIAL_BURST = (5, timedelta(minutes=10))
"""So many denials of one professional within so long."""
UNUSUAL_VOLUME = 3.0
"""A professional above this many times the median number of reads of the organisation's others (and ≥ 20)."""
READ_ACTIONS = frozenset({"child.lookup", "child.read", "involvements.list"})
STATUTORY_BASES = frozenset({"leerplichtwet", "bw-1-jeugdbescherming"})
"""The statutory tasks of `policies/inbeeld/vocabulary` that open more than the signal without consent."""


@dataclass(frozen=True)
class Filters:
    role: str | None = None
    professional: str | None = None
    child_ref: str | None = None
    purpose: str | None = None
    basis: str | None = None
    outcome: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def permit_officer(conn: AsyncConnection, context: AppContext, caller: Caller, meta: RequestMeta,
                         action: str) -> tuple[Permit, AuditEntry]:
    """The toezicht policy decides; a refusal is audited like any other."""
    audit = AuditEntry.of(caller, meta, action, Purpose.toezicht)
    request = policy_input(context, caller, action, Purpose.toezicht, {})
    request["resource"]["type"] = "audit-log"
    return await require_permit(context, audit, None, request, entrypoint=ENTRYPOINT), audit


def _query(context: AppContext, caller: Caller, permit: Permit, filters: Filters) -> Select[Any]:
    query = select(audit_record).where(audit_record.c.purged.is_(False))
    if "scope:own-organisation" in permit.fields:
        query = query.where(audit_record.c.organisation_id == caller.organisation_id)
    if filters.child_ref:
        try:
            child_id = context.child_refs().open(filters.child_ref, caller.organisation_id)
        except CryptoError:
            raise ChildNotFound("No child with this reference is known to the index.") from None
        query = query.where(audit_record.c.child_id == child_id)
    for column, value in ((audit_record.c.role, filters.role), (audit_record.c.professional, filters.professional),
                          (audit_record.c.purpose, filters.purpose), (audit_record.c.outcome, filters.outcome),
                          (audit_record.c.action, filters.action)):
        if value:
            query = query.where(column == value)
    if filters.basis == "consent":
        query = query.where(audit_record.c.basis.like("consent:%"))
    elif filters.basis:
        query = query.where(audit_record.c.basis == filters.basis)
    if filters.since:
        query = query.where(audit_record.c.occurred_at >= filters.since)
    if filters.until:
        query = query.where(audit_record.c.occurred_at < filters.until)
    return query


def _public(context: AppContext, caller: Caller, row: Any) -> AuditRecordPublic:
    basis = row.basis
    return AuditRecordPublic(
        seq=row.seq, occurred_at=row.occurred_at, request_id=row.request_id, trace_id=row.trace_id,
        processing_activity=row.processing_activity, organisation_id=row.organisation_id, role=row.role,
        professional=row.professional, action=row.action,
        # A refused request must not tell the organisation that the child is known to the index.
        child_ref=context.child_refs().seal(row.child_id, caller.organisation_id)
        if row.child_id and row.outcome == "allowed" else None,
        purpose=row.purpose, basis=basis,
        statutory=basis in STATUTORY_BASES and row.outcome == "allowed",
        outcome=row.outcome, reasons=[r for r in row.reasons.split(",") if r],
        fields=[f for f in row.fields.split(",") if f], policy_revision=row.policy_revision,
        entry_hash=b64url(bytes(row.entry_hash)))


def flags(rows: list[Any]) -> list[Flag]:
    """What a privacy officer should look at, over these records (newest first)."""
    found: list[Flag] = []
    statutory, uninvolved, reads = Counter[str](), Counter[str](), Counter[str]()
    denials: dict[str, list[Any]] = defaultdict(list)
    first_seq: dict[tuple[str, str], int] = {}
    organisation = rows[0].organisation_id if rows else ""
    for row in rows:
        if row.outcome == "allowed" and row.action in READ_ACTIONS:
            reads[row.professional] += 1
            if row.basis in STATUTORY_BASES:
                statutory[row.professional] += 1
                first_seq[("statutory", row.professional)] = row.seq  # newest first: ends at the oldest
            if _uninvolved(row):
                uninvolved[row.professional] += 1
                first_seq[("no-involvement", row.professional)] = row.seq
        if row.outcome == DENIED:
            denials[row.professional].append(row)
    for professional, count in statutory.items():
        found.append(Flag(kind="statutory-access", professional=professional, organisation_id=organisation,
                          count=count, first_seq=first_seq[("statutory", professional)],
                          detail="reads on a statutory basis, without consent"))
    for professional, count in uninvolved.items():
        found.append(Flag(kind="no-involvement", professional=professional, organisation_id=organisation,
                          count=count, first_seq=first_seq[("no-involvement", professional)],
                          detail="reads without an own involvement (statute or consent)"))
    limit, span = DENIAL_BURST
    for professional, denied in denials.items():
        oldest_first = sorted(denied, key=lambda r: r.seq)
        for i in range(len(oldest_first) - limit + 1):
            window = oldest_first[i:i + limit]
            if window[-1].occurred_at - window[0].occurred_at <= span:
                found.append(Flag(kind="denial-burst", professional=professional, organisation_id=organisation,
                                  count=len(denied), first_seq=window[0].seq,
                                  detail=f"{limit} refusals within {int(span.total_seconds() // 60)} minutes"))
                break
    for professional, count in reads.items():
        others = [c for p, c in reads.items() if p != professional]
        median = statistics.median(others) if others else None
        if median is not None and count >= 20 and count > UNUSUAL_VOLUME * median:
            found.append(Flag(kind="unusual-volume", professional=professional, organisation_id=organisation,
                              count=count, first_seq=0,
                              detail=f"{count} reads against a median of {median:g} of the others"))
    return found


def _uninvolved(row: Any) -> bool:
    try:
        facts = json.loads(row.decision_input)["input"]["resource"]["properties"]
    except (ValueError, KeyError, TypeError):
        return False
    return facts.get("caller_involved") is False


async def search(conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta,
                 filters: Filters, limit: int, before: int | None) -> AuditPage:
    permit, audit = await permit_officer(conn, context, caller, meta, "audit.read")
    query = _query(context, caller, permit, filters)
    window = list((await conn.execute(query.order_by(audit_record.c.seq.desc()).limit(FLAG_WINDOW))).all())
    page = [r for r in window if before is None or r.seq < before][:limit]
    await audit.record(conn, now=context.clock(), outcome="allowed", decision=permit.decision)
    return AuditPage(records=[_public(context, caller, r) for r in page],
                     next_before=page[-1].seq if len(page) == limit else None, flags=flags(window))


async def export_csv(conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta,
                     filters: Filters) -> AsyncIterator[str]:
    """The permit and the export's own audit record now, in the request transaction; the CSV after its commit,
    streamed in batches from the log as it stood (an organisation's log of millions of records is never held in
    memory at once)."""
    permit, audit = await permit_officer(conn, context, caller, meta, "audit.export")
    query = _query(context, caller, permit, filters).where(audit_record.c.seq <= await head_size(conn))
    await audit.record(conn, now=context.clock(), outcome="allowed", decision=permit.decision)
    return _csv_in_batches(context, caller, query)


async def _csv_in_batches(context: AppContext, caller: Caller, query: Select[Any]) -> AsyncIterator[str]:
    batch = EXPORT_BATCH
    names = list(AuditRecordPublic.model_fields)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    after = 0
    async with context.db.reading() as conn:
        while True:
            rows = (await conn.execute(query.where(audit_record.c.seq > after).order_by(audit_record.c.seq)
                                       .limit(batch))).all()
            for row in rows:
                record = _public(context, caller, row).model_dump(mode="json")
                writer.writerow({k: _cell(v) for k, v in record.items()})
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            if len(rows) < batch:
                return
            after = rows[-1].seq


def _cell(value: Any) -> str:
    """One CSV cell; text a spreadsheet would run as a formula is quoted with an apostrophe."""
    text = ",".join(value) if isinstance(value, list) else "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


async def activity(conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta,
                   filters: Filters, days: int) -> list[tuple[str, int, int]]:
    """(day, allowed, denied) for the chart."""
    permit, audit = await permit_officer(conn, context, caller, meta, "audit.read")
    since = context.clock() - timedelta(days=days)
    query = _query(context, caller, permit, Filters(**{**filters.__dict__, "since": since}))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in (await conn.execute(query.with_only_columns(audit_record.c.occurred_at, audit_record.c.outcome))):
        counts[local_date(row.occurred_at).isoformat()][0 if row.outcome == "allowed" else 1] += 1
    await audit.record(conn, now=context.clock(), outcome="allowed", decision=permit.decision)
    return [(day, counts[day][0], counts[day][1]) for day in sorted(counts)]
