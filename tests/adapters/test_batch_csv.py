"""The absence file reader: a file that cannot be read at all is refused as a whole with the reason; a bad row is
rejected with its line number and never its values; nothing is dropped without a word."""

from pathlib import Path

import pytest

from adapters.batch_csv.reader import Rejected, Row, read_rows
from adapters.errors import AdapterError

HEADER = "event_id,bsn,kind,starts_on,ends_on,hours\n"


def _read(tmp_path: Path, content: bytes) -> list[Row | Rejected]:
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    total, rows = read_rows(path)
    found = list(rows)
    assert total >= len(found)
    return found


@pytest.mark.parametrize(("content", "reason"), [
    (b"\xff\xfeevent_id", "the file is not UTF-8"),
    (b"", "no header line"),
    (b"event_id,bsn,kind,starts_on,phone\n", "unknown or repeated columns: phone"),
    (b"event_id,bsn,bsn,kind,starts_on\n", "unknown or repeated columns: repeated"),
    (b"event_id,kind,starts_on\n1,enrolment,2026-08-24\n", "needs the columns event_id, kind, starts_on and "
                                                           "bsn or child_ref"),
])
def test_unreadable_files_are_refused_whole(tmp_path: Path, content: bytes, reason: str) -> None:
    with pytest.raises(AdapterError) as refused:
        _read(tmp_path, content)
    assert refused.value.reason == reason


def test_rows_are_checked_one_by_one(tmp_path: Path) -> None:
    rows = _read(tmp_path, (
        "\ufeff" + HEADER  # a byte-order mark is fine
        + "e1,999990019,unauthorised-absence,2026-10-05,2026-10-09,25\n"
        + "\n"  # an empty line is no record
        + "e2,999990032,unauthorised-absence,2026-10-05\n"
        + "e3,999990044,unauthorised-absence,2026-10-05,2026-10-09,\x1b[31m25\n"
        + "e4,999990056,unauthorised-absence,2026-10-05,2026-10-09," + "9" * 101 + "\n"
        + 'e5,999990068,"unauthorised-absence\u2028",2026-10-05,2026-10-09,3\n'
    ).encode())
    assert rows[0] == Row(2, {"event_id": "e1", "bsn": "999990019", "kind": "unauthorised-absence",
                              "starts_on": "2026-10-05", "ends_on": "2026-10-09", "hours": "25"})
    assert rows[1:] == [Rejected(4, "4 fields where the header has 6"), Rejected(5, "a control character in a field"),
                        Rejected(6, "a field longer than 100 characters"),
                        Rejected(7, "a control character in a field")]
    assert not any("9999900" in r.reason for r in rows[1:] if isinstance(r, Rejected))
