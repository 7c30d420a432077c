"""Benchmark: the monthly thuiszitter monitor over a large region, on SQLite and PostgreSQL.

Loads N children (default 1,000,000) into a fresh database, of whom a share (default 10%) has a thuiszitter
history over the last three years (cases with their steps, as the status engine stores them), then builds
the monitor for the last full month several times: both breakdowns with suppression, the month's flows and
a twelve-month trend. Baseline in the same run: one `count(*)` over the cases table.

    python bench/monitor.py [--children 1000000] [--share 0.1] [--database sqlite|postgres] [--rounds 5]

Not a test: figures depend on the machine.
"""

import argparse
import asyncio
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import func, insert, select

from gateway.cases.calendar import add_months, add_working_days
from gateway.cases.models import CaseStep, ThuiszitterCase
from gateway.core.db import Database, make_sync_engine, migrate
from gateway.core.settings import Mode, Settings
from gateway.core.vocabulary import AttendanceStatus
from gateway.index.models import Child
from gateway.monitor.service import build

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
GEMEENTEN = ["Utrecht", "Amersfoort", "Nieuwegein", "Zeist", "Veenendaal", "Houten", "IJsselstein", "Woerden",
             "De Bilt", "Stichtse Vecht", "Vijfheerenlanden", "Lopik", "Montfoort", "Oudewater", "Bunnik",
             "Wijk bij Duurstede", "Utrechtse Heuvelrug", "Rhenen", "Renswoude", "Woudenberg", "Leusden",
             "Soest", "Baarn", "De Ronde Venen", "Eemnes", "Vianen"]
SCHOOL_TYPES = ["po", "po", "po", "vo", "vo", "vo", "so", "vso", "mbo", "geen"]


def load(url: str, children: int, share: float, today: date) -> tuple[int, int]:
    migrate(url)
    engine = make_sync_engine(url)
    rng = random.Random(3)
    now = datetime.now(UTC)
    cases = steps = 0
    batch = 20_000
    for start in range(0, children, batch):
        ids = range(start + 1, min(children, start + batch) + 1)
        child_rows, case_rows, step_rows = [], [], []
        for child_id in ids:
            child_rows.append({"id": child_id, "index_key": secrets.token_bytes(32), "key_id": "bench",
                               "attendance_status": AttendanceStatus.none, "created_at": now})
            if rng.random() >= share:
                continue
            started = today - timedelta(days=rng.randrange(0, 3 * 365))
            days = int(rng.expovariate(1 / 60)) + 5
            ended = started + timedelta(days=days)
            ended_on = ended if ended <= today else None
            case_rows.append({"child_id": child_id, "started_on": started, "kind": rng.choice(["relatief"] * 4
                              + ["absoluut"]), "thuiszitter_on": started + timedelta(days=28) if days > 28 else None,
                              "ended_on": ended_on, "end_reason": rng.choice(["passend-aanbod"] * 4 + ["resumed"])
                              if ended_on else None, "gemeente": rng.choice(GEMEENTEN),
                              "school_type": rng.choice(SCHOOL_TYPES), "rule_version": "utrecht-2026.2"})
            clocks = [("actietafel", started, add_working_days(started, 5)),
                      ("teammanagers", started + timedelta(weeks=8), started + timedelta(weeks=10)),
                      ("interventieteam-plan", started + timedelta(weeks=10), started + timedelta(weeks=10, days=2)),
                      ("interventieteam-solution", started + timedelta(weeks=10),
                       add_working_days(started + timedelta(weeks=10), 10)),
                      ("national-target", add_months(started, 3) - timedelta(days=14), add_months(started, 3))]
            for name, starts, due in clocks:
                if ended_on is None or starts <= ended_on:
                    done = ended_on if ended_on and (name != "actietafel" or rng.random() < 0.3) else \
                        (started + timedelta(days=3) if name == "actietafel" else None)
                    step_rows.append({"child_id": child_id, "step_key": f"{started}/{name}/", "name": name,
                                      "case_started_on": started, "party": "kernteam", "starts_on": starts,
                                      "due_on": due, "done_on": done})
        with engine.begin() as conn:
            conn.execute(insert(Child.__table__), child_rows)  # type: ignore[attr-defined]
            if case_rows:
                conn.execute(insert(ThuiszitterCase.__table__), case_rows)  # type: ignore[attr-defined]
            if step_rows:
                conn.execute(insert(CaseStep.__table__), step_rows)  # type: ignore[attr-defined]
        cases, steps = cases + len(case_rows), steps + len(step_rows)
        print(f"\rloaded {ids[-1]:,} children", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return cases, steps


async def measure(url: str, first: date, rounds: int) -> tuple[list[float], list[float], int]:
    db = Database(url)
    monitor, baseline = [], []
    try:
        for _ in range(rounds):
            async with db.engine.connect() as conn:
                started = time.perf_counter()
                await conn.scalar(select(func.count()).select_from(ThuiszitterCase))
                baseline.append(time.perf_counter() - started)
                started = time.perf_counter()
                report = await build(conn, region="bench", first=first, threshold=5)
                monitor.append(time.perf_counter() - started)
                await conn.rollback()
    finally:
        await db.dispose()
    total = report.by_gemeente.counts[-1][-1] or 0
    return monitor, baseline, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.1)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="inbeeld-bench-"))
    pg_name = None
    if args.database == "postgres":
        pg_name = f"inbeeld_bench_{secrets.token_hex(3)}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
    url = Settings(mode=Mode.development, data_dir=work,
                   database_url=f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}" if pg_name else ""
                   ).effective_database_url
    today = date.today()
    first = add_months(today.replace(day=1), -1)
    try:
        started = time.monotonic()
        cases, steps = load(url, args.children, args.share, today)
        print(f"loaded in {time.monotonic() - started:.0f} s", file=sys.stderr)
        monitor, baseline, total = asyncio.run(measure(url, first, args.rounds))
    finally:
        if pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    print("| database | children | cases | steps | open at month end | monitor median s (min–max) "
          "| count(*) baseline median s |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.database} | {args.children:,} | {cases:,} | {steps:,} | {total:,} | "
          f"{statistics.median(monitor):.2f} ({min(monitor):.2f}–{max(monitor):.2f}) | "
          f"{statistics.median(baseline):.3f} |")


if __name__ == "__main__":
    main()
