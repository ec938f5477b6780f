"""identity's events through the worker's real inbox consumer keep the catalog's map of verified addresses, against
a real PostgreSQL; pending attendance they attach is read from the outbox."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from catalog_factories import (
    account_merged,
    email_verified,
    inbox_consumer,
    make_activity,
    make_session,
    outbox_events,
    profile_updated,
    user_registered,
)

from catalog import attendance, email_repository, repository


@pytest.fixture(scope="module")
def consumer(pool):
    return inbox_consumer(pool)


def address(name: str = "jane") -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@example.org"


async def holder(pool, email: str) -> uuid.UUID | None:
    async with pool.acquire() as conn:
        return await email_repository.holder_of(conn, email)


async def test_the_newest_profile_replaces_the_addresses_and_an_older_one_arriving_late_changes_nothing(pool, consumer):
    learner, kept, dropped, stale = uuid.uuid4(), address(), address(), address()
    await consumer.deliver(profile_updated(learner, version=1, verified_emails=(kept, dropped)))
    await consumer.deliver(profile_updated(learner, version=3, verified_emails=(kept.upper(),)))
    await consumer.deliver(profile_updated(learner, version=2, verified_emails=(stale, dropped)))  # late

    assert await holder(pool, kept) == learner
    assert await holder(pool, dropped) is None
    assert await holder(pool, stale) is None


async def test_the_sign_up_address_counts_only_once_verified(pool, consumer):
    learner, email = uuid.uuid4(), address()
    await consumer.deliver(user_registered(learner, primary_email=email))
    assert await holder(pool, email) is None
    await consumer.deliver(email_verified(learner, f" {email.upper()}"))
    assert await holder(pool, email) == learner


async def test_an_address_follows_the_newest_event_whatever_order_they_arrive_in(pool, consumer):
    first, second, email = uuid.uuid4(), uuid.uuid4(), address()
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    await consumer.deliver(profile_updated(second, version=1, verified_emails=(email,)))
    # The first learner's profile from before the address moved arrives afterwards (another partition).
    await consumer.deliver(profile_updated(first, version=7, verified_emails=(email,), effective_at=earlier))
    assert await holder(pool, email) == second

    await consumer.deliver(profile_updated(first, version=8, verified_emails=(email,)))  # moved back, later
    assert await holder(pool, email) == first
    await consumer.deliver(profile_updated(second, version=2, verified_emails=()))  # second's release keeps first's
    assert await holder(pool, email) == first


async def test_an_address_moved_to_the_survivor_of_a_merge_attaches_its_attendance_to_the_survivor(pool, consumer):
    merged, survivor, email = uuid.uuid4(), uuid.uuid4(), address()
    async with pool.acquire() as conn:
        session = await repository.get_session(conn, await make_session(conn, await make_activity(conn)))
        assert await attendance.record_for_email(conn, session=session, email=email, staff_id=uuid.uuid4()) == "pending"

    await consumer.deliver(account_merged(merged, survivor))
    # identity moves the merged account's addresses to the survivor and publishes the survivor's profile.
    await consumer.deliver(profile_updated(survivor, version=5, verified_emails=(email,)))
    await consumer.deliver(profile_updated(survivor, version=5, verified_emails=(email,)))  # the same version again

    assert await holder(pool, email) == survivor
    async with pool.acquire() as conn:
        [event] = await outbox_events(conn, "attendance.recorded", survivor)
        row = await conn.fetchrow("SELECT attached_to, attached_at FROM pending_attendance WHERE email = $1", email)
    assert event["data"]["method"] == "staff" and event["data"]["session_id"] == str(session["session_id"])
    assert row["attached_to"] == survivor and row["attached_at"] is not None
