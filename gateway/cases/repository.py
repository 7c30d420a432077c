"""All SQL of thuiszitter cases, in SQLAlchemy Core."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, delete, exists, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.vocabulary import AttendanceStatus
from gateway.index.models import Child, Involvement
from gateway.organisations.models import Organisation

from .models import CaseEvent, CaseStep, ThuiszitterCase
from .status import Assessment, Event, EventKind

case_event = CaseEvent.__table__  # type: ignore[attr-defined]
case = ThuiszitterCase.__table__  # type: ignore[attr-defined]
step = CaseStep.__table__  # type: ignore[attr-defined]
child = Child.__table__  # type: ignore[attr-defined]
involvement = Involvement.__table__  # type: ignore[attr-defined]
organisation = Organisation.__table__  # type: ignore[attr-defined]


async def get_event(conn: AsyncConnection, event_id: UUID) -> Any:
    return (await conn.execute(select(case_event).where(case_event.c.id == event_id))).first()


async def lock_child(conn: AsyncConnection, child_id: int) -> None:
    """One change to a child's case at a time (PostgreSQL row lock; SQLite has one writer anyway): a repeated
    event waits for the first and then sees it, and two assessments never write the same case twice."""
    await conn.execute(select(child.c.id).where(child.c.id == child_id).with_for_update())


async def insert_event(conn: AsyncConnection, values: dict[str, Any]) -> bool:
    """False when the id is taken (by an event about another child, sent at the same moment)."""
    try:
        async with conn.begin_nested():
            await conn.execute(insert(case_event).values(**values))
    except IntegrityError:
        return False
    return True


async def events_of(conn: AsyncConnection, child_id: int) -> list[Event]:
    rows = await conn.execute(select(case_event).where(case_event.c.child_id == child_id)
                              .order_by(case_event.c.received_at, case_event.c.id))
    return [Event(EventKind(r.kind), r.starts_on, r.ends_on, r.hours, r.detail, r.subject_organisation, r.due_on,
                  seq=n) for n, r in enumerate(rows)]


async def monitor_place(conn: AsyncConnection, child_id: int, events: Sequence[Event]) -> tuple[str, str]:
    """Where the monitor counts a case: the gemeente of the involved leerplicht (else of the school), and the
    type of the school the child was last enrolled at (`geen` if none)."""
    schools = [e.organisation for e in events if e.kind in (EventKind.enrolment, EventKind.de_enrolment)]
    school = schools[-1] if schools else None
    rows = (await conn.execute(
        select(organisation.c.id, organisation.c.type, organisation.c.gemeente, organisation.c.school_type)
        .where(or_(organisation.c.id == (school or ""), organisation.c.id.in_(
            select(involvement.c.organisation_id).where(involvement.c.child_id == child_id,
                                                        involvement.c.ended_at.is_(None))))))).all()
    by_id = {r.id: r for r in rows}
    leerplicht = sorted(r.gemeente for r in rows if r.type == "leerplicht" and r.gemeente)
    school_row = by_id.get(school or "")
    gemeente = leerplicht[0] if leerplicht else (school_row.gemeente if school_row and school_row.gemeente
                                                 else "onbekend")
    return gemeente, (school_row.school_type or "onbekend") if school_row else "geen"


async def save_assessment(
    conn: AsyncConnection, *, child_id: int, assessment: Assessment, today: date, place: tuple[str, str],
    reported_by: str | None = None,
) -> None:
    """Store the status on the child and bring its cases and steps in line with the assessment; the
    notification marks of steps that stay are kept."""
    await conn.execute(update(child).where(child.c.id == child_id).values(
        attendance_status=assessment.status, attendance_since=assessment.since,
        status_rule_version=assessment.rule_version, assessed_on=today,
        **({"attendance_reported_by": reported_by} if reported_by else {})))
    known = {r.started_on: r.id for r in await conn.execute(
        select(case.c.started_on, case.c.id).where(case.c.child_id == child_id))}
    for episode in assessment.episodes:
        values = {"kind": episode.kind, "thuiszitter_on": episode.thuiszitter_on, "ended_on": episode.ended_on,
                  "end_reason": episode.end_reason, "offer": episode.offer, "rule_version": assessment.rule_version}
        if episode.started_on in known:
            await conn.execute(update(case).where(case.c.id == known.pop(episode.started_on)).values(**values))
        else:
            await conn.execute(insert(case).values(child_id=child_id, started_on=episode.started_on,
                                                   gemeente=place[0], school_type=place[1], **values))
    if known:
        await conn.execute(delete(case).where(case.c.id.in_(list(known.values()))))

    current = {r.step_key: r.id for r in await conn.execute(
        select(step.c.step_key, step.c.id).where(step.c.child_id == child_id))}
    for derived in assessment.steps:
        key = f"{derived.case_started_on or '-'}/{derived.name}/{derived.key}"
        values = {"party": derived.party, "starts_on": derived.starts_on, "due_on": derived.due_on,
                  "done_on": derived.done_on, "name": derived.name, "case_started_on": derived.case_started_on}
        if key in current:
            await conn.execute(update(step).where(step.c.id == current.pop(key)).values(**values))
        else:
            await conn.execute(insert(step).values(child_id=child_id, step_key=key, **values))
    if current:
        await conn.execute(delete(step).where(step.c.id.in_(list(current.values()))))


async def birth_month(conn: AsyncConnection, child_id: int) -> date | None:
    found: date | None = await conn.scalar(select(child.c.birth_month).where(child.c.id == child_id))
    return found


async def children_with_events(conn: AsyncConnection, *, after: int, limit: int) -> list[int]:
    rows = await conn.execute(select(case_event.c.child_id).where(case_event.c.child_id > after).distinct()
                              .order_by(case_event.c.child_id).limit(limit))
    return [r.child_id for r in rows]


async def children_to_reassess(conn: AsyncConnection, today: date, limit: int) -> list[int]:
    """Children whose status may change with time alone: an open case, or absence still inside a window."""
    open_case = exists().where(case.c.child_id == child.c.id, case.c.ended_on.is_(None))
    changing = child.c.attendance_status.in_([AttendanceStatus.zorgwekkend_verzuim, AttendanceStatus.relatief_verzuim,
                                              AttendanceStatus.vrijstelling_5a])
    # A leaving without a startkwalificatie and no enrolment since: 1 October may make a voortijdig schoolverlater.
    left = exists().where(step.c.child_id == child.c.id, step.c.party == "rmc", step.c.done_on.is_(None))
    rows = await conn.execute(select(child.c.id).where(child.c.assessed_on < today, or_(changing, open_case, left))
                              .order_by(child.c.id).limit(limit))
    return [r.id for r in rows]


async def steps_to_notify(conn: AsyncConnection, today: date, limit: int) -> list[Any]:
    """Open steps that started without an announcement, or passed their due date without an overdue notice."""
    rows = await conn.execute(
        select(step, child.c.regisseur_id).join(child, child.c.id == step.c.child_id)
        .where(step.c.done_on.is_(None), or_(
            and_(step.c.starts_on <= today, step.c.announced_at.is_(None)),
            and_(step.c.due_on < today, step.c.overdue_at.is_(None))))
        .order_by(step.c.id).limit(limit)
        .with_for_update(of=step, skip_locked=True))  # PostgreSQL: another replica takes the next steps
    return list(rows.all())


async def mark_notified(conn: AsyncConnection, step_id: int, column: str, now: datetime) -> None:
    await conn.execute(update(step).where(step.c.id == step_id).values({column: now}))


# Which organisation types a step's party stands for (besides the involved partners and the regisseur).
_KINDS_OF_PARTY = {"kernteam": ("leerplicht", "swv"), "interventieteam": ("swv",), "leerplicht": ("leerplicht",),
                   "rmc": ("rmc",)}
_KIND_OF_PARTY = {"interventieteam": "swv", "leerplicht": "leerplicht", "rmc": "rmc"}


async def recipients(conn: AsyncConnection, child_id: int, party: str, regisseur: str | None) -> list[Any]:
    """The regisseur, every actively involved partner, and the step's own party: leerplicht and the SWV for the
    kernteam's steps (a threatening thuiszitter is reported to both at once), the SWV's Interventieteam, leerplicht
    — the involved one, else every one in the region — or the organisation a doorzettingsmacht decision
    designated."""
    involved = select(involvement.c.organisation_id).where(
        involvement.c.child_id == child_id, involvement.c.ended_at.is_(None))
    ids = {r.organisation_id for r in await conn.execute(involved)} | ({regisseur} if regisseur else set())
    if party.startswith("organisation:"):
        ids.add(party.removeprefix("organisation:"))
    for kind in _KINDS_OF_PARTY.get(party, ()):
        own = (await conn.execute(select(organisation.c.id).where(
            organisation.c.type == kind, organisation.c.id.in_(involved)))).all()
        if not own:
            ids |= {r.id for r in await conn.execute(select(organisation.c.id).where(organisation.c.type == kind))}
    rows = await conn.execute(select(organisation.c.id, organisation.c.type, organisation.c.webhook_url)
                              .where(organisation.c.id.in_(sorted(ids))).order_by(organisation.c.id))
    return list(rows.all())




def _involves_kind(kind: str) -> Any:
    """The step's child has an involved partner of this kind (then only that one is the party)."""
    return exists().where(involvement.c.child_id == step.c.child_id, involvement.c.ended_at.is_(None),
                          involvement.c.organisation_id.in_(
                              select(organisation.c.id).where(organisation.c.type == kind)))


async def worklist(
    conn: AsyncConnection, *, organisation_id: str, organisation_type: str, parties: Sequence[str], today: date,
    limit: int,
) -> list[Any]:
    """Open, started steps this organisation must act on: for children it is involved with or is regisseur of,
    steps it was designated for, and Interventieteam or leerplicht steps for its kind of organisation."""
    involved = exists().where(involvement.c.child_id == step.c.child_id,
                              involvement.c.organisation_id == organisation_id, involvement.c.ended_at.is_(None))
    mine = or_(
        and_(step.c.party == "kernteam", literal("kernteam" in parties), involved),
        and_(step.c.party == "regisseur", literal("regisseur" in parties),
             or_(child.c.regisseur_id == organisation_id, and_(child.c.regisseur_id.is_(None), involved))),
        and_(step.c.party == f"organisation:{organisation_id}", literal("organisation" in parties)),
        *(and_(step.c.party == party, literal(party in parties and organisation_type == kind),
               or_(involved, ~_involves_kind(kind))) for party, kind in _KIND_OF_PARTY.items()),
    )
    rows = await conn.execute(
        select(step.c.child_id, step.c.name, step.c.party, step.c.starts_on, step.c.due_on, step.c.case_started_on,
               child.c.attendance_status)
        .join(child, child.c.id == step.c.child_id)
        .where(step.c.done_on.is_(None), step.c.starts_on <= today, mine)
        .order_by(step.c.due_on, step.c.id).limit(limit))
    return list(rows.all())


async def steps_of(conn: AsyncConnection, child_id: int) -> list[Any]:
    return list((await conn.execute(select(step).where(step.c.child_id == child_id)
                                    .order_by(step.c.starts_on, step.c.id))).all())


async def cases_of(conn: AsyncConnection, child_id: int) -> list[Any]:
    return list((await conn.execute(select(case).where(case.c.child_id == child_id)
                                    .order_by(case.c.started_on.desc()))).all())
