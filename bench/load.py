"""Load with invariants: a realistic mix against `inbeeld serve --demo --workers 2`, then the promises checked.

The mix (bounded in count and time, from one client process with a fixed number of connections): schools
reporting absence and reading who is involved, a few new registrations, GGD lookups, leerplicht's worklist,
privacy officers' CSV exports, and about 10% requests that must be denied (a clerk's role naming the regisseur,
a lookup without a basis). Afterwards: no 5xx; every request id answered 2xx/4xx has its audit record (exactly
one where the request is about one child); the audit chain verifies (`inbeeld audit verify`); the workers'
memory at the start and the end of the run.

    python bench/load.py [--requests 4000] [--connections 16] [--max-seconds 300]
                         [--database-url postgresql+psycopg://…] [--rate-limit PER_MINUTE]

With `--rate-limit`, the gateway's per-organisation limit is on: requests above it must be answered 429 with
`Retry-After` and leave no audit record (nothing was done), every other request keeps its record.

Why a script of our own and not wrk or locust: each request needs its own id, token and body, and the
invariants need the ids afterwards; httpx's client is already a dependency. Not a test: figures depend on the
machine.
"""

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import text

from gateway.auth.tokens import Caller, mint_access_token
from gateway.core.db import make_sync_engine
from gateway.core.keys import load_key_ring
from gateway.core.settings import Mode, Settings
from gateway.core.vocabulary import OrgType, Role
from gateway.demo.data import synthetic_bsns

BIN = Path(sys.executable).parent
SCHOOL = Caller("vo-stedelijk-lyceum", OrgType.school, Role.zorgcoordinator, "load-zc")
CLERK = Caller("vo-stedelijk-lyceum", OrgType.school, Role.verzuimadministratie, "load-va")
GGD = Caller("ggd-regio-utrecht", OrgType.ggd, Role.jeugdarts, "load-ja")
LEERPLICHT = Caller("leerplicht-utrecht", OrgType.leerplicht, Role.leerplichtambtenaar, "load-lpa")
OFFICER = Caller("vo-stedelijk-lyceum", OrgType.school, Role.privacy_officer, "load-fg")
ONE_CHILD = {"event", "involvements", "register", "lookup", "denied-clerk", "denied-lookup"}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def workers(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(c) for c in children]


class Mix:
    def __init__(self, url: str, tokens: dict[str, str], bsns: list[str]) -> None:
        self.url, self.tokens, self.bsns = url, tokens, bsns
        self.refs: list[str] = []          # the school's references
        self.ggd_bsns: list[str] = []      # children the GGD is involved with
        # New registrations: the test BSNs after those of the children set up (some 1,800 for 200 children).
        self.fresh = iter(b.digits for b in synthetic_bsns(9000)[7000 + len(bsns):])
        self.sent: list[tuple[str, str, int, float]] = []  # (request id, kind, status, seconds)
        self.limited_without_retry_after = 0

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", "X-Request-Id": f"load-{uuid.uuid4().hex}"}

    def request(self, rng: random.Random) -> tuple[str, str, str, dict[str, object]]:
        """(kind, who, method and path, httpx arguments)."""
        roll = rng.random()
        ref = rng.choice(self.refs)
        if roll < 0.30:
            day = rng.randrange(1, 28)
            return "event", "school", f"POST /v1/children/{ref}/events", {"json": {
                "id": str(uuid.uuid4()), "purpose": "signalering", "kind": "unauthorised-absence",
                "starts_on": f"2026-10-{day:02d}", "ends_on": f"2026-10-{day:02d}", "hours": 5}}
        if roll < 0.45:
            return "involvements", "school", f"GET /v1/children/{ref}/involvements", {
                "params": {"purpose": "afstemming-kernteam"}}
        if roll < 0.65:
            return "lookup", "ggd", "POST /v1/children/lookup", {"json": {
                "bsn": rng.choice(self.ggd_bsns), "purpose": "signalering"}}
        if roll < 0.75:
            return "worklist", "leerplicht", "GET /v1/worklist", {"params": {"purpose": "leerplicht-handhaving"}}
        if roll < 0.80:
            return "export", "officer", "GET /v1/audit/records.csv", {"params": {"purpose": "toezicht"}}
        if roll < 0.90:
            fresh = next(self.fresh, None)
            if fresh is None:
                raise SystemExit("out of test BSNs for new registrations: ask for fewer requests or children")
            return "register", "school", "POST /v1/involvements", {"json": {"bsn": fresh, "purpose": "signalering"}}
        if roll < 0.95:  # a clerk's role may not name the regisseur
            return "denied-clerk", "clerk", f"PUT /v1/children/{ref}/regisseur", {"json": {
                "purpose": "afstemming-kernteam", "organisation_id": SCHOOL.organisation_id}}
        return "denied-lookup", "ggd", "POST /v1/children/lookup", {"json": {
            "bsn": rng.choice(self.bsns[len(self.bsns) // 2:]), "purpose": "signalering"}}

    async def setup(self, client: httpx.AsyncClient) -> None:
        """The school involved with every child, the GGD with the first half."""
        async def register(who: str, bsn: str) -> httpx.Response:
            for _ in range(100):  # under a rate limit: wait as told
                response = await client.post("/v1/involvements", headers=self.headers(who),
                                             json={"bsn": bsn, "purpose": "signalering"})
                if response.status_code != 429:
                    break
                await asyncio.sleep(float(response.headers["retry-after"]))
            assert response.status_code in (200, 201), response.text
            return response

        for n, bsn in enumerate(self.bsns):
            self.refs.append((await register("school", bsn)).json()["child_ref"])
            if n < len(self.bsns) // 2:
                await register("ggd", bsn)
                self.ggd_bsns.append(bsn)

    async def run(self, client: httpx.AsyncClient, requests: int, connections: int, max_seconds: float) -> float:
        rng = random.Random(7)
        plan = [self.request(rng) for _ in range(requests)]
        queue: asyncio.Queue[tuple[str, str, str, dict[str, object]]] = asyncio.Queue()
        for item in plan:
            queue.put_nowait(item)
        deadline = time.monotonic() + max_seconds

        async def worker() -> None:
            while not queue.empty() and time.monotonic() < deadline:
                kind, who, route, arguments = queue.get_nowait()
                method, path = route.split(" ", 1)
                headers = self.headers(who)
                started = time.perf_counter()
                response = await client.request(method, path, headers=headers, **arguments)  # type: ignore[arg-type]
                self.sent.append((headers["X-Request-Id"], kind, response.status_code,
                                  time.perf_counter() - started))
                if response.status_code == 429 and not response.headers.get("retry-after", "").isdigit():
                    self.limited_without_retry_after += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(connections)))
        return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--children", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--database-url", help="PostgreSQL instead of the demo's SQLite (an empty database)")
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per minute per organisation")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="inbeeld-load-"))
    port = 21000 + os.getpid() % 1000
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "INBEELD_CASE_WATCHER": "false", "INBEELD_RATE_LIMIT_PER_MINUTE": str(args.rate_limit)}
    if args.database_url:
        env["INBEELD_DATABASE_URL"] = args.database_url
    database_url = args.database_url or f"sqlite:///{work / 'var' / 'demo' / 'inbeeld.db'}"
    log = (work / "gateway.log").open("ab")
    server = subprocess.Popen([str(BIN / "inbeeld"), "serve", "--demo", "--workers", "2", "--port", str(port)],
                              cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        settings = Settings(mode=Mode.demo, data_dir=work / "var" / "demo", public_url=url)
        ring = load_key_ring(settings)
        tokens = {name: mint_access_token(ring, issuer=url, audience=settings.token_audience, caller=caller,
                                          lifetime_seconds=300)
                  for name, caller in (("school", SCHOOL), ("clerk", CLERK), ("ggd", GGD),
                                       ("leerplicht", LEERPLICHT), ("officer", OFFICER))}
        mix = Mix(url, tokens, [b.digits for b in synthetic_bsns(9000)[7000:7000 + args.children]])

        pids = workers(server.pid)
        growth: list[tuple[int, int]] = []  # (requests answered, the workers' RSS in KiB), at each quarter

        async def sample_memory() -> None:
            for quarter in range(4):
                while len(mix.sent) < quarter * args.requests // 4:  # noqa: ASYNC110  (sampling, not waiting)
                    await asyncio.sleep(0.2)
                growth.append((len(mix.sent), sum(rss_kib(pid) for pid in pids)))

        async def drive() -> float:
            limits = httpx.Limits(max_connections=args.connections)
            async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
                await mix.setup(client)
                sampler = asyncio.create_task(sample_memory())
                seconds = await mix.run(client, args.requests, args.connections, args.max_seconds)
                sampler.cancel()
                growth.append((len(mix.sent), sum(rss_kib(pid) for pid in pids)))
                return seconds

        before = {pid: rss_kib(pid) for pid in pids}
        seconds = asyncio.run(drive())
        after = {pid: rss_kib(pid) for pid in before}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    verify = subprocess.run([str(BIN / "inbeeld"), "audit", "verify"], cwd=work, capture_output=True, text=True,
                            env={**env, "INBEELD_MODE": "demo", "INBEELD_DATA_DIR": str(work / "var" / "demo"),
                                 "INBEELD_PUBLIC_URL": url},
                            check=False, timeout=600)
    engine = make_sync_engine(database_url)
    with engine.connect() as db:
        audited = Counter(dict(db.execute(text("SELECT request_id, count(*) FROM audit_record "
                                               "WHERE request_id LIKE 'load-%' GROUP BY request_id")).all()))
    engine.dispose()
    statuses = Counter(status for _, _, status, _ in mix.sent)
    by_kind = Counter((kind, status) for _, kind, status, _ in mix.sent)
    missing = [rid for rid, _, status, _ in mix.sent if status < 500 and status != 429 and audited[rid] == 0]
    limited = [rid for rid, _, status, _ in mix.sent if status == 429]
    limited_audited = [rid for rid in limited if audited[rid]]
    doubled = [rid for rid, kind, _, _ in mix.sent if kind in ONE_CHILD and audited[rid] > 1]
    times = sorted(t for *_, t in mix.sent)
    denied = sum(n for (kind, status), n in by_kind.items() if status in (401, 403))
    print(f"database: {'PostgreSQL' if args.database_url else 'SQLite'}; rate limit: "
          f"{args.rate_limit or 'off'}{' per minute per organisation' if args.rate_limit else ''}")
    print("| requests | seconds | req/s | p50 ms | p99 ms | 5xx | denied | 429 (without Retry-After, audited) | "
          "without audit record | more than one record | chain | worker RSS start → end (MiB) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    memory = ", ".join(f"{before[p] / 1024:.0f} → {after[p] / 1024:.0f}" for p in before)
    print(f"| {len(mix.sent)} | {seconds:.1f} | {len(mix.sent) / seconds:.0f} | "
          f"{statistics.median(times) * 1000:.1f} | {times[int(0.99 * len(times))] * 1000:.1f} | "
          f"{sum(n for s, n in statuses.items() if s >= 500)} | {denied} ({100 * denied / len(mix.sent):.0f}%) | "
          f"{len(limited)} ({mix.limited_without_retry_after}, {len(limited_audited)}) | "
          f"{len(missing)} | {len(doubled)} | {'verified' if verify.returncode == 0 else 'FAILED'} | {memory} |")
    print("workers' RSS by requests answered (after the setup):",
          ", ".join(f"{done}: {kib / 1024:.0f} MiB" for done, kib in growth))
    print("\nby kind and status:", dict(sorted(by_kind.items())))
    if verify.returncode != 0:
        print(verify.stdout[-2000:], verify.stderr[-2000:])
    ok = verify.returncode == 0 and not missing and not doubled and not any(s >= 500 for s in statuses) \
        and not limited_audited and not mix.limited_without_retry_after
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
