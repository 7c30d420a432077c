"""`inbeeld monitor report` on the demo region: the same suppressed figures as the API, as JSON and CSV files,
an audit record for the export, and no BSN in either file."""

import asyncio
import json
from pathlib import Path

import pytest

from gateway.core.db import migrate
from gateway.core.settings import Mode
from gateway.demo.data import synthetic_bsns
from tests.fixtures.gateway import gateway_settings
from tests.fixtures.portal import _seed
from tests.fixtures.processes import run_cli


@pytest.mark.slow
def test_monitor_report_writes_json_and_csv(tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path, "", mode=Mode.development)
    migrate(settings.effective_database_url)
    asyncio.run(_seed(settings, 300))
    env = {"INBEELD_MODE": "development", "INBEELD_DATA_DIR": str(tmp_path)}
    out = run_cli("monitor", "report", "--month", "2026-10", "--out", str(tmp_path / "out"), cwd=tmp_path, env=env)
    assert "monitor-2026-10.json" in out
    report = json.loads((tmp_path / "out" / "monitor-2026-10.json").read_text())
    csv_text = (tmp_path / "out" / "monitor-2026-10.csv").read_text()
    assert report["month"] == "2026-10" and len(report["trend"]) == 12
    total = report["by_gemeente"]["counts"][-1][-1]
    assert total and total >= 20
    assert f"utrecht,2026-10,gemeente,totaal,totaal,{total}" in csv_text
    for row in report["by_gemeente"]["counts"] + report["by_school_type"]["counts"]:
        assert all(v is None or v == 0 or v >= 5 for v in row)
    for bsn in synthetic_bsns(300):
        assert bsn.digits not in csv_text and bsn.digits not in json.dumps(report)
    audited = run_cli("audit", "export", "--out", str(tmp_path / "log.jsonl"), cwd=tmp_path, env=env)
    assert audited and '"action":"monitor.export"' in (tmp_path / "log.jsonl").read_text().replace(" ", "")
