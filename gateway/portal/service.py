"""What the portal does for the person logged in: find their children in the BRP, show the index card in
plain words, give, confirm, refuse and withdraw consent, and read who accessed the child's data from the
audit log. Every page view and change is itself audited (organisation `portaal`, the person's pseudonym)."""

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.errors import AdapterError
from adapters.protocols import PersonRegistry
from consent import repository as consents
from consent.errors import ConsentNotValid
from consent.models import ConsentStatus
from consent.rules import Requirement
from consent.service import (
    add_giver,
    consent_requirement,
    givers_satisfy,
    one_custodian_suffices,
    person_pseudonym,
    record_consent,
    status_on,
    withdraw_consent,
)
from gateway.audit import repository as audit_log
from gateway.audit.service import ALLOWED, DENIED, AuditEntry
from gateway.cases.status import RMC_UNTIL_YEARS
from gateway.context import AppContext, RequestMeta
from gateway.core.clock import local_date
from gateway.core.errors import InbeeldError, RecordOnFailure
from gateway.index import repository as index
from gateway.policy.decision import Permit, PolicyDecision
from gateway.policy.engine import decide
from gateway.pseudonyms.bsn import Bsn

from . import labels, repository
from .session import PortalChild, PortalSession, age_on

PORTAL = "portaal"
ENTRYPOINT = "inbeeld.portal.decision"
REFUSALS = {"child-decides-from-16": "Vanaf 16 jaar beslist uw kind zelf over deze gegevens."}


class NothingToShow(Exception):
    """The person has no children under their gezag (and is not a young person of 12 to 22)."""


class RegistryFailed(Exception):
    """The BRP did not answer properly at login."""


class PortalActionRefused(Exception):
    """The person may not do this (not their child, not their consent, nothing to confirm); the message is Dutch."""

    status = 403
    record_on_failure: RecordOnFailure | None = None
    """A refusal by the policy is audited after the rollback, as in the API."""


class PortalFormInvalid(PortalActionRefused):
    """A form value the portal cannot accept; nothing changed."""

    status = 400


@dataclass(frozen=True)
class Login:
    session: PortalSession
    previous_visit: datetime | None


def pseudonym(context: AppContext, session: PortalSession) -> str:
    return person_pseudonym(context, session.relation, session.bsn)


def _audit(context: AppContext, session: PortalSession, meta: RequestMeta, action: str) -> AuditEntry:
    return AuditEntry(PORTAL, session.relation, pseudonym(context, session), meta, action, None)


async def login(context: AppContext, persons: PersonRegistry, bsn: str, now: datetime) -> PortalSession:
    """The person's children under gezag from the BRP (or themselves, a young person of 12 to 22)."""
    today = local_date(now)
    try:
        me = await persons.person(bsn, for_portal=True)
        found = [(minor, await persons.person(minor, for_portal=True)) for minor in
                 (me.minors_in_custody[:10] if me else ())]
    except AdapterError:
        raise RegistryFailed from None
    if me is None:
        raise NothingToShow
    stamp = now.timestamp()
    if me.minors_in_custody:
        children = [PortalChild(minor, child.given_name, child.birth_date.isoformat() if child.birth_date else None)
                    for minor, child in found
                    if child is not None and bsn in child.custodians]  # the child's own record names this custodian
        if children:
            return PortalSession(bsn, me.given_name, "custodian", tuple(children), stamp, stamp)
    age = age_on(me.birth_date.isoformat() if me.birth_date else None, today)
    if age is not None and 12 <= age < RMC_UNTIL_YEARS:  # the index keeps young people in beeld until 23
        myself = PortalChild(bsn, me.given_name, me.birth_date.isoformat() if me.birth_date else None)
        return PortalSession(bsn, me.given_name, "child", (myself,), stamp, stamp)
    raise NothingToShow


async def record_visit(conn: AsyncConnection, context: AppContext, session: PortalSession, meta: RequestMeta,
                       now: datetime) -> datetime | None:
    """Remember this visit; returns the previous one (for "new since your last visit")."""
    previous = await repository.record_visit(conn, pseudonym(context, session), now)
    await _audit(context, session, meta, "portal.login").record(conn, now=now, outcome=ALLOWED)
    return previous


def with_previous_visit(session: PortalSession, previous: datetime | None) -> PortalSession:
    return replace(session, previous_visit=previous.timestamp() if previous else None)


def previous_visit(session: PortalSession) -> datetime | None:
    return datetime.fromtimestamp(session.previous_visit, UTC) if session.previous_visit else None


@dataclass
class ChildSummary:
    number: int
    child: PortalChild
    age: int | None
    self_determined: bool
    partners: list[Any]
    new_partners: int


async def overview(conn: AsyncConnection, context: AppContext, session: PortalSession, meta: RequestMeta,
                   since: datetime | None) -> list[ChildSummary]:
    now = context.clock()
    today = local_date(now)
    result = []
    for number, child in enumerate(session.children):
        decision = await _decide(context, session, child, "portal.child")
        if not decision.allow and "child-decides-from-16" not in decision.reasons:
            continue
        child_id = await _child_id(context, conn, child) if decision.allow else None
        partners = await index.active_involvements(conn, child_id) if child_id else []
        if child_id:
            await _audit(context, session, meta, "portal.overview").allowed(
                conn, now=now, child_id=child_id, permit=Permit(decision))
        new = sum(1 for p in partners if since is not None and p.created_at > since)
        result.append(ChildSummary(number, child, age_on(child.birth_date, today), not decision.allow, partners,
                                   new))
    return result


async def _child_id(context: AppContext, conn: AsyncConnection, child: PortalChild) -> int | None:
    return await index.find_child_id(conn, context.pseudonymiser.index_keys(Bsn(child.bsn)).all_values)


@dataclass
class ConsentView:
    row: Any
    status: str
    can_confirm: bool
    can_withdraw: bool


@dataclass
class ChildPage:
    number: int
    child: PortalChild
    age: int | None
    partners: list[Any]
    consents: list[ConsentView]
    accesses: list[Any]
    organisations: dict[str, str]


async def _decide(context: AppContext, session: PortalSession, child: PortalChild, action: str) -> PolicyDecision:
    """The portal policy (`policies/inbeeld/portal`) on one step of this person about this child."""
    today = local_date(context.clock())
    return await decide(context.policy, ENTRYPOINT, {
        "subject": {"type": "person", "id": pseudonym(context, session),
                    "properties": {"relation": session.relation}},
        "action": {"name": action},
        "resource": {"type": "child", "properties": {
            "age": age_on(child.birth_date, today),
            # Login kept only the children whose own BRP record names this person as a custodian.
            "custodian_has_gezag": session.relation == "custodian",
            "is_self": child.bsn == session.bsn,
        }},
        "context": {"today": today.isoformat()},
    })


@dataclass(frozen=True)
class Step:
    """A permitted step about one of the person's children, with its audit entry."""

    child: PortalChild
    child_id: int | None
    permit: Permit
    audit: AuditEntry

    async def done(self, conn: AsyncConnection, now: datetime) -> None:
        await self.audit.record(conn, now=now, outcome=ALLOWED, child_id=self.child_id,
                                decision=self.permit.decision, fields=self.permit.fields)


async def _own_child(context: AppContext, conn: AsyncConnection, session: PortalSession, meta: RequestMeta,
                     number: int, action: str) -> Step:
    child = session.child(number)
    if child is None:
        raise PortalActionRefused("Dit kind hoort niet bij uw account.")
    audit = _audit(context, session, meta, action)
    child_id = await _child_id(context, conn, child)
    decision = await _decide(context, session, child, action)
    if not decision.allow:
        refused = PortalActionRefused(REFUSALS.get(decision.reasons[0], "Dit kind hoort niet bij uw account."))
        refused.record_on_failure = audit.refusal(
            now=context.clock(), outcome=DENIED, child_id=child_id, decision=decision)
        raise refused
    return Step(child, child_id, Permit(decision), audit)


def _can_give(session: PortalSession, needed: Requirement) -> bool:
    """Is this person among those who must consent (the child, or a custodian the BRP names)?"""
    return session.relation == "child" or session.bsn in needed.custodians


async def child_page(conn: AsyncConnection, context: AppContext, persons: PersonRegistry | None,
                     session: PortalSession, meta: RequestMeta, number: int) -> ChildPage:
    step = await _own_child(context, conn, session, meta, number, "portal.child")
    child, child_id = step.child, step.child_id
    now = context.clock()
    today = local_date(now)
    partners, views, accesses = [], [], []
    names = await repository.organisation_names(conn)
    if child_id is not None:
        partners = await index.active_involvements(conn, child_id)
        me = pseudonym(context, session)
        rows = await consents.for_child(conn, child_id)
        needed = None
        if persons is not None and any(r.status == ConsentStatus.pending and me not in r.given_by for r in rows):
            try:
                needed = await consent_requirement(persons, child.bsn, today)
            except (InbeeldError, AdapterError):  # the page still shows; confirming waits for the BRP
                needed = None
        for row in rows:
            status = status_on(row, today)
            can_confirm = (row.status == ConsentStatus.pending and me not in row.given_by and needed is not None
                           and _can_give(session, needed))
            views.append(ConsentView(row, status, can_confirm, status in ("active", "pending")))
        accesses = await audit_log.about_child(conn, child_id, except_organisation=PORTAL)
    await step.done(conn, now)
    return ChildPage(number, child, age_on(child.birth_date, today), partners, views, accesses, names)


async def give(conn: AsyncConnection, context: AppContext, persons: PersonRegistry | None, session: PortalSession,
               meta: RequestMeta, *, number: int, purpose: str, recipient: str, valid_until: date,
               refuse: bool = False) -> Any:
    """A consent (or a refusal) by the person logged in; it counts once everyone who must consent has."""
    step = await _own_child(context, conn, session, meta, number, "portal.consent.give")
    child, child_id = step.child, step.child_id
    if child_id is None:
        raise PortalActionRefused("Er is nog geen partner betrokken bij uw kind.")
    if purpose not in labels.CONSENT_PURPOSES:
        raise PortalFormInvalid("Voor dit doel is geen toestemming nodig of mogelijk.")
    if not await index.organisation_summaries(conn, [recipient]):
        raise PortalFormInvalid("Deze organisatie kennen wij niet.")
    now = context.clock()
    today = local_date(now)
    if not today <= valid_until <= today + timedelta(days=2 * 366):
        raise PortalFormInvalid("Kies een einddatum vanaf vandaag en binnen twee jaar.")
    needed = await _requirement_or_refuse(context, persons, child, today, purpose)
    if not _can_give(session, needed):
        raise PortalActionRefused("Volgens de BRP heeft u geen gezag over dit kind.")
    me = pseudonym(context, session)
    givers = [me]
    status = ConsentStatus.refused if refuse else ConsentStatus.pending
    if not refuse and givers_satisfy(context, needed, child.bsn, givers):
        status = ConsentStatus.active
    row, _ = await record_consent(
        conn, context, child_id=child_id, purpose=purpose, recipient=recipient, valid_from=today,
        valid_until=valid_until, givers=givers, status=status, obtained_via="portal", registered_by=None,
        child_ref=context.child_refs().seal(child_id, recipient), now=now)
    await step.done(conn, now)
    return row


async def _requirement_or_refuse(context: AppContext, persons: PersonRegistry | None, child: PortalChild,
                                 today: date, purpose: str) -> Requirement:
    try:
        return await consent_requirement(persons, child.bsn, today,
                                         any_custodian=await one_custodian_suffices(context, purpose))
    except ConsentNotValid:
        raise PortalActionRefused("Volgens de BRP kan voor dit kind nu geen geldige toestemming worden gegeven, "
                                  "bijvoorbeeld omdat niet vaststaat wie het gezag heeft.") from None
    except (InbeeldError, AdapterError):
        raise PortalActionRefused("Wij kunnen nu niet nagaan wie toestemming moet geven. Probeer het later.") from None


async def _own_consent(conn: AsyncConnection, context: AppContext, session: PortalSession, meta: RequestMeta,
                       number: int, consent_id: UUID, action: str) -> tuple[Step, int, Any]:
    step = await _own_child(context, conn, session, meta, number, action)
    row = await consents.get(conn, consent_id)
    if step.child_id is None or row is None or row.child_id != step.child_id:
        raise PortalActionRefused("Deze toestemming hoort niet bij uw kind.")
    return step, step.child_id, row


async def respond(conn: AsyncConnection, context: AppContext, persons: PersonRegistry | None,
                  session: PortalSession, meta: RequestMeta, *, number: int, consent_id: UUID, agree: bool) -> None:
    """The other parent (or the child) confirms or refuses a consent that waits for them."""
    step, child_id, row = await _own_consent(conn, context, session, meta, number, consent_id,
                                             "portal.consent.confirm" if agree else "portal.consent.refuse")
    child = step.child
    me = pseudonym(context, session)
    if row.status != ConsentStatus.pending or me in row.given_by:
        raise PortalActionRefused("Deze toestemming wacht niet op u.")
    now = context.clock()
    needed = await _requirement_or_refuse(context, persons, child, local_date(now), row.purpose)
    if not _can_give(session, needed):
        raise PortalActionRefused("Volgens de BRP heeft u geen gezag over dit kind.")
    await add_giver(conn, context, row, giver=me, needed=needed, child_bsn=child.bsn, agree=agree,
                    child_ref=context.child_refs().seal(child_id, row.recipient_id), now=now)
    await step.done(conn, now)


async def withdraw(conn: AsyncConnection, context: AppContext, session: PortalSession, meta: RequestMeta, *,
                   number: int, consent_id: UUID) -> None:
    """Anyone who must consent may withdraw; it counts from the very next request."""
    step, child_id, row = await _own_consent(conn, context, session, meta, number, consent_id,
                                             "portal.consent.withdraw")
    if row.status not in (ConsentStatus.active, ConsentStatus.pending):
        raise PortalActionRefused("Deze toestemming is al niet meer geldig.")
    now = context.clock()
    await withdraw_consent(conn, context, row, by=pseudonym(context, session),
                           child_ref=context.child_refs().seal(child_id, row.recipient_id), now=now)
    await step.done(conn, now)


async def receipts(conn: AsyncConnection, context: AppContext, session: PortalSession, meta: RequestMeta, *,
                   number: int, consent_id: UUID) -> list[dict[str, Any]]:
    step, _, _ = await _own_consent(conn, context, session, meta, number, consent_id, "portal.consent.receipts")
    await step.done(conn, context.clock())
    return [json.loads(d) for d in await consents.receipts(conn, consent_id)]
