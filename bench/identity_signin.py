"""Sign-in rate and latency through the nginx gateway: POST /api/identity/sessions with a correct password.

    .venv/bin/python bench/identity_signin.py [--requests 300] [--concurrency 4] [--accounts 8]

Starts what a sign-in needs, all on 127.0.0.1: the test profile's PostgreSQL (started if needed; a temporary database,
dropped afterwards), identity's API as its own gunicorn process (as `./opencme up` runs it) and the devstack nginx
gateway on free ports with a state folder of its own (.local/bench), so a running dev or test stack is not disturbed.
Accounts are created first (not timed); then `--requests` sign-ins are sent by `--concurrency` concurrent clients,
after a warm-up of 10. Each sign-in verifies an argon2id hash, counts and forgives a throttle row, starts a session
family with a refresh token, signs an ES256 access token and writes the audit row. The client shares the machine's
cores with the server, as it would with a gateway, so the figures are a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import socket
import statistics
import time
import urllib.request
import uuid

import asyncpg
import httpx

from devstack.config import REPO_ROOT, StackConfig
from devstack.gateway import Gateway
from devstack.postgres import Postgres
from devstack.procs import api_command, spawn, stop, wait_until
from identity import passwords

PASSWORD = "bench passphrase for sign-in"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def database(admin_dsn: str, name: str, *, drop: bool = False) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' if drop else f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def load(gateway_url: str, *, requests: int, concurrency: int, accounts: int) -> tuple[list[float], int, float]:
    async with httpx.AsyncClient(
        base_url=f"{gateway_url}/api/identity", timeout=30, limits=httpx.Limits(max_connections=concurrency)
    ) as client:
        emails = [f"bench.{i}.{uuid.uuid4().hex[:6]}@example.org" for i in range(accounts)]
        for email in emails:
            created = await client.post(
                "/users",
                json={"email": email, "password": PASSWORD, "first_name": "Bench", "last_name": f"Learner {email[:8]}"},
            )
            assert created.status_code == 201, created.text

        async def one(i: int) -> float:
            started = time.perf_counter()
            response = await client.post("/sessions", json={"email": emails[i % accounts], "password": PASSWORD})
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"sign-in answered {response.status_code}: {response.text[:200]}")
            return elapsed

        for i in range(10):  # warm-up: connections, the signing key cache, the database's plans
            await one(i)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(requests):
            queue.put_nowait(i)
        latencies: list[float] = []
        errors = 0

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                i = queue.get_nowait()
                try:
                    latencies.append(await one(i))
                except (RuntimeError, httpx.HTTPError):
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--accounts", type=int, default=8)
    args = parser.parse_args()

    test = StackConfig.for_profile("test")
    postgres = Postgres(test)
    postgres.start()
    config = dataclasses.replace(
        test,
        profile="bench",
        state_dir=REPO_ROOT / ".local" / "bench",
        gateway_port=free_port(),
        service_base_port=free_port(),
    )
    name = f"bench_identity_{uuid.uuid4().hex[:8]}"
    asyncio.run(database(postgres.dsn(), name))
    env = {
        "DATABASE_URL": postgres.dsn(name),
        "PORTAL_URL": config.gateway_url,
        "PYTHONUNBUFFERED": "1",
        "JWKS_URL": f"http://127.0.0.1:{config.service_port('identity')}/.well-known/jwks.json",
        "LOG_LEVEL": "WARNING",
        "SIGNUP_IP_LIMIT": str(10 * args.accounts),
    }  # every bench account comes from 127.0.0.1
    api = spawn(
        "identity-api-bench",
        api_command("identity", config.service_port("identity")),
        log_dir=config.logs_dir,
        env=env,
    )
    gateway = Gateway(config)
    try:
        wait_until(
            lambda: (
                urllib.request.urlopen(f"http://127.0.0.1:{config.service_port('identity')}/readyz", timeout=2).status
                == 200
            ),
            what="identity API",
            timeout=60,
            log=config.logs_dir / "identity-api-bench.log",
            proc=api,
        )
        gateway.start()
        latencies, errors, elapsed = asyncio.run(
            load(config.gateway_url, requests=args.requests, concurrency=args.concurrency, accounts=args.accounts)
        )
    finally:
        gateway.stop()
        stop(api)
        asyncio.run(database(postgres.dsn(), name, drop=True))

    hasher = passwords.HASHER
    print(
        f"cpus: {os.cpu_count()}  argon2id t={hasher.time_cost} m={hasher.memory_cost // 1024} MiB "
        f"p={hasher.parallelism}"
    )
    print(f"sign-ins: {len(latencies)} ok, {errors} failed, concurrency {args.concurrency}, {args.accounts} accounts")
    print(f"rate: {len(latencies) / elapsed:.1f} sign-ins/s over {elapsed:.1f} s")
    print(
        f"latency ms: median {statistics.median(latencies) * 1000:.1f}  p90 {percentile(latencies, 90) * 1000:.1f}"
        f"  p99 {percentile(latencies, 99) * 1000:.1f}  max {max(latencies) * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
