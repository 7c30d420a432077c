"""Watches the clocks: re-derives statuses that change with time alone, announces steps when they start and
again when they are overdue, through the webhook outbox to the regisseur, the kernteam and the step's party.
Runs in every replica (`INBEELD_CASE_WATCHER`); a step is marked in the same transaction as its notices, and
the row lock (PostgreSQL) or the single writer (SQLite) keeps two replicas from announcing it twice."""

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit.service import ALLOWED, DENIED, AuditEntry
from gateway.context import AppContext, RequestMeta
from gateway.core.clock import local_date
from gateway.notifications import repository as outbox
from gateway.policy.engine import decide

from . import repository
from .service import reassess

log = logging.getLogger("inbeeld.cases")
STEP_EVENT = "case.step"


@dataclass(frozen=True)
class Watched:
    reassessed: int
    steps: int
    notices: int


async def _notify(conn: AsyncConnection, context: AppContext, meta: RequestMeta, row: Any, state: str,
                  now: datetime) -> int:
    """One notice per recipient, each decided by policy and audited."""
    sent = 0
    for recipient in await repository.recipients(conn, row.child_id, row.party, row.regisseur_id):
        decision = await decide(context.policy, "inbeeld.index.step_notification", {
            "subject": {"type": "organisation", "id": recipient.id,
                        "properties": {"organisation": recipient.id, "organisation_type": recipient.type}},
            "action": {"name": "step.notify"},
            "resource": {"type": "child", "properties": {"step": row.name, "party": row.party,
                                                         "regisseur": row.regisseur_id}},
            "context": {"purpose": "afstemming-kernteam", "today": local_date(now).isoformat()},
        })
        audit = AuditEntry(recipient.id, "-", "-", meta, "step.notify", "afstemming-kernteam")
        if not decision.allow:
            await audit.record(conn, now=now, outcome=DENIED, child_id=row.child_id, decision=decision)
            continue
        if recipient.webhook_url is None:  # the step still shows on its worklist
            continue
        message_id = uuid4()
        payload = {"type": STEP_EVENT, "id": str(message_id), "occurred_at": now.isoformat(), "state": state,
                   "step": row.name, "party": row.party, "starts_on": row.starts_on.isoformat(),
                   "due_on": row.due_on.isoformat(),
                   "case_started_on": row.case_started_on.isoformat() if row.case_started_on else None,
                   "child_ref": context.child_refs().seal(row.child_id, recipient.id)}
        await outbox.enqueue(conn, message_id=message_id, recipient_id=recipient.id, event_type=STEP_EVENT,
                             payload=json.dumps(payload, separators=(",", ":"), sort_keys=True), now=now)
        await audit.record(conn, now=now, outcome=ALLOWED, child_id=row.child_id, decision=decision,
                           fields=decision.fields)
        sent += 1
    return sent


async def watch_once(context: AppContext, *, batch: int = 200) -> Watched:
    """One bounded pass; call again while it reports work."""
    now = context.clock()
    today = local_date(now)
    meta = RequestMeta(request_id=f"watch-{uuid4().hex[:12]}", client="case-watcher")
    async with context.db.request_transaction() as conn:
        children = await repository.children_to_reassess(conn, today, batch)
        for child_id in children:
            await repository.lock_child(conn, child_id)
            await reassess(conn, context, child_id, today)
    notices = 0
    async with context.db.request_transaction() as conn:
        steps = await repository.steps_to_notify(conn, today, batch)
        for row in steps:
            overdue = row.due_on < today
            notices += await _notify(conn, context, meta, row, "overdue" if overdue else "due", now)
            await repository.mark_notified(conn, row.id, "announced_at", now)
            if overdue:
                await repository.mark_notified(conn, row.id, "overdue_at", now)
    return Watched(len(children), len(steps), notices)


async def run_case_watcher(context: AppContext, stop: asyncio.Event, *, batch: int = 200) -> None:
    while not stop.is_set():
        try:
            for _ in range(100):  # a backlog is worked off in bounded passes
                watched = await watch_once(context, batch=batch)
                if stop.is_set() or (watched.reassessed < batch and watched.steps < batch):
                    break
        except Exception as exc:  # the database may be briefly unavailable; try again next round
            log.warning("case watch failed", extra={"error_type": type(exc).__name__})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=context.settings.case_watch_seconds)
