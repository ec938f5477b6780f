"""outbox.emit_with against a real PostgreSQL: a change and its event in one statement, the event queued (and the
relay woken on commit) exactly when the change returned a row, and the row queued as emit queues it."""

import asyncio
import contextlib
import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from opencme_contracts import EmailVerified
from opencme_kit import logs, outbox

CHANGE = "INSERT INTO things (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id"
VERIFIED_AT = datetime.now(UTC)


@pytest.fixture
async def pool(pool_with):
    return await pool_with("CREATE TABLE things (id uuid PRIMARY KEY);")


def verified(learner: uuid.UUID) -> EmailVerified:
    return EmailVerified(user_id=learner, email="jane@example.org", verified_at=VERIFIED_AT)


async def change_with_its_event(pool, thing: uuid.UUID, learner: uuid.UUID, *, alone=False) -> tuple[bool, int]:
    """What emit_with answered for inserting `thing`, and how many relay wake-ups (NOTIFY on the outbox channel)
    its transaction's commit sent (`alone`: the statement is the transaction)."""
    woken: list[str] = []

    def wake(*args: object) -> None:
        woken.append(str(args[-1]))

    async with pool.acquire() as listener:
        await listener.add_listener(outbox.CHANNEL, wake)
        async with pool.acquire() as conn, contextlib.AsyncExitStack() as transaction:
            if not alone:
                await transaction.enter_async_context(conn.transaction())
            changed = await outbox.emit_with(
                conn, CHANGE, thing, payload=verified(learner), producer="kit-test", subject=learner, alone=alone
            )
        await asyncio.sleep(0.3)  # a notification follows the commit by a moment
        await listener.remove_listener(outbox.CHANNEL, wake)
    return changed, len(woken)


async def queued(conn) -> list[dict]:
    rows = await conn.fetch("SELECT topic, message_key, payload, headers FROM outbox ORDER BY id")
    return [{**dict(row), "payload": json.loads(row["payload"])} for row in rows]


async def test_a_change_that_returned_a_row_queues_its_event_as_emit_would_and_wakes_the_relay(pool):
    learner, thing = uuid.uuid4(), uuid.uuid4()
    token = logs.correlation_id.set("cid-1")
    try:
        changed, wakes = await change_with_its_event(pool, thing, learner)
        async with pool.acquire() as conn, conn.transaction():  # the same event as emit queues it, to compare
            await outbox.emit(conn, verified(learner), producer="kit-test", subject=learner)
    finally:
        logs.correlation_id.reset(token)

    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM things WHERE id = $1", thing) == 1
        with_change, emitted = await queued(conn)
    assert (changed, wakes) == (True, 1)
    for row in (with_change, emitted):
        assert (row["topic"], row["message_key"]) == ("email.verified", str(learner))
        assert row["headers"] == {"event_type": "email.verified", "event_version": "1", "correlation_id": "cid-1"}
    volatile = ("event_id", "occurred_at")
    assert {k: v for k, v in with_change["payload"].items() if k not in volatile} == {
        k: v for k, v in emitted["payload"].items() if k not in volatile
    }


async def test_a_change_that_returned_no_row_queues_nothing_and_wakes_no_one(pool):
    learner, thing = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO things (id) VALUES ($1)", thing)  # the change will find it there

    changed, wakes = await change_with_its_event(pool, thing, learner)

    async with pool.acquire() as conn:
        assert await queued(conn) == []
    assert (changed, wakes) == (False, 0)


@pytest.mark.parametrize("exists", [False, True], ids=["new", "there-already"])
async def test_a_change_alone_commits_with_its_event_as_in_a_transaction(pool, exists):
    learner, thing = uuid.uuid4(), uuid.uuid4()
    if exists:
        async with pool.acquire() as conn:
            await conn.execute("INSERT INTO things (id) VALUES ($1)", thing)

    changed, wakes = await change_with_its_event(pool, thing, learner, alone=True)

    async with pool.acquire() as conn:
        assert not conn.is_in_transaction()
        events = await queued(conn)
        assert await conn.fetchval("SELECT count(*) FROM things WHERE id = $1", thing) == 1
    assert (changed, wakes) == ((False, 0) if exists else (True, 1))
    assert [e["payload"]["data"]["user_id"] for e in events] == ([] if exists else [str(learner)])


async def test_a_change_alone_that_fails_after_its_row_leaves_neither_the_row_nor_its_event(pool):
    failing = "INSERT INTO things (id) VALUES ($1) RETURNING 1 / (SELECT count(*) - count(*) FROM things)"
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await outbox.emit_with(
                conn,
                failing,
                uuid.uuid4(),
                payload=verified(uuid.uuid4()),
                producer="kit-test",
                subject="x",
                alone=True,
            )
        assert await conn.fetchval("SELECT count(*) FROM things") == 0
        assert await queued(conn) == []


async def test_emit_with_alone_inside_a_transaction_is_a_bug(pool):
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(RuntimeError, match="outside any transaction"):
            await outbox.emit_with(
                conn, CHANGE, uuid.uuid4(), payload=verified(uuid.uuid4()), producer="kit-test", subject="x", alone=True
            )
        assert await conn.fetchval("SELECT count(*) FROM things") == 0


async def test_emit_with_outside_a_transaction_is_a_bug(pool):
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            await outbox.emit_with(
                conn, CHANGE, uuid.uuid4(), payload=verified(uuid.uuid4()), producer="kit-test", subject="x"
            )
        assert await conn.fetchval("SELECT count(*) FROM things") == 0


async def test_an_event_over_kafkas_limit_is_refused_and_the_change_it_reports_rolls_back(
    pool, cancellation, cancellation_of
):
    # 600,000 characters, 1.2 MB in UTF-8: the limit is in bytes, as Kafka's is.
    too_large = cancellation("é" * 600_000)
    thing = uuid.uuid4()
    async with pool.acquire() as conn:
        with pytest.raises(outbox.EventTooLarge, match=r"activity\.cancelled event .* is 1,2[0-9,]* bytes"):  # noqa: PT012 - the rollback is the point
            async with conn.transaction():
                await conn.execute("INSERT INTO things (id) VALUES ($1)", thing)
                await outbox.emit(conn, too_large, producer="kit-test", subject="activity")
        with pytest.raises(outbox.EventTooLarge):
            await outbox.emit_with(conn, CHANGE, thing, payload=too_large, producer="kit-test", subject="a", alone=True)
        assert await conn.fetchval("SELECT count(*) FROM things") == 0
        assert await queued(conn) == []

        # At the limit, it is queued (and test_kit_pipeline has Kafka take it).
        async with conn.transaction():
            await outbox.add(conn, cancellation_of(outbox.MAX_EVENT_BYTES))
        assert len(await queued(conn)) == 1
