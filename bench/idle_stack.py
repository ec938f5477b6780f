"""Idle stack: the CPU each service process uses over 60 s with nothing to do; goal: all together <= 2 % of one core.

    OPENCME_PORT_OFFSET=900 .venv/bin/python bench/idle_stack.py [--seconds 60] [--settle 30] [--attach]

Starts the whole system as `./opencme up` does (PostgreSQL, Kafka, the six services' APIs and workers, the SMTP sink,
the fake board and the nginx gateway, without demo data) on the ports OPENCME_PORT_OFFSET moves the dev profile to, in
a state folder of its own (.local/bench-stack-*, removed afterwards unless the run failed), lets it settle, then reads
every process's CPU time (user + system, /proc/<pid>/stat) at the start and the end of the measured period. Each API
and worker is a session of its own (devstack starts it so), and everything in its session counts: gunicorn's worker
processes or a render pool included. Prints each service process's share of one core and the total beside the goal and
its anchor (0: nothing to do), the infrastructure's for reference, and each service database's transactions per
second (pg_stat_database): the notifications sender's idle busy loop showed there as ~10,000 a second.

--attach measures the stack already running on OPENCME_PORT_OFFSET (e.g. `python -m devstack up`) instead; each
process is found by the port it listens on.

The other pipeline benchmarks (claim_surge, claim_latency, catalog_listing) start or attach to their stack with
`bench_stack` and read CPU with `cpu_seconds` from here.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from devstack.config import REPO_ROOT, SERVICES, StackConfig, package_of
from devstack.postgres import Postgres
from devstack.stack import Stack

GOAL = 0.02  # of one core, all service processes together
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- processes and their CPU ---------------------------------------------------------------------------------------


def listening_pids() -> dict[int, int]:
    """TCP port -> pid of a process holding a socket that listens on it (IPv4 or IPv6), from /proc."""
    inodes: dict[str, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":  # LISTEN
                inodes[fields[9]] = int(fields[1].rsplit(":", 1)[1], 16)
    found: dict[int, int] = {}
    for proc in sorted((p for p in Path("/proc").iterdir() if p.name.isdigit()), key=lambda p: int(p.name)):
        try:
            for fd in (proc / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and (port := inodes.get(target[8:-1])) is not None:
                    found.setdefault(port, int(proc.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


def proc_stat(pid: str) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()  # fields from the 3rd (state) on; the name may hold spaces


def cpu_of(fields: list[str], *, children: bool = True) -> float:
    """CPU seconds (user + system) of a process from its `proc_stat` fields, with those of its reaped children."""
    return sum(int(v) for v in fields[11 : 15 if children else 13]) / CLOCK_TICKS


def process_cpu(pid: int) -> float:
    """CPU seconds of one live process, its own: not its reaped children's (a render process that ended is the
    certificates worker's child, not the worker's own work)."""
    fields = proc_stat(str(pid))
    if fields is None:
        raise SystemExit(f"process {pid} is gone")
    return cpu_of(fields, children=False)


def session_of(pid: int) -> int:
    fields = proc_stat(str(pid))
    if fields is None:
        raise SystemExit(f"process {pid} is gone")
    return int(fields[3])


def cpu_seconds(sessions: Mapping[str, int]) -> dict[str, float]:
    """name -> CPU seconds (user + system, of reaped children too) of every live process in the named session, and
    of the session leader's children that started sessions of their own (PostgreSQL's backends do)."""
    by_session = dict.fromkeys(sessions.values(), 0.0)
    for proc in os.listdir("/proc"):
        if not proc.isdigit() or (fields := proc_stat(proc)) is None:
            continue
        session = next((int(s) for s in (fields[3], fields[1]) if int(s) in by_session), None)
        if session is not None:
            by_session[session] += cpu_of(fields)
    return {name: by_session[session] for name, session in sessions.items()}


def wait_quiet(sessions: Mapping[str, int], *, below: float = 0.3, window: float = 3.0, timeout: float = 300) -> float:
    """Waits until the named processes together used less than `below` of one core over a `window`; returns the
    seconds waited (at most `timeout`). Lets what a set-up set off (emails, projections) end before a timed phase."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = sum(cpu_seconds(sessions).values())
        time.sleep(window)
        if (sum(cpu_seconds(sessions).values()) - before) / window < below:
            break
    return time.monotonic() - started


# --- the stack under test ------------------------------------------------------------------------------------------


@dataclass
class BenchStack:
    config: StackConfig

    @property
    def gateway_url(self) -> str:
        return self.config.gateway_url

    @property
    def kafka_bootstrap(self) -> str:
        return self.config.kafka_bootstrap

    def admin_dsn(self, database: str = "postgres") -> str:
        return Postgres(self.config).dsn(database)

    def services(self) -> dict[str, int]:
        """'identity-api', 'identity-worker', ... -> the session of that process, found by the port it listens on."""
        ports, found = listening_pids(), {}
        for service in SERVICES:
            for part, port in (
                ("api", self.config.service_port(service)),
                ("worker", self.config.worker_health_port(service)),
            ):
                if (pid := ports.get(port)) is None:
                    raise SystemExit(f"nothing listens on port {port}, where the {service} {part} should")
                found[f"{service}-{part}"] = session_of(pid)
        return found

    def infrastructure(self) -> dict[str, int]:
        """PostgreSQL, Kafka, the gateway, and the development SMTP server and fake board where they run, for
        reference (each whole session: the postmaster with its backends)."""
        ports, c = listening_pids(), self.config
        wanted = {
            "postgres": c.pg_port,
            "kafka": c.kafka_port,
            "gateway (nginx)": c.gateway_port,
            "smtp sink": c.smtp_http_port,
            "fake board": c.board_port,
        }
        return {name: session_of(ports[port]) for name, port in wanted.items() if port in ports}


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def bench_stack(*, attach: bool, env: Mapping[str, str] | None = None) -> Iterator[BenchStack]:
    """The stack on OPENCME_PORT_OFFSET's dev ports: the running one (`attach`), or one started here in a state folder
    of its own and stopped (and removed, unless something failed) afterwards. `env` reaches every service process."""
    config = StackConfig.for_profile("dev")
    if attach:
        if not _port_open(config.gateway_port):
            raise SystemExit(f"no stack answers on {config.gateway_url}: start one, or leave out --attach")
        yield BenchStack(config)
        return
    if busy := [p for p in (config.gateway_port, config.pg_port, config.kafka_port) if _port_open(p)]:
        raise SystemExit(f"ports {busy} are taken: set OPENCME_PORT_OFFSET to a free offset (or --attach)")
    state = REPO_ROOT / ".local" / f"bench-stack-{uuid.uuid4().hex[:6]}"
    state.mkdir(parents=True)  # not mkdtemp: postgres and nginx's workers, other users, must reach into it
    stack = Stack(dataclasses.replace(config, state_dir=state))
    os.environ.update(env or {})  # devstack hands its own environment to every process it starts
    started = time.monotonic()
    print(f"starting a stack in {state} on {config.gateway_url} ...", flush=True)
    failed = True
    try:
        stack.start_infra()
        stack.start_tools()
        stack.start_services()
        stack.start_gateway()
        print(f"  up in {time.monotonic() - started:.0f} s", flush=True)
        yield BenchStack(stack.config)
        failed = False
    finally:
        stack.stop()
        if failed:
            print(f"the stack's logs stay in {stack.config.logs_dir}")
        else:
            if stack.postgres.home != stack.postgres.root:  # its cluster lived under /tmp
                shutil.rmtree(stack.postgres.home, ignore_errors=True)
            shutil.rmtree(state, ignore_errors=True)


# --- the benchmark -------------------------------------------------------------------------------------------------


async def transactions(bench: BenchStack) -> dict[str, int]:
    """Committed and rolled-back transactions so far, per service database."""
    names = {f"opencme_{package_of(s)}": s for s in SERVICES}
    conn = await asyncpg.connect(bench.admin_dsn())
    try:
        rows = await conn.fetch(
            "SELECT datname, xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = ANY($1::text[])",
            list(names),
        )
    finally:
        await conn.close()
    return {names[r["datname"]]: r["n"] for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured idle period (default 60)")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds left alone before measuring (default 30)")
    parser.add_argument("--attach", action="store_true", help="measure the stack running on OPENCME_PORT_OFFSET")
    args = parser.parse_args()

    with bench_stack(attach=args.attach) as bench:
        services, infra = bench.services(), bench.infrastructure()
        time.sleep(args.settle)
        cpu_before, xact_before = {**cpu_seconds(services), **cpu_seconds(infra)}, asyncio.run(transactions(bench))
        started = time.monotonic()
        time.sleep(args.seconds)
        elapsed = time.monotonic() - started
        cpu_after, xact_after = {**cpu_seconds(services), **cpu_seconds(infra)}, asyncio.run(transactions(bench))

    share = {name: (cpu_after[name] - cpu_before[name]) / elapsed for name in cpu_before}
    total = sum(share[name] for name in services)
    print(f"\nidle for {elapsed:.0f} s after {args.settle:.0f} s to settle (cpus: {os.cpu_count()})")
    print(f"  {'service':16} {'API CPU':>8} {'worker CPU':>11} {'database transactions/s':>24}")
    for service in SERVICES:
        xact = (xact_after.get(service, 0) - xact_before.get(service, 0)) / elapsed
        print(f"  {service:16} {share[service + '-api']:8.2%} {share[service + '-worker']:11.2%} {xact:24.1f}")
    verdict = "met" if total <= GOAL else "NOT met"
    print(f"  all service processes: {total:.2%} of one core   goal <= {GOAL:.0%}, anchor 0 % ({verdict})")
    print("  for reference, not counted: " + ", ".join(f"{name} {share[name]:.2%}" for name in infra))


if __name__ == "__main__":
    main()
