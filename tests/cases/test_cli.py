"""`inbeeld cases reassess` derives every child's status again with the current rule set, and changes nothing
when the rules and events did not change."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from gateway.core.db import migrate
from gateway.core.settings import Mode
from tests.fixtures.gateway import gateway_settings
from tests.fixtures.portal import _seed
from tests.fixtures.processes import run_cli


@pytest.mark.slow
def test_reassess_every_child(tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path, "", mode=Mode.development)
    migrate(settings.effective_database_url)
    asyncio.run(_seed(settings, 120))
    db = tmp_path / "inbeeld.db"

    def state() -> list[tuple[object, ...]]:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT c.id, c.attendance_status, c.status_rule_version, s.step_key, s.due_on "
                                "FROM child c LEFT JOIN case_step s ON s.child_id = c.id ORDER BY 1, 4").fetchall()

    before = state()
    with sqlite3.connect(db) as conn:  # as if an older rule set had produced the statuses
        conn.execute("UPDATE child SET attendance_status = 'none', status_rule_version = 'utrecht-2025.9'")
    out = run_cli("cases", "reassess", cwd=tmp_path, env={"INBEELD_MODE": "development",
                                                         "INBEELD_DATA_DIR": str(tmp_path)})
    with sqlite3.connect(db) as conn:
        children = conn.execute("SELECT count(DISTINCT child_id) FROM case_event").fetchone()[0]
    assert out == f"reassessed {children} children" and children > 50
    assert state() == before
