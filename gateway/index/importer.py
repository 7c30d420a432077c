"""Importing a school's intake file (CSV: bsn, and optionally purpose, contact_point, since, until, legal_basis,
birth_date) as involvements: in batches of 500 through the registration of POST /v1/involvement-batches, each row
decided, written and audited as if registered alone, a batch per transaction. Rejected rows come back with their
line number and a reason, never their values."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from adapters.batch_csv.reader import INVOLVEMENTS, Rejected, read_rows, why_invalid
from gateway.auth.tokens import Caller
from gateway.context import AppContext, RequestMeta
from gateway.core.vocabulary import Purpose

from .schemas import BATCH_SIZE, InvolvementBatch, InvolvementCreate
from .service import register_involvements


@dataclass
class IntakeReport:
    rows: int = 0
    registered: int = 0
    rejected: list[Rejected] = field(default_factory=list)


async def import_involvements(context: AppContext, caller: Caller, path: Path, *, purpose: Purpose,
                              progress: Callable[[int], None] = lambda total: None) -> IntakeReport:
    """`purpose` for rows that give none. `progress(total)` is called once with the number of lines, then with 0
    after each row."""
    total, rows = read_rows(path, INVOLVEMENTS)
    progress(total)
    report, name, pending = IntakeReport(), f"import-{uuid.uuid4().hex[:12]}", list[tuple[int, InvolvementCreate]]()

    async def register() -> None:
        meta = RequestMeta(request_id=f"{name}-{report.rows}", client="inbeeld-import")
        async with context.db.request_transaction() as conn:
            result = await register_involvements(conn, context=context, caller=caller, meta=meta,
                                                 body=InvolvementBatch(involvements=[item for _, item in pending]))
        for (line, _), outcome in zip(pending, result.results, strict=True):
            if outcome.problem is None:
                report.registered += 1
            else:
                report.rejected.append(Rejected(line, outcome.problem))
        pending.clear()

    for row in rows:
        report.rows += 1
        progress(0)
        if isinstance(row, Rejected):
            report.rejected.append(row)
            continue
        try:
            pending.append((row.line, InvolvementCreate.model_validate({"purpose": purpose.value, **row.values})))
        except ValidationError as error:
            report.rejected.append(Rejected(row.line, why_invalid(error)))
        if len(pending) == BATCH_SIZE:
            await register()
    if pending:
        await register()
    report.rejected.sort(key=lambda r: r.line)
    return report
