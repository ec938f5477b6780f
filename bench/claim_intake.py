"""Claim intake through the gateway: POST /api/credit/claims by eligible learners under wrk, beside the bare anchor.

    .venv/bin/python bench/claim_intake.py [--duration 10] [--connections 32] [--workers <cores>] [--rounds 2]

Needs Debian's `wrk` (`apt-get install wrk`) and nginx. Starts, all on 127.0.0.1: the test profile's PostgreSQL
(started if needed and then stopped again; or `--pg-dsn` names a running server's superuser DSN) with two temporary
databases (dropped afterwards); credit's API under gunicorn with `--workers` processes and the settings `./opencme up`
gives it, behind the devstack nginx gateway, on free ports with a state folder of its own (.local/bench-claims); a
JWKS for the learners' tokens; and the anchor (bench/claim_intake_anchor.py: FastAPI and asyncpg inserting the claim
and its outbox row in one transaction, nothing else) with as many uvicorn workers, hit directly.

Every request is a claim by another learner registered for a live course that ended two days ago (registrations as
credit projects them from catalog's events): 1 AMA credit with the evaluation, so each is eligible, new and accepted
(201), and each learner's token (ES256 with a kid, issuer and audience, signed as identity signs them, by a key whose
JWKS the bench serves) is checked for the first time: no claim is served by the API's cache of verified tokens. The
anchor gets the same bodies, the learner in X-Learner-Id.

Measured A B A B in one run: after a warm-up of each, `--rounds` times OpenCME for `--duration` seconds, then the
anchor as long, each with `--connections` connections. Prints each phase's claims/s, median and p99 (wrk's, ms) and
its answers other than 201, then both over the rounds and the ratio, beside issue 11's goals (>= 0.5x the anchor's
rate, p99 <= 150 ms at 32 connections).

Not started: identity (sign-in is bench/identity_signin.py's), Kafka and credit's worker, whose outbox relay would
publish every claim's event to a Kafka that other processes read (relaying is bench/outbox_relay.py's). wrk, nginx, the
API and PostgreSQL share the machine's cores, as a load generator on the same host does: the figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
from claim_intake_anchor import SCHEMA as ANCHOR_SCHEMA
from idle_stack import cpu_of, proc_stat

from credit import repository
from credit.config import MIGRATIONS
from devstack.config import REPO_ROOT, StackConfig
from devstack.gateway import Gateway
from devstack.postgres import Postgres
from devstack.procs import api_command, spawn, stop, wait_until
from devstack.testing import TokenMint
from opencme_kit import db

AMA = "AMA_PRA_1"
EVALUATION = {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True}
STATE = REPO_ROOT / ".local" / "bench-claims"
BENCH = Path(__file__).resolve().parent

# Each request is the next line of the phase's file (a learner's token and id), the lines dealt out to wrk's threads;
# done() prints wrk's figures on one line. Past the last line it starts over: a repeated claim answers 409 and counts
# as an answer other than 201.
WRK_SCRIPT = """
local threads_started = 0
function setup(thread)
  thread:set("index", threads_started)
  threads_started = threads_started + 1
end

function init(args)
  local file, path, threads, body = args[1], args[2], tonumber(args[3]), args[4]
  prepared, n = {}, 0
  for line in io.lines(file) do
    if n % threads == index then
      local token, learner = line:match("^(%S+) (%S+)$")
      prepared[#prepared + 1] = wrk.format("POST", path, {
        ["Authorization"] = "Bearer " .. token,
        ["Content-Type"] = "application/json",
        ["X-Learner-Id"] = learner,
      }, body)
    end
    n = n + 1
  end
  sent = 0
end

function request()
  sent = sent + 1
  return prepared[(sent - 1) % #prepared + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %.0f %.0f\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclasses.dataclass(frozen=True)
class Phase:
    system: str  # "OpenCME" or "anchor"
    round: int  # 0: warm-up
    requests: int
    seconds: float
    not_201: int  # answers other than 201
    failed: int  # connect, read, write errors and timeouts
    median_ms: float
    p99_ms: float
    cpu: dict[str, float]  # CPU seconds used during the phase, per part (API, gateway, PostgreSQL, wrk)

    @property
    def claims(self) -> int:
        return self.requests - self.not_201 - self.failed

    @property
    def rate(self) -> float:
        return self.claims / self.seconds

    def cpu_ms_per_claim(self) -> str:
        return "  ".join(f"{part} {seconds / max(1, self.claims) * 1000:.2f}" for part, seconds in self.cpu.items())


def cpu_seconds(*, group: int | None = None, parent: int | None = None) -> float:
    """CPU time of a process group (an API's gunicorn processes, nginx), or of a process and its children (PostgreSQL's
    postmaster and backends), with what their exited children used."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (stat := proc_stat(entry.name)) is None:
            continue
        if (group is not None and int(stat[2]) == group) or (
            parent is not None and parent in (int(entry.name), int(stat[1]))
        ):
            total += cpu_of(stat)
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def jwks_served(jwks: dict[str, Any]) -> Iterator[str]:
    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


async def admin(admin_dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def seed(credit_dsn: str, anchor_dsn: str, activity_id: uuid.UUID, learners: list[uuid.UUID]) -> None:
    """Credit's schema with one live course and a registration of every learner; the anchor's with the course."""
    pool = await db.create_pool(credit_dsn, max_size=2)
    try:
        await db.apply_migrations(pool, MIGRATIONS)
        ended = datetime.now(UTC) - timedelta(days=2)
        async with pool.acquire() as conn:
            await repository.upsert_activity(
                conn,
                id=activity_id,
                title="Medicine Grand Rounds: Sepsis in 2026",
                format="live_course",
                starts_at=ended - timedelta(hours=8),
                ends_at=ended,
                location="Auditorium",
                provider_name="Example University School of Medicine",
                designations=[{"credit_type": AMA, "max_credits": "2", "statement": "Example University ... 2 AMA"}],
                claim_window_days=30,
                available_until=None,
                moc_boards=[],
                requires_event_code=False,
                published_at=datetime.now(UTC),
            )
            await conn.copy_records_to_table(
                "registrations",
                columns=["id", "learner_id", "activity_id", "email"],
                records=[
                    (uuid.uuid4(), learner, activity_id, f"{learner.hex[:12]}@example.org") for learner in learners
                ],
            )
            await conn.execute("ANALYZE")
    finally:
        await pool.close()
    anchor = await asyncpg.connect(anchor_dsn)
    try:
        await anchor.execute(ANCHOR_SCHEMA)
        await anchor.execute("INSERT INTO activities (id, title) VALUES ($1, 'Medicine Grand Rounds')", activity_id)
    finally:
        await anchor.close()


async def count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def uvicorn(target: str, port: int, workers: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--timeout-keep-alive",
        "75",
        *extra,
    ]


def answers(url: str) -> bool:
    return bool(urllib.request.urlopen(url, timeout=2).status == 200)


def run_wrk(
    url: str, path: str, learners_file: Path, *, seconds: float, connections: int, threads: int, body: str
) -> tuple[int, float, int, int, float, float, float]:
    """wrk's requests, seconds, answers other than 201, failures, median and p99 (ms), and the CPU seconds it used."""
    script = STATE / "claim_intake.lua"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
            "--",
            str(learners_file),
            path,
            str(threads),
            body,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    [line] = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    requests, micros, not_201, failed, p50, p99 = (float(x) for x in line.split()[1:])
    return int(requests), micros / 1e6, int(not_201), int(failed), p50 / 1000, p99 / 1000, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured phase (default 10)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of each system's warm-up (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="A B rounds (default 2: A B A B)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: enough, and cores are few)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes of each API")
    parser.add_argument("--max-rate", type=int, default=3000, help="claims/s a phase has learners for (default 3000)")
    parser.add_argument("--pg-dsn", help="superuser DSN of a running PostgreSQL (default: the test profile's)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")

    STATE.mkdir(parents=True, exist_ok=True)
    (STATE / "claim_intake.lua").write_text(WRK_SCRIPT)
    test = StackConfig.for_profile("test")
    postgres, started_postgres = None, False
    if args.pg_dsn:
        admin_dsn = args.pg_dsn
    else:
        postgres = Postgres(test)
        started_postgres = not postgres.running()
        postgres.start()
        admin_dsn = postgres.dsn()
    suffix = uuid.uuid4().hex[:8]
    names = {"OpenCME": f"bench_claims_credit_{suffix}", "anchor": f"bench_claims_anchor_{suffix}"}
    dsns = {system: f"{admin_dsn.rsplit('/', 1)[0]}/{name}" for system, name in names.items()}

    # Learners: one file per phase, each line a learner's token and id; the anchor's phases reuse OpenCME's (their
    # databases are apart).
    phases = 1 + args.rounds
    per_phase = [round(args.max_rate * (args.warmup if i == 0 else args.duration)) for i in range(phases)]
    mint, activity_id = TokenMint(), uuid.uuid4()
    learners = [uuid.uuid4() for _ in range(sum(per_phase))]
    started = time.perf_counter()
    files, taken = [], 0
    for i, n in enumerate(per_phase):
        files.append(STATE / f"learners-{i}.txt")
        lines = (f"{mint.token(learner, ttl=3600)} {learner}\n" for learner in learners[taken : taken + n])
        files[-1].write_text("".join(lines))
        taken += n
    print(f"{len(learners)} learners, tokens signed in {time.perf_counter() - started:.1f} s", flush=True)

    credit_port, anchor_port = free_port(), free_port()
    config = dataclasses.replace(
        test,
        profile="bench",
        state_dir=STATE,
        gateway_port=free_port(),
        service_base_port=credit_port - 2,  # credit is the third service: the gateway's upstream is credit_port
    )
    gateway = Gateway(config)
    processes: list[subprocess.Popen[bytes]] = []
    results: list[Phase] = []
    body = json.dumps({"activity_id": str(activity_id), "credits": {AMA: "1"}, "evaluation": EVALUATION})
    try:
        for name in names.values():
            asyncio.run(admin(admin_dsn, f'CREATE DATABASE "{name}"'))
        asyncio.run(seed(dsns["OpenCME"], dsns["anchor"], activity_id, learners))
        with jwks_served(mint.jwks()) as jwks_url:
            env = {"PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}
            processes.append(
                spawn(
                    "credit-api-bench",
                    api_command("credit", credit_port, workers=args.workers),
                    log_dir=config.logs_dir,
                    env={**env, "DATABASE_URL": dsns["OpenCME"], "JWKS_URL": jwks_url},
                )
            )
            processes.append(
                spawn(
                    "claim-anchor-bench",
                    uvicorn(
                        "claim_intake_anchor:app", anchor_port, args.workers, "--app-dir", str(Path(__file__).parent)
                    ),
                    log_dir=config.logs_dir,
                    env={**env, "DATABASE_URL": dsns["anchor"]},
                )
            )
            for proc, url, log in (
                (processes[0], f"http://127.0.0.1:{credit_port}/readyz", "credit-api-bench"),
                (processes[1], f"http://127.0.0.1:{anchor_port}/openapi.json", "claim-anchor-bench"),
            ):
                wait_until(
                    functools.partial(answers, url), what=log, timeout=90, log=config.logs_dir / f"{log}.log", proc=proc
                )
            gateway.start()

            targets = {
                "OpenCME": (config.gateway_url, "/api/credit/claims"),
                "anchor": (f"http://127.0.0.1:{anchor_port}", "/claims"),
            }
            # Where each system's CPU goes: its API's processes, the gateway (OpenCME's only), PostgreSQL's (when
            # started here: all of its processes are this run's), and wrk.
            assert gateway.proc is not None
            parts: dict[str, dict[str, Callable[[], float]]] = {
                "OpenCME": {
                    "API": functools.partial(cpu_seconds, group=processes[0].pid),
                    "gateway": functools.partial(cpu_seconds, group=gateway.proc.pid),
                },
                "anchor": {"API": functools.partial(cpu_seconds, group=processes[1].pid)},
            }
            if postgres is not None:
                postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
                for system in parts:
                    parts[system]["PostgreSQL"] = functools.partial(cpu_seconds, parent=postmaster)
            for i in range(phases):
                for system, (url, path) in targets.items():
                    cpu_before = {part: measure() for part, measure in parts[system].items()}
                    requests, seconds, not_201, failed, median_ms, p99_ms, wrk_cpu = run_wrk(
                        url,
                        path,
                        files[i],
                        seconds=args.warmup if i == 0 else args.duration,
                        connections=args.connections,
                        threads=args.threads,
                        body=body,
                    )
                    cpu = {part: measure() - cpu_before[part] for part, measure in parts[system].items()}
                    phase = Phase(
                        system, i, requests, seconds, not_201, failed, median_ms, p99_ms, {**cpu, "wrk": wrk_cpu}
                    )
                    results.append(phase)
                    label = "warm-up" if i == 0 else f"round {i}"
                    print(
                        f"{label:8s} {system:8s} {phase.rate:7.1f} claims/s  median {median_ms:6.1f} ms  "
                        f"p99 {p99_ms:6.1f} ms  ({requests} requests, {not_201} not 201, {failed} failed)\n"
                        f"{'':17s}CPU ms per claim: {phase.cpu_ms_per_claim()}",
                        flush=True,
                    )
        recorded = {system: asyncio.run(count(dsn, "SELECT count(*) FROM claims")) for system, dsn in dsns.items()}
    finally:
        gateway.stop()
        for proc in processes:
            stop(proc)
        for name in names.values():
            asyncio.run(admin(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if postgres is not None and started_postgres:
            postgres.stop()

    measured = {s: [p for p in results if p.system == s and p.round > 0] for s in ("OpenCME", "anchor")}
    rate = {
        s: sum(p.requests - p.not_201 - p.failed for p in ps) / sum(p.seconds for p in ps) for s, ps in measured.items()
    }
    p99 = {s: max(p.p99_ms for p in ps) for s, ps in measured.items()}
    median = {s: statistics.median(p.median_ms for p in ps) for s, ps in measured.items()}
    print()
    print(
        f"cpus: {os.cpu_count()}  worker processes per API: {args.workers}  connections: {args.connections}  "
        f"wrk threads: {args.threads}  {args.rounds} rounds of {args.duration:g} s each (A B A B)"
    )
    print(f"claims recorded: OpenCME {recorded['OpenCME']}, anchor {recorded['anchor']} (warm-ups included)")
    for system in ("OpenCME", "anchor"):
        print(
            f"{system:8s} {rate[system]:7.1f} claims/s  median {median[system]:6.1f} ms  p99 {p99[system]:6.1f} ms"
            "  (over the rounds: all claims / all seconds, the median of the medians, the worst p99)"
        )
    for system, phases_of in measured.items():
        claims = sum(p.claims for p in phases_of)
        cpu = {part: sum(p.cpu[part] for p in phases_of) / max(1, claims) * 1000 for part in phases_of[0].cpu}
        shown = "  ".join(f"{part} {ms:.2f}" for part, ms in cpu.items())
        print(f"{system:8s} CPU ms per claim: {shown}  (total {sum(cpu.values()):.2f})")
    ratio = rate["OpenCME"] / rate["anchor"]
    print(
        f"ratio: OpenCME {ratio:.2f}x the anchor's rate (goal >= 0.5x); OpenCME p99 {p99['OpenCME']:.1f} ms "
        "(goal <= 150 ms)"
    )
    if any(p.not_201 or p.failed for p in results):
        print("some answers were not 201: see the phases above (a repeated claim, with too few learners: --max-rate)")


if __name__ == "__main__":
    main()
