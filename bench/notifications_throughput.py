"""How fast the notifications sender empties its queue into a local SMTP server.

    .venv/bin/python bench/notifications_throughput.py [--burst 500] [--trickle 200 --rate 50]

Uses the test profile's PostgreSQL (started if needed; a temporary database, dropped afterwards) and the dev SMTP sink
(`devstack.smtp_sink`, storing every message as a file) in its own process on a free 127.0.0.1 port.

Burst: N rendered emails are queued in one transaction, then one sender delivers them. Reports the sustained rate,
the time each message took to go out (gap between consecutive acceptances) and queue-to-accepted latency, which in a
burst is mostly waiting behind the others. Trickle: emails are queued one per transaction at a steady rate below
capacity, so queue-to-accepted latency shows the sender's reaction time (LISTEN/NOTIFY wake-up, claim, SMTP, record).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import uvloop

from devstack.config import StackConfig
from devstack.postgres import Postgres
from notifications import repository, service
from notifications.config import MIGRATIONS, Settings
from notifications.sender import Sender
from opencme_kit import db


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(maildir: Path) -> tuple[subprocess.Popen, int]:
    smtp_port, http_port = free_port(), free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack.smtp_sink",
            "--smtp-port",
            str(smtp_port),
            "--http-port",
            str(http_port),
            "--dir",
            str(maildir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", smtp_port), timeout=0.5):
                return process, smtp_port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the SMTP sink did not start")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def rendered(settings: Settings, i: int) -> dict:
    """A certificate email, rendered as the consumer renders it."""
    to = f"learner{i}.{uuid.uuid4().hex[:6]}@example.org"
    facts = {
        "activity_title": f"Grand Rounds #{i}",
        "certificate_number": f"C-{i:06d}",
        "certificate_url": f"{settings.portal_url}/certificates/{uuid.uuid4()}",
    }
    subject, content = service.render(
        settings, "certificate_issued", to=to, facts=facts, first_name="Ada", org=settings.default_organisation
    )
    return {
        "message_id": uuid.uuid4(),
        "cause_event_id": uuid.uuid4(),
        "kind": "certificate_issued",
        "learner_id": uuid.uuid4(),
        "facts": facts,
        "status": "queued",
        "to_address": to,
        "subject": subject,
        "content": content,
    }


async def queue_burst(pool: asyncpg.Pool, settings: Settings, count: int) -> None:
    """`count` emails rendered beforehand, queued in one transaction (created_at is when it starts)."""
    emails = [rendered(settings, i) for i in range(count)]
    async with pool.acquire() as conn, conn.transaction():
        for email in emails:
            await repository.insert_message(conn, **email)


async def queue_trickle(pool: asyncpg.Pool, settings: Settings, count: int, rate: float) -> None:
    """`count` emails, one per transaction, at `rate` per second."""
    async with pool.acquire() as conn:
        start = time.monotonic()
        for i in range(count):
            email = rendered(settings, i)
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            async with conn.transaction():
                await repository.insert_message(conn, **email)


async def wait_sent(pool: asyncpg.Pool, count: int, timeout: float = 600) -> list[asyncpg.Record]:
    async with asyncio.timeout(timeout):
        while True:
            async with pool.acquire() as conn:
                rows = await conn.fetch(
                    "SELECT created_at, sent_at FROM messages WHERE status = 'sent' ORDER BY sent_at"
                )
                if len(rows) >= count:
                    return rows
                if await conn.fetchval("SELECT count(*) FROM messages WHERE status = 'failed'"):
                    raise SystemExit("a message failed; see last_error in the messages table")
            await asyncio.sleep(0.05)


def report(title: str, rows: list[asyncpg.Record], *, burst: bool) -> None:
    latencies = [(r["sent_at"] - r["created_at"]).total_seconds() * 1000 for r in rows]
    first, last = rows[0]["sent_at"], rows[-1]["sent_at"]
    gaps = [(b["sent_at"] - a["sent_at"]).total_seconds() * 1000 for a, b in itertools.pairwise(rows)]
    span = (last - min(r["created_at"] for r in rows)).total_seconds()
    print(f"\n{title}: {len(rows)} emails")
    print(
        f"  queued -> accepted latency   median {statistics.median(latencies):8.1f} ms   "
        f"p99 {percentile(latencies, 99):8.1f} ms   max {max(latencies):8.1f} ms"
    )
    if burst:
        print(
            f"  time per email (send gaps)   median {statistics.median(gaps):8.2f} ms   "
            f"p99 {percentile(gaps, 99):8.2f} ms"
        )
    sending = (last - first).total_seconds()
    if burst and sending > 0:
        print(
            f"  sustained rate               {(len(rows) - 1) / sending:8.1f} emails/s while sending; "
            f"{len(rows) / span:.1f} emails/s from queued to the last one accepted ({span:.2f} s)"
        )


async def run(args: argparse.Namespace) -> None:
    config = StackConfig.for_profile("test")
    pg = Postgres(config)
    started_postgres = not pg.running()  # stopped again at the end, as bench/claim_intake.py does
    pg.start()
    name = f"bench_notifications_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(pg.dsn())
    await admin.execute(f'CREATE DATABASE "{name}"')
    maildir = Path(tempfile.mkdtemp(prefix="opencme-bench-mail-"))
    sink, smtp_port = start_sink(maildir)
    settings = Settings(
        database_url=pg.dsn(name),
        smtp_port=smtp_port,
        portal_url="https://cme.example.org",
        mail_from="no-reply@cme.example.org",
        send_interval=5.0,
    )
    pool = await db.create_pool(settings.database_url, max_size=5)
    try:
        await db.apply_migrations(pool, MIGRATIONS)
        sender = Sender(pool, settings)

        await queue_burst(pool, settings, args.burst)
        task = asyncio.create_task(sender.run())
        burst = await wait_sent(pool, args.burst)
        report(f"Burst (batch size {settings.send_batch_size}, over one kept SMTP connection)", burst, burst=True)

        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM messages")
        await queue_trickle(pool, settings, args.trickle, args.rate)
        trickle = await wait_sent(pool, args.trickle)
        report(f"Trickle ({args.rate:g} emails/s queued one per transaction)", trickle, burst=False)
        stored = len(list(maildir.glob("*.eml")))  # noqa: ASYNC240 - once, after the measurement
        print(f"\nSMTP sink stored {stored} messages (expected {args.burst + args.trickle})")
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    finally:
        await pool.close()
        os.killpg(sink.pid, signal.SIGTERM)
        sink.wait(timeout=10)
        shutil.rmtree(maildir, ignore_errors=True)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if started_postgres:
            pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--trickle", type=int, default=200)
    parser.add_argument("--rate", type=float, default=50.0, help="emails per second queued in the trickle phase")
    parser.add_argument(
        "--loop", choices=("uvloop", "asyncio"), default="uvloop", help="the event loop (the worker runs uvloop's)"
    )
    args = parser.parse_args()
    print(f"event loop: {args.loop}")
    (uvloop.run if args.loop == "uvloop" else asyncio.run)(run(args))


if __name__ == "__main__":
    main()
