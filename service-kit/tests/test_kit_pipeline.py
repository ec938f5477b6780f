"""The outbox relay and the idempotent consumer against a real PostgreSQL and a real Kafka broker."""

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import anyio
import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.fetch import FetchRequest
from faststream import FastStream

from opencme_contracts import EmailVerified, new_envelope
from opencme_kit import db, messaging, outbox
from opencme_kit.messaging import COMMIT_INTERVAL, InboxConsumer, Rejected, create_broker, ignoring
from opencme_kit.outbox import OutboxRelay


def email_event(learner: uuid.UUID, email: str):
    return new_envelope(
        EmailVerified(user_id=learner, email=email, verified_at=datetime.now(UTC)), producer="kit-test", subject=learner
    )


async def fresh_topic(infra) -> str:
    """A fresh topic and its DLQ, so each test reads only its own messages."""
    name = f"kit-test-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 3, 1), NewTopic(f"{name}.dlq", 1, 1)])
    finally:
        await admin.close()
    return name


@pytest.fixture
async def topic(infra):
    return await fresh_topic(infra)


@pytest.fixture
async def other_topic(infra):
    return await fresh_topic(infra)


@pytest.fixture
async def pool(pool_with):
    return await pool_with(
        "CREATE TABLE applied (event_id uuid PRIMARY KEY, email text NOT NULL, at timestamptz DEFAULT now());"
    )


async def partition_of(infra, topic: str, key: bytes) -> int:
    """The partition the producer's default partitioner puts `key` in (each test's messages share one key)."""
    got = await read(infra.kafka_bootstrap, topic, 1)
    assert got[0].key == key
    return got[0].partition


async def committed_offset(infra, group: str, partition: TopicPartition, *, at_least: int, within: float) -> int:
    """The group's committed offset of `partition` (asked of the broker each time) once it is `at_least`, or what it
    is after `within` seconds."""
    reader = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        deadline = time.monotonic() + within
        while True:
            committed = await reader.committed(partition) or 0
            if committed >= at_least or time.monotonic() > deadline:
                return committed
            await asyncio.sleep(0.1)
    finally:
        await reader.stop()


async def read(bootstrap: str, topic: str, count: int, timeout: float = 20.0):
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=f"reader-{uuid.uuid4().hex[:6]}"
    )
    await consumer.start()
    got = []
    try:
        async with asyncio.timeout(timeout):
            while len(got) < count:
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    got.extend(records)
    finally:
        await consumer.stop()
    return got


async def test_relay_publishes_committed_events_in_order_and_never_rolled_back_ones(infra, pool, topic):
    learner = uuid.uuid4()
    envelopes = [email_event(learner, f"n{i}@example.org") for i in range(25)]
    async with pool.acquire() as conn:
        async with conn.transaction():
            for envelope in envelopes:
                await outbox.add(conn, envelope, topic=topic)
        with pytest.raises(RuntimeError, match="the state change failed"):  # noqa: PT012 - the rollback is the point
            async with conn.transaction():
                await outbox.add(conn, email_event(learner, "rolled-back@example.org"), topic=topic)
                raise RuntimeError("the state change failed")
    broker = create_broker(infra.kafka_bootstrap, client_id="kit-test")
    async with broker:
        relay = OutboxRelay(pool, broker, lock_key=uuid.uuid4().int % 2**31, poll_interval=0.2, batch_size=10)
        task = asyncio.create_task(relay.run())
        records = await read(infra.kafka_bootstrap, topic, 25)
        task.cancel()
    emails = [json.loads(r.value)["data"]["email"] for r in records]
    assert emails == [f"n{i}@example.org" for i in range(25)]  # one key, one partition, written order
    assert {r.key for r in records} == {str(learner).encode()}
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 25


async def test_the_largest_event_the_outbox_takes_is_one_kafka_takes(infra, pool, topic, cancellation_of):
    largest = cancellation_of(outbox.MAX_EVENT_BYTES)
    async with pool.acquire() as conn, conn.transaction():
        await outbox.add(conn, largest, topic=topic)
        await outbox.add(conn, email_event(uuid.uuid4(), "after@example.org"), topic=topic)
    broker = create_broker(infra.kafka_bootstrap, client_id="kit-test")
    async with broker:
        relay = OutboxRelay(pool, broker, lock_key=uuid.uuid4().int % 2**31, poll_interval=0.2)
        task = asyncio.create_task(relay.run())
        records = await read(infra.kafka_bootstrap, topic, 2)
        task.cancel()
    assert max(len(r.value) for r in records) == outbox.MAX_EVENT_BYTES
    assert {json.loads(r.value)["event_type"] for r in records} == {"activity.cancelled", "email.verified"}


class CommitsWhilePublishing:
    """A broker whose first publish waits until another event has been committed (and its notice delivered): an event
    written while the relay publishes a batch."""

    def __init__(self, broker, commit_one):
        self.broker = broker
        self.commit_one = commit_one
        self.committed = False

    async def publish(self, *args, **kwargs):
        if not self.committed:
            self.committed = True
            await self.commit_one()
            await asyncio.sleep(0.2)  # the notice reaches the relay's listener while this batch is still out
        return await self.broker.publish(*args, **kwargs)


async def test_an_event_committed_while_a_batch_is_published_goes_out_at_once_not_at_the_next_poll(infra, pool, topic):
    learner = uuid.uuid4()

    async def commit(email: str) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await outbox.add(conn, email_event(learner, email), topic=topic)

    async def commit_one():
        await commit("meanwhile@example.org")

    await commit("first@example.org")
    broker = create_broker(infra.kafka_bootstrap, client_id="kit-test")
    async with broker:
        publishing = CommitsWhilePublishing(broker, commit_one)
        relay = OutboxRelay(pool, publishing, lock_key=uuid.uuid4().int % 2**31, missed_notice_interval=60)
        task = asyncio.create_task(relay.run())
        try:
            records = await read(infra.kafka_bootstrap, topic, 2, timeout=10)  # not the 60 s of a missed notice
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    assert [json.loads(r.value)["data"]["email"] for r in records] == ["first@example.org", "meanwhile@example.org"]


async def test_consumer_applies_each_event_once_dead_letters_bad_ones_and_carries_on(infra, pool, topic):
    async def record_email(conn, envelope, settings):
        if envelope.data.email.startswith("poison"):
            raise ValueError("this address breaks the handler")
        if envelope.data.email.startswith("refused"):
            raise Rejected("contradicts what we know")
        await conn.execute(
            "INSERT INTO applied (event_id, email) VALUES ($1, $2)", envelope.event_id, envelope.data.email
        )

    broker = create_broker(infra.kafka_bootstrap, client_id="kit-test")
    consumer = InboxConsumer(
        broker,
        service=f"kit-test-{uuid.uuid4().hex[:6]}",
        handlers={topic: record_email},
        settings=None,
        retry_delay=0.01,
    )
    consumer.pool = pool
    learner = uuid.uuid4()
    first, last = email_event(learner, "first@example.org"), email_event(learner, "last@example.org")
    async with FastStream(broker):
        for body in (
            first.to_bytes(),
            first.to_bytes(),
            b"{not json",
            email_event(learner, "poison@x.org").to_bytes(),
            email_event(learner, "refused@x.org").to_bytes(),
            last.to_bytes(),
        ):
            await broker.publish(body, topic=topic, key=str(learner).encode())
        async with asyncio.timeout(30):
            while True:
                async with pool.acquire() as conn:
                    if await conn.fetchval("SELECT count(*) FROM applied WHERE email = 'last@example.org'"):
                        break
                await asyncio.sleep(0.1)
        # Offsets were committed after processing: the group has consumed every message of the partition, within
        # the commit interval of the last.
        partition = TopicPartition(topic, await partition_of(infra, topic, str(learner).encode()))
        end = await committed_offset(infra, consumer.group_id, partition, at_least=6, within=COMMIT_INTERVAL + 5)
        assert end == 6

    async with pool.acquire() as conn:
        applied = [r["email"] for r in await conn.fetch("SELECT email FROM applied ORDER BY at")]
    assert applied == ["first@example.org", "last@example.org"]

    dead = await read(infra.kafka_bootstrap, f"{topic}.dlq", 3)
    headers = [{k: v.decode() for k, v in r.headers} for r in dead]
    assert [h["x-error-type"] for h in headers] == ["JSONDecodeError", "ValueError", "Rejected"]
    assert all(h["x-original-topic"] == topic for h in headers)
    assert "breaks the handler" in headers[1]["x-error"]
    assert dead[0].value == b"{not json"


async def record_email(conn, envelope, settings):
    """A handler: the verified address goes into `applied`."""
    await conn.execute("INSERT INTO applied (event_id, email) VALUES ($1, $2)", envelope.event_id, envelope.data.email)


def recording_consumer(infra, pool, topic: str, handler) -> tuple:
    """A broker and an inbox consumer of `topic` with `handler`, on `pool`."""
    broker = create_broker(infra.kafka_bootstrap, client_id="kit-test")
    consumer = InboxConsumer(
        broker, service=f"kit-test-{uuid.uuid4().hex[:6]}", handlers={topic: handler}, settings=None
    )
    consumer.pool = pool
    return broker, consumer


async def consumed(infra, pool, topic: str, handler, emails: tuple[str, ...]) -> tuple[list, list[str]]:
    """One learner's events verifying `emails`, consumed by a recording consumer with `handler` until its offsets are
    committed past all of them: the events, and the addresses `applied` holds after that."""
    broker, consumer = recording_consumer(infra, pool, topic, handler)
    learner = uuid.uuid4()
    events = [email_event(learner, email) for email in emails]
    async with FastStream(broker):
        for event in events:
            await broker.publish(event.to_bytes(), topic=topic, key=str(learner).encode())
        partition = TopicPartition(topic, await partition_of(infra, topic, str(learner).encode()))
        # Committed past all of them: one left alone or dead-lettered is done with, not pending.
        committed = await committed_offset(infra, consumer.group_id, partition, at_least=len(events), within=30)
        assert committed == len(events)
    async with pool.acquire() as conn:
        applied = [r["email"] for r in await conn.fetch("SELECT email FROM applied ORDER BY at")]
    return events, applied


async def test_a_message_is_handled_on_the_event_loop_without_a_thread_hand_over(infra, pool, topic, monkeypatch):
    """FastStream's dependency injection runs a synchronous step on a worker thread (anyio.to_thread): a parameter
    resolved from its context was one, a thread hand-over for every message of every consumer."""
    handed_over: list[object] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):
        handed_over.append(func)
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)

    emails = tuple(f"n{n}@example.org" for n in range(5))
    _, applied = await consumed(infra, pool, topic, record_email, emails)
    assert applied == list(emails)
    assert handed_over == []


async def test_events_a_handler_leaves_alone_are_passed_over_without_a_transaction_and_committed(infra, pool, topic):
    def elsewhere(verified) -> bool:
        if verified.email.startswith("unclear"):
            raise ValueError("cannot tell")  # such an event is left to the handler
        return verified.email.endswith("@elsewhere.org")

    emails = ("a@example.org", "b@elsewhere.org", "unclear@elsewhere.org", "c@example.org")
    events, applied = await consumed(infra, pool, topic, ignoring(elsewhere)(record_email), emails)
    async with pool.acquire() as conn:
        seen = {r["event_id"] for r in await conn.fetch("SELECT event_id FROM inbox")}
    assert applied == ["a@example.org", "unclear@elsewhere.org", "c@example.org"]
    assert seen == {events[0].event_id, events[2].event_id, events[3].event_id}


async def test_a_fault_outside_the_handlers_attempts_dead_letters_the_message_and_the_consumer_carries_on(
    infra, pool, topic, monkeypatch
):
    parse = messaging.parse_envelope

    def failing_parse(body: bytes):
        if b"fault@example.org" in body:
            raise RuntimeError("not a refusal of the message: a fault of the consumer's own")
        return parse(body)

    monkeypatch.setattr(messaging, "parse_envelope", failing_parse)
    emails = ("a@example.org", "fault@example.org", "c@example.org")
    events, applied = await consumed(infra, pool, topic, record_email, emails)
    assert applied == ["a@example.org", "c@example.org"]
    (dead,) = await read(infra.kafka_bootstrap, f"{topic}.dlq", 1)
    assert dead.value == events[1].to_bytes()
    assert dict(dead.headers)["x-error-type"] == b"RuntimeError"


async def test_a_worker_whose_broker_cannot_start_releases_its_database_pool(make_database, tmp_path):
    from opencme_kit.service import KitSettings, build_worker

    database_url = await make_database("kit")
    settings = KitSettings(database_url=database_url, kafka_bootstrap_servers="127.0.0.1:1")
    worker = build_worker(service="kit-test", settings=settings, migrations=[])  # its broker: 127.0.0.1:1

    async def our_connections() -> int:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await conn.close()

    with pytest.raises(Exception):  # noqa: B017, PT011 - aiokafka's connection error: nothing listens on port 1
        await worker.start()
    assert await our_connections() == 0


async def test_a_stopping_worker_finishes_the_message_in_hand_and_takes_no_other_before_closing_its_pool(
    infra, make_database, tmp_path
):
    from opencme_kit.service import KitSettings, build_worker

    started = asyncio.Event()

    async def slow(conn, envelope, settings):
        started.set()
        await asyncio.sleep(1.0)  # the stop comes now
        await conn.execute("INSERT INTO applied (event_id, email) VALUES ($1, $2)", envelope.event_id, "slow")

    topic = await fresh_topic(infra)
    (tmp_path / "001_applied.sql").write_text("CREATE TABLE applied (event_id uuid PRIMARY KEY, email text NOT NULL);")
    database_url = await make_database("kit")
    settings = KitSettings(database_url=database_url, kafka_bootstrap_servers=infra.kafka_bootstrap)
    service = f"kit-test-{uuid.uuid4().hex[:6]}"
    migrations = [db.Migrations(tmp_path)]
    worker = build_worker(service=service, settings=settings, migrations=migrations, handlers={topic: slow})
    events = [email_event(uuid.uuid4(), f"{n}@example.org") for n in range(3)]
    await worker.start()
    try:
        # Started, the worker has its consumer hold idle fetches long (hold_idle_fetches).
        fetcher = worker.health.consumer.subscriber.consumer._fetcher  # type: ignore[attr-defined]  # build_worker's app
        assert fetcher._get_actions_per_node.holds_idle_fetches
        for event in events:  # one partition's worth: taken one after another
            await worker.broker.publish(event.to_bytes(), topic=topic, key=b"k")
        async with asyncio.timeout(30):
            await started.wait()
    finally:
        stopping = time.monotonic()
        await worker.stop()
    # Stopped once the message in hand was done: the next one is not taken up against a closing pool and retried as
    # "database unavailable" until the broker's graceful timeout (15 s) runs out.
    assert time.monotonic() - stopping < 10
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT email FROM applied WHERE event_id = $1", events[0].event_id) == "slow"
    finally:
        await conn.close()
    # The message in hand was committed as it finished, well within the commit interval; the others were not taken.
    partition = TopicPartition(topic, await partition_of(infra, topic, b"k"))
    assert await committed_offset(infra, service, partition, at_least=1, within=0) == 1


async def test_a_burst_is_committed_in_a_few_commits_each_after_its_messages_were_handled(
    infra, pool, topic, monkeypatch
):
    handled: list[uuid.UUID] = []
    commits: list[dict[TopicPartition, int]] = []

    async def record(conn, envelope, settings):
        await conn.execute("INSERT INTO applied (event_id, email) VALUES ($1, $2)", envelope.event_id, "burst")
        handled.append(envelope.event_id)

    real_commit = AIOKafkaConsumer.commit

    async def counted(self, offsets=None):
        assert offsets is not None, "always explicit offsets: never the position of a message still in hand"
        commits.append(dict(offsets))
        return await real_commit(self, offsets)

    monkeypatch.setattr(AIOKafkaConsumer, "commit", counted)
    broker = create_broker(infra.kafka_bootstrap, client_id="kit-test")
    service = f"kit-test-{uuid.uuid4().hex[:6]}"
    consumer = InboxConsumer(broker, service=service, handlers={topic: record}, settings=None)
    consumer.pool = pool
    events = [email_event(uuid.uuid4(), f"{n}@example.org") for n in range(60)]
    async with FastStream(broker):
        for event in events:  # one partition's worth
            await broker.publish(event.to_bytes(), topic=topic, key=b"burst")
        partition = TopicPartition(topic, await partition_of(infra, topic, b"burst"))
        committed = await committed_offset(
            infra, consumer.group_id, partition, at_least=60, within=30 + COMMIT_INTERVAL
        )
    assert committed == 60
    assert len(handled) == 60
    # One commit per interval, not one per message; each commits no further than what had been handled then.
    assert 1 <= len(commits) <= 10, len(commits)
    assert [c[partition] for c in commits] == sorted(c[partition] for c in commits)
    assert commits[-1][partition] == 60


async def test_one_consumer_reads_all_of_a_services_topics_each_with_its_own_handler(infra, pool, topic, other_topic):
    async def first(conn, envelope, settings):
        await conn.execute("INSERT INTO applied (event_id, email) VALUES ($1, $2)", envelope.event_id, "first")

    async def second(conn, envelope, settings):
        await conn.execute("INSERT INTO applied (event_id, email) VALUES ($1, $2)", envelope.event_id, "second")

    broker = create_broker(infra.kafka_bootstrap, client_id="kit-test")
    consumer = InboxConsumer(
        broker, service=f"kit-test-{uuid.uuid4().hex[:6]}", handlers={topic: first, other_topic: second}, settings=None
    )
    consumer.pool = pool
    # One subscriber, so one Kafka consumer (one group, one fetch loop, one heartbeat) for both topics.
    assert [[t.name for t in s.topics] for s in broker.subscribers] == [[topic, other_topic]]
    learner = uuid.uuid4()
    on_first, on_second = email_event(learner, "a@example.org"), email_event(learner, "b@example.org")
    async with FastStream(broker):
        await broker.publish(on_first.to_bytes(), topic=topic, key=str(learner).encode())
        await broker.publish(on_second.to_bytes(), topic=other_topic, key=str(learner).encode())
        async with asyncio.timeout(30):
            while True:
                async with pool.acquire() as conn:
                    applied = dict(await conn.fetch("SELECT event_id, email FROM applied"))
                if len(applied) == 2:
                    break
                await asyncio.sleep(0.1)
    assert applied == {on_first.event_id: "first", on_second.event_id: "second"}


async def test_a_fetch_naming_every_partition_is_held_long_and_one_leaving_some_out_briefly(
    infra, pool, topic, monkeypatch
):
    """Idle, the broker holds a fetch of all the consumer's partitions up to IDLE_FETCH_WAIT_MS (data on any of them
    ends it); while a partition's records are still in the consumer's buffer, the fetch of the others is held only
    PARTIAL_FETCH_WAIT_MS, so that partition is fetched again soon after its records are used up."""
    fetches: list[tuple[int, int]] = []  # (the wait the broker is asked for, how many partitions the fetch names)
    real_send = AIOKafkaClient.send
    ours = None  # the consumer's client once it has started (the test's own readers fetch too)

    async def recorded(self, node_id, request, **kwargs):
        if self is ours and isinstance(request, FetchRequest):
            fetches.append((request._max_wait_ms, sum(len(parts) for _, parts in request.topics)))
        return await real_send(self, node_id, request, **kwargs)

    monkeypatch.setattr(AIOKafkaClient, "send", recorded)
    in_hand, let_go = asyncio.Event(), asyncio.Event()

    async def slow(conn, envelope, settings):
        in_hand.set()
        await let_go.wait()
        await record_email(conn, envelope, settings)

    async def until_a_fetch(wait: int, *, after: int = 0) -> tuple[int, int]:
        """The first fetch held `wait` ms among those sent after the first `after`."""
        async with asyncio.timeout(20):
            while not (found := [fetch for fetch in fetches[after:] if fetch[0] == wait]):
                await asyncio.sleep(0.05)
        return found[0]

    broker, consumer = recording_consumer(infra, pool, topic, slow)
    event = email_event(uuid.uuid4(), "held@example.org")
    async with FastStream(broker):
        consumer.started()  # as the worker does once its broker has started
        ours = consumer.subscriber.consumer._client
        assert await until_a_fetch(messaging.IDLE_FETCH_WAIT_MS) == (messaging.IDLE_FETCH_WAIT_MS, 3)
        await broker.publish(event.to_bytes(), topic=topic, key=b"held")
        async with asyncio.timeout(20):
            await in_hand.wait()  # its record stays in the buffer until the handler is done with it
        assert await until_a_fetch(messaging.PARTIAL_FETCH_WAIT_MS) == (messaging.PARTIAL_FETCH_WAIT_MS, 2)
        let_go.set()
        partition = TopicPartition(topic, await partition_of(infra, topic, b"held"))
        assert await committed_offset(infra, consumer.group_id, partition, at_least=1, within=30) == 1
        committed = len(fetches)
        after_commit = await until_a_fetch(messaging.IDLE_FETCH_WAIT_MS, after=committed)
        assert after_commit == (messaging.IDLE_FETCH_WAIT_MS, 3)
    # Every fetch is one or the other: all three partitions held long, fewer held briefly; the last one, all again.
    assert set(fetches) <= {(messaging.IDLE_FETCH_WAIT_MS, 3), (messaging.PARTIAL_FETCH_WAIT_MS, 2)}, fetches
    assert fetches[-1] == (messaging.IDLE_FETCH_WAIT_MS, 3)
