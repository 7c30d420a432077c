"""Benchmark: bulk audited ingest through POST /v1/involvement-batches, against a trivial endpoint of the same app.

Starts `inbeeld serve` on a fresh SQLite (or PostgreSQL) database with the demo organisations, then has several
schools register the same synthetic children in batches of 500 (every item decided, written and audited as if
registered alone), and measures events per second next to /v1/health requests per second (wrk) in the same run:

    python bench/ingest.py [--database sqlite|postgres] [--schools 3] [--children 9000] [--clients 2] [--rounds 3]

Checks afterwards that every event was registered and has its audit record, and that the log verifies.
Needs `wrk` (Debian package). Not a test: figures depend on the machine.
"""

import argparse
import asyncio
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from lookup import BIN, PG_ADMIN, fresh_database, load, rss_mb, serve, server_env, wrk

from gateway.auth.tokens import Caller, mint_access_token
from gateway.core.keys import load_key_ring
from gateway.core.vocabulary import OrgType
from gateway.demo.data import ORGANISATIONS, synthetic_bsns
from gateway.index.schemas import BATCH_SIZE


async def ingest(port: int, tokens: list[str], bsns: list[str], clients: int) -> tuple[float, int]:
    """Every school registers every child, `clients` batches in flight at once: (seconds, events registered)."""
    batches = [(token, bsns[i:i + BATCH_SIZE]) for token in tokens for i in range(0, len(bsns), BATCH_SIZE)]
    registered = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal registered
        while batches:
            token, chunk = batches.pop()
            response = await client.post("/v1/involvement-batches", headers={"Authorization": f"Bearer {token}"},
                                         json={"involvements": [{"bsn": b, "purpose": "signalering"}
                                                                for b in chunk]})
            response.raise_for_status()
            registered += response.json()["registered"]

    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    return time.perf_counter() - started, registered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--schools", type=int, default=3)
    parser.add_argument("--children", type=int, default=9000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    schools = [o for o in ORGANISATIONS if o.type is OrgType.school][: args.schools]
    bsns = [b.digits for b in synthetic_bsns(args.children, seed=11)]
    rates, healths, rss = [], [], 0.0
    for _ in range(args.rounds):  # each round on a fresh database: the same work every time
        work, pg_name, port = Path(tempfile.mkdtemp(prefix="inbeeld-ingest-")), fresh_database(args.database), \
            19000 + os.getpid() % 1000
        env, settings = server_env(work, pg_name, port)
        public = settings.public_url
        try:
            load(settings, 0)  # the organisations only
            ring = load_key_ring(settings)
            tokens = [mint_access_token(ring, issuer=public, audience=settings.token_audience, caller=Caller(
                organisation_id=s.id, organisation_type=s.type, role=s.roles[0], professional="bench"))
                for s in schools]
            process = serve(args.workers, port, env, work / "serve.log")
            try:
                healths.append(wrk(f"{public}/v1/health", 5, tokens[0], None)[0])
                seconds, registered = asyncio.run(ingest(port, tokens, bsns, args.clients))
                rss = max(rss, *rss_mb(process.pid))
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            expected = len(schools) * len(bsns)
            if registered != expected:
                raise SystemExit(f"registered {registered} of {expected} events")
            verify = subprocess.run([str(BIN / "inbeeld"), "audit", "verify"], env=env, capture_output=True,
                                    text=True, check=False)
            if verify.returncode != 0:
                raise SystemExit(f"audit verify failed: {verify.stdout}{verify.stderr}")
            rates.append(registered / seconds)
            print(f"round: {registered:,} events in {seconds:.1f} s; log verified", file=sys.stderr)
        finally:
            if pg_name:
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)

    rate, health = statistics.median(rates), statistics.median(healths)
    print(f"\n{len(schools)} schools x {len(bsns):,} children, batches of {BATCH_SIZE}, {args.clients} clients,"
          f" {args.workers} worker(s), {args.database}, {args.rounds} rounds, medians\n")
    print("| figure | value | min | max |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| audited events/s | {rate:,.0f} | {min(rates):,.0f} | {max(rates):,.0f} |")
    print(f"| health req/s (wrk -c16, same run) | {health:,.0f} | {min(healths):,.0f} | {max(healths):,.0f} |")
    print(f"| events/s / health req/s | {rate / health:.2f} | | |")
    print(f"| RSS per worker after the run, MB | {rss:.0f} | | |")
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {platform.platform()}")


if __name__ == "__main__":
    main()
