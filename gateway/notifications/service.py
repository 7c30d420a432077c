"""Match notifications: decided by policy per recipient, written to the outbox with the change."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit.service import ALLOWED, DENIED, AuditEntry
from gateway.context import AppContext, RequestMeta
from gateway.policy.engine import decide

from . import repository

MATCH_EVENT = "involvement.match"


@dataclass(frozen=True, slots=True)
class Party:
    """One involved organisation, as a match notification needs it."""

    organisation_id: str
    organisation_name: str
    organisation_type: str
    webhook_url: str | None
    role: str
    contact_point: str
    since: date


async def notify_match(
    conn: AsyncConnection, *, context: AppContext, meta: RequestMeta, child_id: int,
    recipient: Party, partner: Party, now: datetime,
) -> None:
    """Tell `recipient` that `partner` is involved with the same child, if policy allows."""
    if recipient.webhook_url is None:
        return
    decision = await decide(context.policy, "inbeeld.index.match_notification", {
        "subject": {"type": "organisation", "id": recipient.organisation_id,
                    "properties": {"organisation": recipient.organisation_id,
                                   "organisation_type": recipient.organisation_type}},
        "action": {"name": "match.notify"},
        "resource": {"type": "child", "properties": {"partner_type": partner.organisation_type}},
        "context": {"purpose": "signalering"},
    })
    audit = AuditEntry(recipient.organisation_id, "-", "-", meta, "match.notify", "signalering")
    if not decision.allow:
        await audit.record(conn, now=now, outcome=DENIED, child_id=child_id, decision=decision)
        return
    message_id = uuid4()
    payload = {
        "type": MATCH_EVENT,
        "id": str(message_id),
        "occurred_at": now.isoformat(),
        "child_ref": context.child_refs().seal(child_id, recipient.organisation_id),
        "partner": {
            "organisation": {"id": partner.organisation_id, "name": partner.organisation_name,
                             "type": partner.organisation_type},
            "role": partner.role,
            "contact_point": partner.contact_point,
            "since": partner.since.isoformat(),
        },
    }
    await repository.enqueue(
        conn, message_id=message_id, recipient_id=recipient.organisation_id, event_type=MATCH_EVENT,
        payload=json.dumps(payload, separators=(",", ":"), sort_keys=True), now=now)
    await audit.record(conn, now=now, outcome=ALLOWED, child_id=child_id, decision=decision,
                       fields=decision.fields)


CONSENT_EVENT = "consent.changed"


async def notify_consent_change(
    conn: AsyncConnection, *, context: AppContext, child_id: int, consent_id: str, recipient_id: str,
    action: str, purpose: str, webhook_url: str | None, now: datetime,
) -> None:
    """Tell the recipient of a consent that it was granted or withdrawn (with its own child reference)."""
    if webhook_url is None:
        return
    message_id = uuid4()
    payload = {
        "type": CONSENT_EVENT, "id": str(message_id), "occurred_at": now.isoformat(), "action": action,
        "consent_id": consent_id, "purpose": purpose,
        "child_ref": context.child_refs().seal(child_id, recipient_id),
    }
    await repository.enqueue(conn, message_id=message_id, recipient_id=recipient_id, event_type=CONSENT_EVENT,
                             payload=json.dumps(payload, separators=(",", ":"), sort_keys=True), now=now)
