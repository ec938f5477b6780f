"""Outbox relay benchmark: commit-to-Kafka latency and sustained events/s through a real PostgreSQL and Kafka.

    .venv/bin/python bench/outbox_relay.py [--events 2000] [--rate 200]

Uses the test profile's PostgreSQL and Kafka (started here if they are not running; stopped again if started here).
Phase 1 commits events one per transaction at a steady rate and measures commit -> consumer arrival per event.
Phase 2 commits a burst and measures how fast the relay drains it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from devstack.config import StackConfig
from devstack.kafka import Kafka
from devstack.postgres import Postgres
from opencme_contracts import EmailVerified, new_envelope
from opencme_kit import db, outbox
from opencme_kit.messaging import create_broker
from opencme_kit.outbox import OutboxRelay


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(events: int, rate: float, bootstrap: str, admin_dsn: str) -> None:
    topic = f"bench-outbox-{uuid.uuid4().hex[:6]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 3, 1)])
    await admin.close()
    database = f"bench_outbox_{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute(f'CREATE DATABASE "{database}"')
    await conn.close()
    pool = await db.create_pool(admin_dsn.rsplit("/", 1)[0] + f"/{database}", max_size=4)
    await db.apply_migrations(pool, ())  # the kit's own tables only

    committed: dict[str, float] = {}
    arrived: dict[str, float] = {}
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=f"bench-{uuid.uuid4().hex[:6]}"
    )
    await consumer.start()

    async def consume(expected: int) -> None:
        while len(arrived) < expected:
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    arrived[json.loads(record.value)["event_id"]] = now

    async def commit_one(learner: uuid.UUID) -> None:
        envelope = new_envelope(
            EmailVerified(user_id=learner, email="bench@example.org", verified_at=datetime.now(UTC)),
            producer="bench",
            subject=learner,
        )
        async with pool.acquire() as c, c.transaction():
            await outbox.add(c, envelope, topic=topic)
        committed[str(envelope.event_id)] = time.perf_counter()

    broker = create_broker(bootstrap, client_id="bench")
    async with broker:
        relay = OutboxRelay(pool, broker, lock_key=uuid.uuid4().int % 2**31, poll_interval=1.0)
        relay_task = asyncio.create_task(relay.run())
        learners = [uuid.uuid4() for _ in range(50)]

        # Phase 1: steady rate, one event per transaction.
        reader = asyncio.create_task(consume(events))
        interval = 1.0 / rate
        started = time.perf_counter()
        for i in range(events):
            await commit_one(learners[i % len(learners)])
            delay = started + (i + 1) * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.wait_for(reader, timeout=60)
        latencies = [(arrived[k] - committed[k]) * 1000 for k in committed]
        print(
            f"steady {rate:.0f}/s, {events} events, commit -> consumer: median {statistics.median(latencies):.1f} ms, "
            f"p99 {percentile(latencies, 0.99):.1f} ms"
        )

        # Phase 2: a burst committed up front, then drained.
        committed.clear()
        arrived.clear()
        async with pool.acquire() as c, c.transaction():
            for i in range(events):
                envelope = new_envelope(
                    EmailVerified(user_id=learners[i % 50], email="b@example.org", verified_at=datetime.now(UTC)),
                    producer="bench",
                    subject=learners[i % 50],
                )
                await outbox.add(c, envelope, topic=topic)
                committed[str(envelope.event_id)] = 0.0
        burst_start = time.perf_counter()
        await asyncio.wait_for(consume(events), timeout=120)
        drained = time.perf_counter() - burst_start
        print(f"burst of {events}: drained in {drained:.2f} s = {events / drained:.0f} events/s")
        relay_task.cancel()
    await consumer.stop()
    await pool.close()
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    await conn.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()
    config = StackConfig.for_profile("test")
    pg, kafka = Postgres(config), Kafka(config)
    pg.start()
    kafka_running = socket.socket().connect_ex(("127.0.0.1", config.kafka_port)) == 0
    if not kafka_running:
        kafka.start()
    try:
        asyncio.run(run(args.events, args.rate, config.kafka_bootstrap, pg.dsn()))
    finally:
        if not kafka_running:
            kafka.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
