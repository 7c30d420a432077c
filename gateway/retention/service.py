"""Applying the retention terms (settings `INBEELD_RETENTION_*`), run daily by `inbeeld retention apply`:

- an involvement signal: two years after it ended;
- thuiszitter history: an ended case with its clocks, and absence reports and case steps, two years after their
  date — not while the child is at home now; enrolments and vrijstellingen stay while the child is in the index
  (they say where it stands);
- a child: at its 23rd birthday when a partner gave the birth date (the index keeps only the month after it),
  or once no involvement and no consent about it is left;
- an audit record: at least five years, then its content is emptied; its position and hashes stay, and a purge
  record (itself in the log, covered by the next checkpoint) declares up to where, so verification accepts it.
"""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from consent.models import Consent, ConsentReceipt
from gateway.audit.repository import append, audit_record
from gateway.audit.verify import PURGE_ACTION
from gateway.cases.models import CaseEvent, CaseStep, ThuiszitterCase
from gateway.core.clock import local_date
from gateway.core.settings import Settings
from gateway.index.models import Child, Involvement

child = Child.__table__  # type: ignore[attr-defined]
involvement = Involvement.__table__  # type: ignore[attr-defined]
consent = Consent.__table__  # type: ignore[attr-defined]
receipt = ConsentReceipt.__table__  # type: ignore[attr-defined]
case_event = CaseEvent.__table__  # type: ignore[attr-defined]
case_table = ThuiszitterCase.__table__  # type: ignore[attr-defined]
case_step = CaseStep.__table__  # type: ignore[attr-defined]
_EMPTIED = {"request_id": "", "trace_id": "", "span_id": "", "organisation_id": "", "role": "", "professional": "",
            "action": "", "child_id": None, "purpose": None, "basis": None, "outcome": "", "reasons": "", "fields": "",
            "policy_revision": "", "decision_input": "", "client": "", "purged": True}


@dataclass(frozen=True)
class Applied:
    involvements: int
    case_events: int
    cases: int
    children: int
    audit_records: int
    purged_through: int


def retain_until(birth_date: date, age: int) -> date:
    """The first day of the month after the birthday of `age`: the index keeps no exact birth date."""
    birthday = birth_date.replace(year=birth_date.year + age) if (birth_date.month, birth_date.day) != (2, 29) \
        else date(birth_date.year + age, 3, 1)
    return date(birthday.year + birthday.month // 12, birthday.month % 12 + 1, 1)


def _years_before(moment: datetime, years: int) -> datetime:
    return moment - timedelta(days=round(365.25 * years))


async def _remove_children(conn: AsyncConnection, ids: list[int]) -> int:
    if not ids:
        return 0
    for table in (case_step, case_table, case_event):
        await conn.execute(delete(table).where(table.c.child_id.in_(ids)))
    consent_ids = select(consent.c.id).where(consent.c.child_id.in_(ids))
    await conn.execute(delete(receipt).where(receipt.c.consent_id.in_(consent_ids)))
    await conn.execute(delete(consent).where(consent.c.child_id.in_(ids)))
    await conn.execute(delete(involvement).where(involvement.c.child_id.in_(ids)))
    await conn.execute(delete(child).where(child.c.id.in_(ids)))
    return len(ids)


async def apply(conn: AsyncConnection, *, settings: Settings, now: datetime) -> Applied:
    today = local_date(now)
    ended = await conn.execute(delete(involvement).where(
        involvement.c.ended_at < _years_before(now, settings.retention_involvement_years)))
    horizon = today - timedelta(days=round(365.25 * settings.retention_involvement_years))
    at_home = select(case_table.c.child_id).where(case_table.c.ended_on.is_(None))
    await conn.execute(delete(case_step).where(case_step.c.done_on < horizon, case_step.c.child_id.notin_(at_home)))
    cases = await conn.execute(delete(case_table).where(case_table.c.ended_on < horizon))
    events = await conn.execute(delete(case_event).where(
        case_event.c.kind.notin_(["enrolment", "de-enrolment", "vrijstelling-5a"]),
        func.coalesce(case_event.c.ends_on, case_event.c.starts_on) < horizon, case_event.c.child_id.notin_(at_home)))
    grown_up = [r[0] for r in await conn.execute(select(child.c.id).where(child.c.retain_until <= today))]
    forgotten = [r[0] for r in await conn.execute(select(child.c.id).where(
        ~exists().where(involvement.c.child_id == child.c.id), ~exists().where(consent.c.child_id == child.c.id)))]
    children = await _remove_children(conn, sorted(set(grown_up) | set(forgotten)))

    cutoff = _years_before(now, settings.retention_audit_years)
    through = await conn.scalar(select(func.max(audit_record.c.seq)).where(
        audit_record.c.occurred_at < cutoff, audit_record.c.purged.is_(False)))
    emptied = 0
    if through:
        emptied = (await conn.execute(update(audit_record).where(
            audit_record.c.seq <= through, audit_record.c.purged.is_(False)).values(**_EMPTIED))).rowcount
        await append(conn, {
            "occurred_at": now, "request_id": f"retention-{now:%Y%m%d%H%M%S}", "trace_id": "", "span_id": "",
            "processing_activity": "inbeeld/beheer", "client": "", "organisation_id": settings.region,
            "role": "retention", "professional": "system", "action": PURGE_ACTION, "child_id": None,
            "purpose": None, "basis": "retention", "outcome": "allowed", "reasons": "", "fields": "",
            "policy_revision": "", "decision_input": json.dumps({"purged_through": through,
                                                                  "before": cutoff.isoformat()})})
    return Applied(ended.rowcount, events.rowcount, cases.rowcount, children, emptied, through or 0)

