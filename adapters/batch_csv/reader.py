"""A batch file from a partner system (a school's or leerplicht's export of absence records; a school's intake as
involvements), read row by row.

Structure only: UTF-8 (a BOM is fine), a header naming known columns, the right number of fields, no control
characters, bounded sizes. Each row comes out as its values or as a rejection with its line number and a reason
(never the values: a row may hold a BSN). What the values mean is checked by the gateway, row by row too."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from adapters.errors import AdapterError

SOURCE = "batch-csv"
MAX_ROWS = 200_000


@dataclass(frozen=True)
class Layout:
    """The columns a kind of file may have, must have, and needs one of; how long a field may be."""

    columns: frozenset[str]
    required: frozenset[str]
    one_of: frozenset[str] = frozenset()
    max_field: int = 100


ABSENCE = Layout(frozenset({"event_id", "child_ref", "bsn", "kind", "starts_on", "ends_on", "hours", "reason",
                            "offer", "school", "reassess_on"}),
                 required=frozenset({"event_id", "kind", "starts_on"}), one_of=frozenset({"child_ref", "bsn"}))
INVOLVEMENTS = Layout(frozenset({"bsn", "purpose", "contact_point", "since", "until", "legal_basis", "birth_date"}),
                      required=frozenset({"bsn"}), max_field=200)


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


def why_invalid(error: ValidationError) -> str:
    """The fields of a row that were wrong, by name (the values may include a BSN)."""
    names = sorted({"kind" if e["type"] == "union_tag_invalid" else str(e["loc"][-1]) if e["loc"] else "row"
                    for e in error.errors()})
    return "invalid " + ", ".join(names)


def read_rows(path: Path, layout: Layout = ABSENCE) -> tuple[int, Iterator[Row | Rejected]]:
    """The number of data lines, and the rows. A file that cannot be read at all raises `AdapterError`."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AdapterError(SOURCE, "the file is not UTF-8") from None
    except OSError as exc:
        raise AdapterError(SOURCE, f"cannot read the file ({type(exc).__name__})") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise AdapterError(SOURCE, "no header line") from None
    unknown = sorted(set(header) - layout.columns)
    if unknown or len(set(header)) != len(header):
        raise AdapterError(SOURCE, f"unknown or repeated columns: {', '.join(unknown) or 'repeated'}")
    if not layout.required <= set(header) or (layout.one_of and not layout.one_of & set(header)):
        needs = ", ".join(sorted(layout.required)) + (f" and {' or '.join(sorted(layout.one_of))}"
                                                      if layout.one_of else "")
        raise AdapterError(SOURCE, f"needs the columns {needs}")
    lines = text.count("\n")
    if lines > MAX_ROWS:
        raise AdapterError(SOURCE, f"more than {MAX_ROWS} rows; split the file")
    return max(lines - 1, 0), _rows(reader, header, layout.max_field)


def _rows(reader: Any, header: list[str], max_field: int) -> Iterator[Row | Rejected]:
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield Rejected(reader.line_num, "not valid CSV")
            continue
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue  # an empty line is not a record
        if len(fields) != len(header):
            yield Rejected(line, f"{len(fields)} fields where the header has {len(header)}")
        elif any(len(f) > max_field for f in fields):
            yield Rejected(line, f"a field longer than {max_field} characters")
        elif any(ord(c) < 32 or c in "\x7f\u2028\u2029" for f in fields for c in f):
            yield Rejected(line, "a control character in a field")
        else:
            yield Row(line, {k: v.strip() for k, v in zip(header, fields, strict=True) if v.strip()})
