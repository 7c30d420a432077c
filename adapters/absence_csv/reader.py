"""A batch file of absence records (a school's or leerplicht's export), read row by row.

Structure only: UTF-8 (a BOM is fine), a header naming known columns, the right number of fields, no control
characters, bounded sizes. Each row comes out as its values or as a rejection with its line number and a reason
(never the values: a row may hold a BSN). What the values mean is checked by the gateway, row by row too."""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.errors import AdapterError

SOURCE = "absence-csv"
COLUMNS = {"event_id", "child_ref", "bsn", "kind", "starts_on", "ends_on", "hours", "reason", "offer", "school",
           "reassess_on"}
MAX_ROWS = 200_000
MAX_FIELD = 100


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


def read_rows(path: Path) -> tuple[int, Iterator[Row | Rejected]]:
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
    unknown = sorted(set(header) - COLUMNS)
    if unknown or len(set(header)) != len(header):
        raise AdapterError(SOURCE, f"unknown or repeated columns: {', '.join(unknown) or 'repeated'}")
    if not {"event_id", "kind", "starts_on"} <= set(header) or not ({"child_ref", "bsn"} & set(header)):
        raise AdapterError(SOURCE, "needs the columns event_id, kind, starts_on and child_ref or bsn")
    lines = text.count("\n")
    if lines > MAX_ROWS:
        raise AdapterError(SOURCE, f"more than {MAX_ROWS} rows; split the file")
    return max(lines - 1, 0), _rows(reader, header)


def _rows(reader: Any, header: list[str]) -> Iterator[Row | Rejected]:
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
        elif any(len(f) > MAX_FIELD for f in fields):
            yield Rejected(line, f"a field longer than {MAX_FIELD} characters")
        elif any(ord(c) < 32 or c in "\x7f\u2028\u2029" for f in fields for c in f):
            yield Rejected(line, "a control character in a field")
        else:
            yield Row(line, {k: v.strip() for k, v in zip(header, fields, strict=True) if v.strip()})
