"""Reporting events, reading a case, the worklist. Each: decide (policy), act, audit in the same transaction;
the status, cases and steps are re-derived from all of the child's events on every change."""

import hashlib
from datetime import date

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.audit.service import ALLOWED, AuditEntry
from gateway.auth.tokens import Caller
from gateway.context import AppContext, RequestMeta
from gateway.core.clock import local_date
from gateway.core.vocabulary import OrgType, Purpose
from gateway.index import repository as index
from gateway.index.errors import UnknownOrganisation
from gateway.index.service import basis_facts, open_ref
from gateway.organisations import repository as organisations
from gateway.policy.enforce import policy_input, require_permit

from . import repository
from .errors import EventIdReused, InvalidEvent
from .rules import RuleSet, load_rules
from .schemas import CaseEventIn, CaseView, EpisodeView, EventAccepted, StepView, WorkItem, Worklist
from .status import STARTKWALIFICATIE, WITHOUT_STARTKWALIFICATIE, assess

WORKLIST_LIMIT = 200


def _columns(body: CaseEventIn) -> dict[str, object]:
    """The stored form of an event: dates, hours and fixed categories only."""
    raw = body.model_dump(exclude={"id", "purpose"})
    return {
        "kind": body.kind, "starts_on": raw["starts_on"], "ends_on": raw.get("ends_on"), "hours": raw.get("hours"),
        "detail": raw.get("reason") or raw.get("offer") or _qualification(raw.get("startkwalificatie")),
        "subject_organisation": raw.get("school") or raw.get("designated") or raw.get("destination"),
        "due_on": raw.get("reassess_on") or raw.get("deadline"),
    }


def _qualification(startkwalificatie: bool | None) -> str | None:
    if startkwalificatie is None:
        return None
    return STARTKWALIFICATIE if startkwalificatie else WITHOUT_STARTKWALIFICATIE


def _fingerprint(child_id: int, organisation_id: str, columns: dict[str, object]) -> bytes:
    return hashlib.sha256(orjson.dumps([child_id, organisation_id, columns], option=orjson.OPT_SORT_KEYS)).digest()


async def reassess(conn: AsyncConnection, context: AppContext, child_id: int, today: date,
                   reported_by: str | None = None) -> None:
    """Derive the child's status, cases and steps again from all its events."""
    rules = await load_rules(context.policy, context.settings.region)
    await reassess_with(conn, rules, child_id, today, reported_by)


async def reassess_with(conn: AsyncConnection, rules: RuleSet, child_id: int, today: date,
                        reported_by: str | None = None) -> None:
    events = await repository.events_of(conn, child_id)
    assessment = assess(events, await repository.birth_month(conn, child_id), today, rules)
    place = await repository.monitor_place(conn, child_id, events)
    await repository.save_assessment(conn, child_id=child_id, assessment=assessment, today=today, place=place,
                                     reported_by=reported_by)


async def _check(conn: AsyncConnection, body: CaseEventIn, columns: dict[str, object], *, today: date) -> None:
    """What the schema alone cannot see: the calendar, and the organisations an event names."""
    ends_on = getattr(body, "ends_on", None)
    if body.starts_on > today or (body.kind.endswith("absence") and ends_on is not None and ends_on > today):
        raise InvalidEvent("An event cannot lie in the future (a vrijstelling's end and a deadline may).")
    named = columns["subject_organisation"]
    if body.kind == "enrolment" and named is None:
        raise InvalidEvent("Name the `school` the child is enrolled at.")
    if named is not None:
        kind = await organisations.type_of(conn, str(named))
        if kind is None or (body.kind in ("enrolment", "de-enrolment", "school-leaving") and kind != OrgType.school):
            raise UnknownOrganisation("The organisation this event names is not a registered school or partner.")


async def report_event(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, child_ref: str,
    body: CaseEventIn,
) -> EventAccepted:
    audit = AuditEntry.of(caller, meta, "event.report", body.purpose)
    child_id = open_ref(context, audit, caller, child_ref)
    columns = _columns(body)
    if body.kind in ("enrolment", "de-enrolment") and columns["subject_organisation"] is None \
            and caller.organisation_type is OrgType.school:
        columns["subject_organisation"] = caller.organisation_id
    permit = await require_permit(context, audit, child_id, policy_input(
        context, caller, "event.report", body.purpose, {
            **await basis_facts(conn, child_id, caller.organisation_id),
            "event": body.kind, "subject_organisation": columns["subject_organisation"]}))
    now = context.clock()
    await _check(conn, body, columns, today=local_date(now))
    fingerprint = _fingerprint(child_id, caller.organisation_id, columns)
    await repository.lock_child(conn, child_id)
    earlier = await repository.get_event(conn, body.id)
    reused = EventIdReused("This id was sent before with other content; use a new id for a new event.")
    if earlier is not None and earlier.fingerprint != fingerprint:
        raise reused
    if earlier is None:
        if not await repository.insert_event(conn, {
                "id": body.id, "child_id": child_id, "organisation_id": caller.organisation_id,
                "fingerprint": fingerprint, "received_at": now, **columns}):
            raise reused
        await reassess(conn, context, child_id, local_date(now), reported_by=caller.organisation_id)
    await audit.allowed(conn, now=now, child_id=child_id, permit=permit)
    child = await index.get_child(conn, child_id)
    return EventAccepted(id=body.id, repeated=earlier is not None, status=child.attendance_status,
                         since=child.attendance_since, rule_version=child.status_rule_version)


def _step_view(row: object) -> StepView:
    return StepView.model_validate(row, from_attributes=True)


async def read_case(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, child_ref: str,
    purpose: Purpose,
) -> CaseView:
    audit = AuditEntry.of(caller, meta, "case.read", purpose)
    child_id = open_ref(context, audit, caller, child_ref)
    permit = await require_permit(context, audit, child_id, policy_input(
        context, caller, "case.read", purpose, await basis_facts(conn, child_id, caller.organisation_id)))
    child = await index.get_child(conn, child_id)
    steps = await repository.steps_of(conn, child_id)
    episodes = [EpisodeView(started_on=c.started_on, kind=c.kind, thuiszitter_on=c.thuiszitter_on,
                            ended_on=c.ended_on, end_reason=c.end_reason,
                            steps=[_step_view(s) for s in steps if s.case_started_on == c.started_on])
                for c in await repository.cases_of(conn, child_id)]
    await audit.allowed(conn, now=context.clock(), child_id=child_id, permit=permit)
    return CaseView(child_ref=child_ref, status=child.attendance_status, since=child.attendance_since,
                    rule_version=child.status_rule_version, episodes=episodes,
                    reassessment=[_step_view(s) for s in steps if s.case_started_on is None and s.party != "rmc"],
                    overstap=[_step_view(s) for s in steps if s.case_started_on is None and s.party == "rmc"])


async def read_worklist(
    conn: AsyncConnection, *, context: AppContext, caller: Caller, meta: RequestMeta, purpose: Purpose,
) -> Worklist:
    """The steps this organisation must act on now. Policy says which kinds of party the caller's role covers;
    every child on the list gets its own audit record (a parent sees that their child was on it)."""
    audit = AuditEntry.of(caller, meta, "worklist.read", purpose)
    permit = await require_permit(context, audit, None, policy_input(context, caller, "worklist.read", purpose, {}))
    now = context.clock()
    today = local_date(now)
    parties = [f.removeprefix("party:") for f in permit.fields if f.startswith("party:")]
    rows = await repository.worklist(conn, organisation_id=caller.organisation_id,
                                     organisation_type=caller.organisation_type.value, parties=parties, today=today,
                                     limit=WORKLIST_LIMIT)
    refs = context.child_refs()
    items = [WorkItem(child_ref=refs.seal(r.child_id, caller.organisation_id), step=r.name, party=r.party,
                      status=r.attendance_status, case_started_on=r.case_started_on, starts_on=r.starts_on,
                      due_on=r.due_on, days_overdue=max(0, (today - r.due_on).days)) for r in rows]
    for child_id in sorted({r.child_id for r in rows}):
        await audit.allowed(conn, now=now, child_id=child_id, permit=permit)
    if not rows:
        await audit.record(conn, now=now, outcome=ALLOWED, decision=permit.decision, fields=permit.fields)
    return Worklist(today=today, items=items)

