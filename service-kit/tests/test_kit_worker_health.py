"""A worker's /metrics and /healthz against a real PostgreSQL and a real Kafka broker: lag that falls to 0 once
consumed, an outbox backlog that falls to 0 once relayed, a poison message counted and held in the dead-letter topic,
and a consumer whose handler blocks found stuck while an idle one is healthy."""

import asyncio
import json
import uuid
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from opencme_kit import db, outbox
from opencme_kit.messaging import create_broker
from opencme_kit.service import KitSettings, build_worker

from .test_kit_pipeline import email_event, fresh_topic


@pytest.fixture
async def database(make_database, tmp_path):
    """A database with the kit's tables and the tests' `applied` table; returns its DSN."""
    database_url = await make_database("kit")
    (tmp_path / "001_applied.sql").write_text(
        "CREATE TABLE applied (event_id uuid PRIMARY KEY, email text NOT NULL, at timestamptz DEFAULT now());"
    )
    pool = await db.create_pool(database_url)
    await db.apply_migrations(pool, [db.Migrations(tmp_path)])
    await pool.close()
    return database_url, db.Migrations(tmp_path)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """(sample name, labels) -> value of a Prometheus text exposition."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def total(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(value for (sample, have), value in found.items() if sample == name and wanted <= have)


@asynccontextmanager
async def running_worker(
    infra, database, handlers, *, released: asyncio.Event, service: str | None = None, **settings
) -> AsyncIterator[httpx.AsyncClient]:
    """A worker built as every service builds one, started, with a client for its health server's routes; its
    handlers wait for `released`, which is set before it stops (a stop waits for the message in hand)."""
    database_url, migrations = database
    service = service or f"kit-test-{uuid.uuid4().hex[:6]}"
    kit_settings = KitSettings(
        database_url=database_url, kafka_bootstrap_servers=infra.kafka_bootstrap, outbox_poll_interval=0.2, **settings
    )
    worker = build_worker(service=service, settings=kit_settings, migrations=[migrations], handlers=handlers)
    served = worker.as_asgi(asgi_routes=worker.health.routes())  # type: ignore[attr-defined]  # build_worker's app
    await worker.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=served), base_url="http://worker") as client:
            yield client
    finally:
        released.set()
        await worker.stop()


async def until(check: Callable[[], object], *, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not await check():  # type: ignore[misc]
            await asyncio.sleep(0.2)


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = await client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return samples(answer.text)


async def test_worker_metrics_show_lag_that_falls_to_zero_the_outbox_backlog_relayed_and_a_poison_message(
    infra, database
):
    topic, relayed_topic = await fresh_topic(infra), await fresh_topic(infra)
    released = asyncio.Event()

    async def record_email(conn, envelope, settings):
        await released.wait()
        await conn.execute(
            "INSERT INTO applied (event_id, email) VALUES ($1, $2)", envelope.event_id, envelope.data.email
        )

    learner = uuid.uuid4()
    broker = create_broker(infra.kafka_bootstrap, client_id="kit-test")
    async with broker:
        for body in (email_event(learner, f"n{i}@example.org").to_bytes() for i in range(3)):
            await broker.publish(body, topic=topic, key=str(learner).encode())
        await broker.publish(b"{not json", topic=topic, key=str(learner).encode())

    service = f"kit-test-{uuid.uuid4().hex[:6]}"
    other_relay = await asyncpg.connect(database[0])
    await other_relay.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    try:
        # Another relay of the service leads (it holds the lock), so the rows wait until it goes.
        assert await other_relay.fetchval("SELECT pg_try_advisory_lock($1)", zlib.crc32(service.encode()))
        async with other_relay.transaction():
            for i in range(2):
                await outbox.add(other_relay, email_event(learner, f"out{i}@example.org"), topic=relayed_topic)
        async with running_worker(infra, database, {topic: record_email}, released=released, service=service) as client:
            published_before = total(await scrape(client), "opencme_outbox_published_total")

            async def messages_wait() -> bool:
                return total(await scrape(client), "opencme_consumer_lag", topic=topic) == 4

            await until(messages_wait)  # the first message in hand, three behind it
            waiting = await scrape(client)
            assert total(waiting, "opencme_outbox_backlog") == 2
            assert total(waiting, "opencme_outbox_oldest_age_seconds") > 0
            await other_relay.close()  # the lock goes with its session: this worker's relay takes the lead
            released.set()

            async def all_done() -> bool:
                found = await scrape(client)
                return (
                    total(found, "opencme_consumer_lag", topic=topic) == 0
                    and total(found, "opencme_outbox_backlog") == 0
                    and total(found, "opencme_dlq_depth", topic=f"{topic}.dlq") == 1
                )

            await until(all_done)
            done = await scrape(client)
    finally:
        await other_relay.close()
    assert total(done, "opencme_consumer_processed_total", topic=topic) == 3
    assert total(done, "opencme_consumer_dead_lettered_total", topic=topic) == 1
    assert total(done, "opencme_consumer_duplicates_total", topic=topic) == 0
    assert total(done, "opencme_outbox_published_total") - published_before == 2
    assert total(done, "opencme_outbox_oldest_age_seconds") == 0


async def test_worker_health_is_503_with_the_reason_while_a_handler_blocks_and_200_when_idle(infra, database):
    topic = await fresh_topic(infra)
    released = asyncio.Event()

    async def blocks_until_released(conn, envelope, settings):
        await released.wait()

    async with running_worker(
        infra, database, {topic: blocks_until_released}, released=released, consumer_stuck_after=1.0
    ) as client:

        async def assigned_and_idle() -> bool:
            answer = await client.get("/healthz")
            return answer.status_code == 200 and total(await scrape(client), "opencme_consumer_lag", topic=topic) == 0

        await until(assigned_and_idle)
        await asyncio.sleep(1.5)  # idle longer than the limit, with nothing to read: healthy
        idle = await client.get("/healthz")
        assert idle.status_code == 200 and idle.json() == {"status": "ok", "lag": 0}

        learner = uuid.uuid4()
        broker = create_broker(infra.kafka_bootstrap, client_id="kit-test")
        async with broker:
            for i in range(2):
                await broker.publish(email_event(learner, f"s{i}@example.org").to_bytes(), topic=topic)

        async def stuck() -> bool:
            return (await client.get("/healthz")).status_code == 503

        await until(stuck)
        answer = (await client.get("/healthz")).json()
        assert answer["status"] == "stuck" and answer["lag"] == 2
        assert "none finished for" in answer["reason"] and f"handling {topic}[" in answer["reason"]

        released.set()

        async def caught_up() -> bool:
            answer = await client.get("/healthz")
            return answer.status_code == 200 and answer.json() == {"status": "ok", "lag": 0}

        await until(caught_up)  # healthy from its first finished message on; nothing waits once both are done
