"""account.merged through the worker's real inbox consumer against a real PostgreSQL; events read from the outbox."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from catalog_factories import (
    account_merged,
    attendance,
    inbox_consumer,
    make_activity,
    make_attendance,
    make_registration,
    make_session,
    outbox_events,
    registrations,
)

from catalog import attendance_repository, repository
from opencme_kit import merges
from opencme_kit.messaging import Rejected


@pytest.fixture(scope="module")
def consumer(pool):
    return inbox_consumer(pool)


async def test_a_merge_moves_registrations_attendance_and_code_uses_to_the_survivor(pool, consumer):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        activity = await make_activity(conn)
        session = await make_session(conn, activity)
        registration = await make_registration(conn, activity, merged)
        await make_attendance(conn, session, merged, method="event_code", recorded_at=datetime.now(UTC))
        await attendance_repository.record_code_use(
            conn, code="ABCD2345", learner_id=merged, accepted=True, reason=None
        )

    await consumer.deliver(account_merged(merged, survivor))

    async with pool.acquire() as conn:
        assert await registrations(conn, survivor) == {registration: "confirmed"}
        assert list(await attendance(conn, survivor)) == [session]
        uses = await conn.fetch("SELECT code FROM event_code_uses WHERE learner_id = $1", survivor)
        assert [u["code"] for u in uses] == ["ABCD2345"]
        assert await registrations(conn, merged) == {} and await attendance(conn, merged) == {}
        assert await merges.survivor_of(conn, merged) == survivor
        assert await outbox_events(conn, "registration.cancelled", merged) == []


async def test_both_registered_keeps_the_survivors_and_cancels_the_duplicate_with_an_event(pool, consumer):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        shared = await make_activity(conn, capacity=2)
        kept = await make_registration(conn, shared, survivor)
        dropped_before = await make_registration(conn, shared, merged, status="cancelled")
        duplicate = await make_registration(conn, shared, merged)
        assert (await repository.get_activity(conn, shared))["taken_seats"] == 2

    await consumer.deliver(account_merged(merged, survivor))

    async with pool.acquire() as conn:
        assert await registrations(conn, survivor) == {
            kept: "confirmed",
            duplicate: "cancelled",
            dropped_before: "cancelled",
        }
        assert (await repository.get_activity(conn, shared))["taken_seats"] == 1  # the duplicate's seat is free
        [cancelled] = await outbox_events(conn, "registration.cancelled", merged)
    assert cancelled["producer"] == "catalog" and cancelled["subject"] == str(merged)
    assert cancelled["data"]["registration_id"] == str(duplicate)
    assert cancelled["data"]["learner_id"] == str(merged)
    assert cancelled["data"]["activity_id"] == str(shared)


async def test_a_session_both_attended_keeps_one_record_the_earliest(pool, consumer):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    first = datetime(2026, 3, 4, 12, 5, tzinfo=UTC)
    async with pool.acquire() as conn:
        activity = await make_activity(conn)
        merged_first, survivor_first = await make_session(conn, activity), await make_session(conn, activity)
        await make_attendance(conn, merged_first, merged, method="event_code", recorded_at=first)
        await make_attendance(conn, merged_first, survivor, method="staff", recorded_at=first + timedelta(hours=1))
        await make_attendance(conn, survivor_first, survivor, method="staff", recorded_at=first)
        await make_attendance(conn, survivor_first, merged, method="event_code", recorded_at=first + timedelta(hours=1))

    await consumer.deliver(account_merged(merged, survivor))

    async with pool.acquire() as conn:
        assert await attendance(conn, survivor) == {
            merged_first: ("event_code", first),
            survivor_first: ("staff", first),
        }
        assert await attendance(conn, merged) == {}


async def test_a_chain_a_into_b_then_b_into_c_ends_on_c(pool, consumer):
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        activity = await make_activity(conn)
        from_a, from_b = await make_registration(conn, activity, a), await make_registration(conn, activity, b)

    await consumer.deliver(account_merged(a, b))
    await consumer.deliver(account_merged(b, c))

    async with pool.acquire() as conn:
        assert await registrations(conn, c) == {from_b: "confirmed", from_a: "cancelled"}
        rows = await conn.fetch("SELECT merged_id, surviving_id FROM merged_accounts WHERE merged_id = ANY($1)", [a, b])
        assert {r["merged_id"]: r["surviving_id"] for r in rows} == {a: c, b: c}  # flat: one lookup
        async with conn.transaction():
            assert await merges.owner_of(conn, a) == c


async def test_a_chain_whose_second_merge_arrives_first_still_ends_on_c(pool, consumer):
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        activity = await make_activity(conn)
        from_a = await make_registration(conn, activity, a)

    await consumer.deliver(account_merged(b, c))  # keyed by c: it may overtake a->b, which is keyed by b
    await consumer.deliver(account_merged(a, b))

    async with pool.acquire() as conn:
        assert await registrations(conn, c) == {from_a: "confirmed"}
        assert await registrations(conn, b) == {}
        assert await merges.survivor_of(conn, a) == c


async def test_a_redelivered_or_repeated_merge_changes_nothing_and_emits_nothing_more(pool, consumer):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        activity = await make_activity(conn)
        await make_registration(conn, activity, survivor)
        await make_registration(conn, activity, merged)
    merge = account_merged(merged, survivor)

    await consumer.deliver(merge)
    async with pool.acquire() as conn:
        after_first = await registrations(conn, survivor)
    await consumer.deliver(merge)  # the same message again: the inbox drops it
    await consumer.deliver(account_merged(merged, survivor))  # the help desk's merge sent again: a new event id

    async with pool.acquire() as conn:
        assert await registrations(conn, survivor) == after_first
        assert sorted(after_first.values()) == ["cancelled", "confirmed"]
        assert len(await outbox_events(conn, "registration.cancelled", merged)) == 1
        assert await conn.fetchval("SELECT count(*) FROM merged_accounts WHERE merged_id = $1", merged) == 1


async def test_a_merge_of_learners_never_seen_records_the_mapping(pool, consumer):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    await consumer.deliver(account_merged(merged, survivor))
    async with pool.acquire() as conn:
        assert await merges.survivor_of(conn, merged) == survivor
        assert await merges.survivor_of(conn, survivor) == survivor


async def test_merging_into_itself_or_back_into_the_merged_account_is_rejected(pool, consumer):
    a, b = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(Rejected, match="into itself"):
        await consumer.deliver(account_merged(a, a))
    await consumer.deliver(account_merged(a, b))
    with pytest.raises(Rejected, match="cycle"):
        await consumer.deliver(account_merged(b, a))
    async with pool.acquire() as conn:
        assert await merges.survivor_of(conn, a) == b
        assert await merges.survivor_of(conn, b) == b


async def test_a_registration_in_flight_for_the_merged_learner_is_moved_by_the_merge_it_delays(pool, consumer):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        activity = await make_activity(conn)
        async with conn.transaction():  # what `register` does for a request of the merged learner's last token
            owner = await merges.owner_of(conn, merged, shared=True)
            registration = await make_registration(conn, activity, owner)
            merge = asyncio.create_task(consumer.deliver(account_merged(merged, survivor)))
            await asyncio.sleep(0.3)
            assert not merge.done()  # the merge waits for the learner's lock instead of missing the new row
        await asyncio.wait_for(merge, timeout=10)
        assert await registrations(conn, survivor) == {registration: "confirmed"}
