"""Importing a batch file of absence records (a school's or leerplicht's CSV export) as events, row by row:
each row is checked like an API request, reported in its own transaction (a bad row changes nothing and does
not stop the others), idempotent by its `event_id`, audited like an API call. Rejected rows come back with their
line number and a reason — never their values."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from adapters.batch_csv.reader import Rejected, Row, read_rows, why_invalid
from gateway.audit.service import AuditEntry
from gateway.auth.tokens import Caller
from gateway.context import AppContext, RequestMeta
from gateway.core.errors import InbeeldError
from gateway.core.vocabulary import Purpose
from gateway.index.schemas import ChildLookup
from gateway.index.service import decide_lookup, not_found

from .schemas import CaseEventIn
from .service import report_event

EVENT = TypeAdapter(CaseEventIn)


@dataclass
class ImportReport:
    rows: int = 0
    accepted: int = 0
    repeated: int = 0
    rejected: list[Rejected] = field(default_factory=list)


async def _one(context: AppContext, caller: Caller, purpose: Purpose, row: Row, batch: str) -> str:
    values = dict(row.values)
    child_ref, bsn = values.pop("child_ref", None), values.pop("bsn", None)
    if (child_ref is None) == (bsn is None):
        raise ValueError("give either child_ref or bsn")
    body = EVENT.validate_python({"id": values.pop("event_id"), "purpose": purpose.value, **values})
    meta = RequestMeta(request_id=f"{batch}-{row.line}", client="inbeeld-import")
    async with context.db.request_transaction() as conn:
        if bsn is not None:  # looked up as by the API, audited in this row's transaction
            audit = AuditEntry.of(caller, meta, "child.lookup", purpose)
            child_id, permit = await decide_lookup(conn, context=context, caller=caller, audit=audit,
                                                   bsn=ChildLookup(bsn=bsn, purpose=purpose).bsn, purpose=purpose)
            if child_id is None:
                raise not_found(context, audit, permit.decision)
            await audit.allowed(conn, now=context.clock(), child_id=child_id, permit=permit)
            child_ref = context.child_refs().seal(child_id, caller.organisation_id)
        assert child_ref is not None
        accepted = await report_event(conn, context=context, caller=caller, meta=meta, child_ref=child_ref,
                                      body=body)
    return "repeated" if accepted.repeated else "accepted"


async def import_absence(context: AppContext, caller: Caller, path: Path, *, purpose: Purpose,
                         progress: Callable[[int], None] = lambda total: None) -> ImportReport:
    """`progress(total)` is called once with the number of lines, then with 0 after each row."""
    total, rows = read_rows(path)
    progress(total)
    report, batch = ImportReport(), f"import-{uuid.uuid4().hex[:12]}"
    for row in rows:
        report.rows += 1
        progress(0)
        if isinstance(row, Rejected):
            report.rejected.append(row)
            continue
        try:
            outcome = await _one(context, caller, purpose, row, batch)
        except ValidationError as error:
            report.rejected.append(Rejected(row.line, why_invalid(error)))
        except ValueError as error:
            report.rejected.append(Rejected(row.line, str(error)))
        except InbeeldError as error:
            report.rejected.append(Rejected(row.line, error.code))
        else:
            report.accepted += outcome == "accepted"
            report.repeated += outcome == "repeated"
    return report
