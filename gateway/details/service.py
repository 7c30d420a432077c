"""Live details from the involved partners' own systems: policy decides the categories and fields, the sources
are asked in parallel under one deadline, the answers are cut down to the allowed fields and merged, and what did
not come is marked. Nothing of an answer is stored or logged.

The audit record names the fields the partners are asked for on the caller's behalf, not their values: an answer can
hold no more, and a partner's own log shows the same question, answered in time or not. So it is written while they
are asked, not after the slowest of them, and committed before the answer leaves."""

import asyncio
import time
from typing import Any

from adapters.errors import AdapterError, SourceTimeout, SourceUnavailable
from adapters.protocols import SourceAnswer
from gateway.audit.service import ALLOWED, AuditEntry
from gateway.auth.tokens import Caller
from gateway.context import AppContext, RequestMeta
from gateway.index.service import involvements_with_facts, open_ref
from gateway.organisations.schemas import OrganisationSummary
from gateway.policy.enforce import policy_input, require_permit

from .schemas import DetailsAnswer, DetailsRequest, SourceDetails, Unavailable
from .sources import Source

ENTRYPOINT = "inbeeld.details.decision"


async def _ask(source: Source, child_ref: str, categories: list[str], purpose: str,
               deadline: float) -> SourceAnswer | str:
    """The answer, or why there is none."""
    try:
        async with asyncio.timeout(min(source.config.timeout_seconds, max(deadline - time.monotonic(), 0))):
            return await source.client.details(child_ref, categories, purpose=purpose)
    except (TimeoutError, SourceTimeout):
        return "timeout"
    except AdapterError as error:
        return "unavailable" if isinstance(error, SourceUnavailable) else "source-error"


async def read_details(
    *, context: AppContext, caller: Caller, meta: RequestMeta, child_ref: str, body: DetailsRequest,
) -> DetailsAnswer:
    """Reads from a snapshot and writes only the audit record, while the partner systems are asked: nothing holds
    the database (or SQLite's write lock) for as long as they take."""
    audit = AuditEntry.of(caller, meta, "details.read", body.purpose)
    async with context.audit.reading() as conn:
        child_id = open_ref(context, audit, caller, child_ref)
        rows, facts = await involvements_with_facts(conn, child_id, caller.organisation_id)
        permit = await require_permit(context, audit, child_id, policy_input(
            context, caller, "details.read", body.purpose, {**facts, "categories": body.categories}),
            entrypoint=ENTRYPOINT)
    involved = {r.organisation_id: r for r in rows}
    allowed: dict[str, set[str]] = {}
    for name in permit.fields:
        category, _, field = name.partition(".")
        allowed.setdefault(category, set()).add(field)
    # Only sources of partners involved with this child; the caller's own system is not asked on its behalf.
    asked = [(s, [c for c in s.config.categories if c in allowed]) for s in context.sources.values()
             if s.config.organisation in involved and s.config.organisation != caller.organisation_id]
    asked = [(s, categories) for s, categories in asked if categories]
    requested = {f"{category}.{field}" for _, categories in asked for category in categories
                 for field in allowed[category]}

    async def record() -> None:
        await audit.record(context.audit, now=context.clock(), outcome=ALLOWED, child_id=child_id,
                           decision=permit.decision, fields=requested)

    deadline = time.monotonic() + context.settings.details_deadline_seconds
    refs = context.child_refs()
    try:  # the questions go out first; a record that cannot be written cancels them and nothing is disclosed
        async with asyncio.TaskGroup() as group:
            asking = [group.create_task(_ask(s, refs.seal(child_id, s.config.organisation), categories,
                                             body.purpose.value, deadline)) for s, categories in asked]
            group.create_task(record())
    except* Exception as failed:  # the failure as itself, for its own problem (audit or storage unavailable: 503)
        raise failed.exceptions[0] from None
    results = [task.result() for task in asking]

    def owner(source: Source) -> OrganisationSummary:
        row: Any = involved[source.config.organisation]
        return OrganisationSummary.model_validate(
            {"id": row.organisation_id, "name": row.organisation_name, "type": row.organisation_type})

    details, unavailable = [], []
    for (source, _), result in zip(asked, results, strict=True):
        if isinstance(result, str):
            unavailable.append(Unavailable(source=source.config.id, organisation=owner(source), reason=result))
            continue
        for category, fields in result.categories.items():
            kept = {k: v for k, v in fields.items() if k in allowed.get(category, set())}
            if kept:
                details.append(SourceDetails(source=source.config.id, organisation=owner(source), category=category,
                                             fields=kept))
    return DetailsAnswer(child_ref=child_ref, details=details, unavailable=unavailable)
