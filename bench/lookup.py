"""Benchmark: authenticated, audited lookups against a trivial endpoint of the same app, in one run.

Loads N synthetic children (default 1,000,000) into a fresh SQLite (or PostgreSQL) index, starts
`inbeeld serve` with 1 and then 2 workers, and drives it with wrk from 127.0.0.1:

    python bench/lookup.py [--children 10000,1000000] [--database sqlite|postgres] [--seconds 10] [--rounds 3]

Endpoints: GET /v1/health (baseline, no database), GET /v1/children/{ref}/involvements (policy decision,
one indexed read, the audit record by group commit), POST /v1/children/lookup (BSN in the body: HMAC, indexed
read, policy, audit). Rounds alternate the endpoints; the table shows medians, the median of each round's ratio
to that round's baseline, wrk's p50 and p99 latency and the largest worker's resident memory after the run;
then the ratio of 2 workers to 1 and, for several index sizes, of the largest to the smallest.
Needs `wrk` (Debian package). Not a test: figures depend on the machine.
"""

import argparse
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple
from uuid import uuid4

import httpx
import psycopg
from sqlalchemy import insert

from gateway.auth.tokens import Caller, mint_access_token
from gateway.core.crypto import ChildRefCipher, onion_layers
from gateway.core.db import make_sync_engine, migrate
from gateway.core.keys import load_key_ring
from gateway.core.settings import Mode, Settings
from gateway.core.vocabulary import AttendanceStatus, LegalBasis, OrgType, Role
from gateway.demo.data import ORGANISATIONS, synthetic_bsns
from gateway.index.models import Child, Involvement
from gateway.organisations.models import Organisation
from gateway.pseudonyms.service import DOMAIN

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
ORG = "leerplicht-utrecht"


def load(settings: Settings, children: int) -> tuple[list[str], list[str]]:
    """Bulk-load the index; returns leerplicht's child refs and BSNs of children that have one."""
    migrate(settings.effective_database_url)
    ring = load_key_ring(settings)
    engine = make_sync_engine(settings.effective_database_url)
    now = datetime.now(UTC)
    rng = random.Random(7)
    bsns = synthetic_bsns(9000)
    kid = ring.pseudonym[-1].kid
    with engine.begin() as conn:
        conn.execute(insert(Organisation.__table__), [  # type: ignore[attr-defined]
            {"id": o.id, "name": o.name, "type": o.type, "identifier": o.identifier, "region": "bench",
             "contact_point": o.contact_point, "webhook_url": None, "created_at": now} for o in ORGANISATIONS])
    batch = 20_000
    schools = [o for o in ORGANISATIONS if o.type is OrgType.school]
    for start in range(0, children, batch):
        ids = range(start + 1, min(children, start + batch) + 1)
        child_rows, involvement_rows = [], []
        for child_id in ids:
            if child_id <= len(bsns):
                key = onion_layers(ring.pseudonym, DOMAIN + bsns[child_id - 1].digits.encode())[-1][1]
            else:
                key = secrets.token_bytes(32)
            child_rows.append({"id": child_id, "index_key": key, "key_id": kid,
                               "attendance_status": AttendanceStatus.none, "created_at": now})
            school = rng.choice(schools)
            involvement_rows.append({"id": uuid4(), "child_id": child_id, "organisation_id": school.id,
                                     "professional_role": school.roles[0], "contact_point": school.contact_point,
                                     "since": now.date(), "legal_basis": LegalBasis.verwijsindex, "created_at": now})
            if child_id % 3 == 0:
                involvement_rows.append({"id": uuid4(), "child_id": child_id, "organisation_id": ORG,
                                         "professional_role": Role.leerplichtambtenaar,
                                         "contact_point": "leerplicht@bench", "since": now.date(),
                                         "legal_basis": LegalBasis.leerplichtwet, "created_at": now})
        with engine.begin() as conn:
            conn.execute(insert(Child.__table__), child_rows)  # type: ignore[attr-defined]
            conn.execute(insert(Involvement.__table__), involvement_rows)  # type: ignore[attr-defined]
        print(f"\rloaded {ids[-1]:,} children", end="", flush=True, file=sys.stderr)
    print(file=sys.stderr)
    if engine.dialect.name == "sqlite":  # fold the load's WAL into the database before measuring
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            if children:
                conn.exec_driver_sql(f"SELECT setval('child_id_seq', {children})")
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    cipher = ChildRefCipher(ring.child_ref)
    sample = rng.sample(range(1, children + 1), min(children, 2000))
    return [cipher.seal(i, ORG) for i in sample], [b.digits for b in bsns[: min(children, len(bsns))]]


def lua_paths(path: Path, refs: list[str]) -> None:
    items = ",".join(f'"/v1/children/{r}/involvements?purpose=leerplicht-handhaving"' for r in refs)
    path.write_text(f"local paths = {{{items}}}\nlocal i = 0\n"
                    "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")


def lua_bodies(path: Path, bsns: list[str]) -> None:
    items = ",".join(f"'{{\"bsn\": \"{b}\", \"purpose\": \"leerplicht-handhaving\"}}'" for b in bsns[:2000])
    path.write_text(f"local bodies = {{{items}}}\nlocal i = 0\nwrk.method = 'POST'\n"
                    "wrk.headers['Content-Type'] = 'application/json'\n"
                    "request = function()\n  i = i % #bodies + 1\n"
                    "  return wrk.format('POST', '/v1/children/lookup', nil, bodies[i])\nend\n")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, seconds: int, token: str, script: Path | None) -> tuple[float, int, float, float]:
    """(requests/s, errors, p50 ms, p99 ms)"""
    cmd = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    rps = float(next(line for line in out.splitlines() if line.startswith("Requests/sec")).split()[1])
    errors = sum(int(x) for x in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    if errors or "Socket errors" in out:
        print(out, file=sys.stderr)
    errors += sum(int(x) for x in re.findall(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                                             out)[0]) if "Socket errors" in out else 0
    p50, p99 = (_ms(re.search(rf"^\s+{q}%\s+(\S+)", out, re.M).group(1)) for q in (50, 99))  # type: ignore[union-attr]
    return rps, errors, p50, p99


def _processes() -> list[tuple[int, str, list[str]]]:
    """(pid, command name, the fields after it) of every process (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        found.append((int(stat.parent.name), head.split("(", 1)[1], tail.split()))
    return found


def workers_of(pid: int) -> list[int]:
    """The server's worker processes, or the server itself when it has none."""
    return [p for p, _, fields in _processes() if int(fields[1]) == pid] or [pid]


def rss_mb(pid: int) -> list[float]:
    """Resident memory of each worker."""
    sizes = []
    for worker in workers_of(pid):
        status = Path(f"/proc/{worker}/status").read_text()
        sizes.append(int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1)) / 1024)  # type: ignore[union-attr]
    return sizes


class CpuUse:
    """CPU seconds spent from here on by the gateway (server and workers), the database (every `postgres`
    process), wrk (this process's finished children) and nobody (the machine's idle time): where a run's
    CPUs went, so that a ratio can be read against what the machine had left."""

    def __init__(self, server_pid: int) -> None:
        self._server = server_pid
        self._start = self._now()

    def _now(self) -> dict[str, float]:
        tick = os.sysconf("SC_CLK_TCK")
        gateway = database = 0.0
        for pid, name, fields in _processes():
            used = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            if pid == self._server or int(fields[1]) == self._server:
                gateway += used
            elif name == "postgres":
                database += used
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        return {"gateway": gateway, "database": database, "wrk": children.ru_utime + children.ru_stime,
                "idle": (cpu[3] + cpu[4]) / tick, "all": sum(cpu) / tick}

    def since(self) -> dict[str, float]:
        now = self._now()
        return {key: now[key] - self._start[key] for key in now}


def serve(workers: int, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([str(BIN / "inbeeld"), "serve", "--port", str(port), "--workers", str(workers)],
                               env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.3)
    raise SystemExit(f"gateway did not start; see {log}")


def fresh_database(kind: str) -> str | None:
    """A new PostgreSQL database's name, or None for SQLite (in the data directory)."""
    if kind != "postgres":
        return None
    name = f"inbeeld_bench_{secrets.token_hex(3)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def server_env(work: Path, pg_name: str | None, port: int) -> tuple[dict[str, str], Settings]:
    """The environment of a benchmarked `inbeeld serve`, and the same as settings for this process."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}" if pg_name else ""
    public = f"http://127.0.0.1:{port}"
    env = {**os.environ, "INBEELD_MODE": Mode.development.value, "INBEELD_DATA_DIR": str(work),
           "INBEELD_DATABASE_URL": url, "INBEELD_PUBLIC_URL": public,
           "INBEELD_OUTBOX_WORKER": "false", "INBEELD_RATE_LIMIT_PER_MINUTE": "0"}  # one client, thousands a minute
    return env, Settings(mode=Mode.development, data_dir=work, database_url=url, public_url=public)


class Row(NamedTuple):
    workers: int
    endpoint: str
    rate: float  # median req/s
    ratio: float  # median of each round's ratio to its health run
    low: float
    high: float
    errors: int
    p50: float
    p99: float
    rss: float  # the largest worker's, MB
    cpu: dict[str, float]  # median CPU ms per request by gateway, database and wrk; idle: % of the machine


def _cpu_per_request(used: dict[str, float], requests: float) -> dict[str, float]:
    per = {key: used[key] * 1000 / requests for key in ("gateway", "database", "wrk")}
    return {**per, "idle": 100 * used["idle"] / used["all"]}


def measure(args: argparse.Namespace, children: int) -> list[Row]:
    """The table's rows for one index size."""
    work, pg_name, port = Path(tempfile.mkdtemp(prefix="inbeeld-bench-")), fresh_database(args.database), \
        18000 + os.getpid() % 1000
    env, settings = server_env(work, pg_name, port)
    rows: list[Row] = []
    try:
        started = time.monotonic()
        refs, bsns = load(settings, children)
        print(f"loaded {children:,} children in {time.monotonic() - started:.0f} s ({args.database})",
              file=sys.stderr)
        lua_paths(work / "involvements.lua", refs)
        lua_bodies(work / "lookup.lua", bsns)
        caller = Caller(organisation_id=ORG, organisation_type=OrgType.leerplicht, role=Role.leerplichtambtenaar,
                        professional="bench")
        for workers in (int(w) for w in args.workers.split(",")):
            process = serve(workers, port, env, work / f"serve-{workers}.log")
            try:
                runs: dict[str, list[tuple[float, int, float, float]]] = {
                    "health": [], "involvements": [], "lookup": []}
                cpus: dict[str, list[dict[str, float]]] = {name: [] for name in runs}
                for _ in range(args.rounds):
                    token = mint_access_token(load_key_ring(settings), issuer=settings.public_url,
                                              audience=settings.token_audience, caller=caller)
                    for name, script in (("health", None), ("involvements", work / "involvements.lua"),
                                         ("lookup", work / "lookup.lua")):
                        meter = CpuUse(process.pid)
                        runs[name].append(wrk(f"http://127.0.0.1:{port}/v1/health" if name == "health"
                                              else f"http://127.0.0.1:{port}", args.seconds, token, script))
                        cpus[name].append(_cpu_per_request(meter.since(), runs[name][-1][0] * args.seconds))
                rss = max(rss_mb(process.pid))
                bases = [r[0] for r in runs["health"]]
                for name, results in runs.items():
                    rates = [r[0] for r in results]
                    # Each round's ratio to the health run just before it: the machine's speed drifts between
                    # rounds (shared CPUs), less within one.
                    ratio = statistics.median(rate / base for rate, base in zip(rates, bases, strict=True))
                    rows.append(Row(workers, name, statistics.median(rates), ratio, min(rates), max(rates),
                                    sum(r[1] for r in results), statistics.median(r[2] for r in results),
                                    statistics.median(r[3] for r in results), rss,
                                    {key: statistics.median(c[key] for c in cpus[name]) for key in cpus[name][0]}))
            finally:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    finally:
        if pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}", file=sys.stderr)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", default="1000000", help="index sizes, comma separated (e.g. 10000,1000000)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    sizes = [int(n) for n in args.children.split(",")]
    tables = {size: measure(args, size) for size in sizes}
    lookups = {}
    for size, rows in tables.items():
        print(f"\n{size:,} children, {args.database}, wrk -t1 -c16, {args.rounds} rounds of {args.seconds} s,"
              f" medians\n")
        print("| workers | endpoint | req/s | ratio to health | min | max | errors | p50 ms | p99 ms | p99/p50"
              " | RSS per worker MB | CPU ms/req: gateway | database | wrk | idle % |")
        print("| ---: | --- |" + " ---: |" * 13)
        for r in rows:
            print(f"| {r.workers} | {r.endpoint} | {r.rate:,.0f} | {r.ratio:.2f} | {r.low:,.0f} | {r.high:,.0f} |"
                  f" {r.errors} | {r.p50:.2f} | {r.p99:.2f} | {r.p99 / r.p50:.1f} | {r.rss:.0f} |"
                  f" {r.cpu['gateway']:.2f} | {r.cpu['database']:.2f} | {r.cpu['wrk']:.2f} | {r.cpu['idle']:.0f} |")
        lookups[size] = {r.workers: r.rate for r in rows if r.endpoint == "lookup"}
        if len(lookups[size]) > 1:
            one, most = min(lookups[size]), max(lookups[size])
            print(f"\nlookup, {most} workers / {one}: {lookups[size][most] / lookups[size][one]:.2f}")
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        for workers in lookups[small]:
            print(f"lookup req/s, {workers} worker(s), {large:,} / {small:,} children:"
                  f" {lookups[large][workers] / lookups[small][workers]:.2f}")
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {platform.platform()}")


if __name__ == "__main__":
    main()
