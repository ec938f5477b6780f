"""The whole worker in-process: real Kafka topics in, real SMTP out, real PostgreSQL between."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from notifications_testing import (
    activity_published,
    address,
    attendance_recorded,
    board_status,
    certificate_issued,
    credit_claimed,
    messages_in_db,
    password_reset,
    registration_cancelled,
    registration_confirmed,
    text_and_html,
    user_registered,
    wait_until_settled,
)

from devstack.pytest_plugin import SERVICE_CONSUMER_GROUPS
from notifications import reminders, schemas
from notifications.wording import format_day
from notifications.worker import create_worker
from opencme_kit import db

# Its worker joins the service's real consumer groups: never beside the whole stack, whose workers join them too.
pytestmark = pytest.mark.xdist_group(SERVICE_CONSUMER_GROUPS)


async def dead_letters(bootstrap: str, topic: str, marker: bytes, timeout: float = 30.0) -> list:
    reader = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"notifications-test-{uuid.uuid4().hex[:8]}",
    )
    await reader.start()
    try:
        async with asyncio.timeout(timeout):
            while True:
                batch = await reader.getmany(timeout_ms=500)
                found = [r for records in batch.values() for r in records if marker in r.value]
                if found:
                    return found
    finally:
        await reader.stop()


async def test_published_events_become_one_email_each_duplicates_send_nothing_and_garbage_goes_to_the_dlq(
    infra, settings, sink
):
    learner, email, stranger = uuid.uuid4(), address(), address()
    claim = uuid.uuid4()
    registered = user_registered(learner, email)
    marker = uuid.uuid4().hex.encode()
    messages = [
        certificate_issued(learner, title="Pipeline Rounds", claim_id=claim),  # may well overtake the registration
        registered,
        registered,  # delivered twice
        b'{"event_type": "user.registered", "broken": "' + marker + b'"',
        password_reset(email, user_id=learner),
        password_reset(stranger),
        registration_confirmed(learner, email),
        board_status(learner, status="held", reason="board ID missing", claim_id=claim),
        board_status(learner, status="self_report", board="ABS", claim_id=claim),
        board_status(learner, status="accepted", claim_id=claim),
    ]

    settings = settings.model_copy(update={"kafka_bootstrap_servers": infra.kafka_bootstrap})
    async with create_worker(settings):
        producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            for message in messages:
                if isinstance(message, bytes):
                    await producer.send_and_wait("user.registered", message, key=str(learner).encode())
                else:
                    await producer.send_and_wait(message.topic, message.to_bytes(), key=message.subject.encode())
        finally:
            await producer.stop()

        received = await sink.wait_for(6, to=email, timeout=90)
        await sink.wait_for(1, to=stranger)
        dead = await dead_letters(infra.kafka_bootstrap, "user.registered.dlq", marker)
        pool = await db.create_pool(settings.database_url, max_size=2)
        try:
            await wait_until_settled(pool)
            await asyncio.sleep(1.0)  # anything extra would have been sent by now
            # The topics are shared: only this test's learner and addresses count.
            rows = [r for r in await messages_in_db(pool) if r["learner_id"] == learner or r["to_address"] == stranger]
        finally:
            await pool.close()

    assert len(sink.messages(to=email)) == 6 and len(sink.messages(to=stranger)) == 1
    assert sorted(r["kind"] for r in rows) == sorted(
        [
            "verify_email",
            "certificate_issued",
            "password_reset",
            "password_reset_no_account",
            "registration_confirmed",
            "board_report_action_needed",
            "board_self_report",
        ]
    )
    assert {r["status"] for r in rows} == {"sent"}
    subjects = {m["Subject"] for m in received}
    assert "Your certificate for Pipeline Rounds" in subjects
    assert "Registration confirmed: Cardiology Review Course (R-1001)" in subjects
    verification = next(m for m in received if m["Subject"].startswith("Confirm your email"))
    assert "https://cme.example.org/verify-email?token=tok123" in text_and_html(verification)[0]
    [letter] = dead
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers["x-original-topic"] == "user.registered" and headers["x-consumer"].startswith("notifications.")


async def until(pool, query, *args, timeout=60.0):
    """Polls `query` until it returns something true: the projection has taken in what was published."""
    async with asyncio.timeout(timeout):
        while True:
            async with pool.acquire() as conn:
                if await conn.fetchval(query, *args):
                    return
            await asyncio.sleep(0.1)


async def test_cancellations_and_claim_window_reminders_flow_from_catalog_and_credit_topics(infra, settings, sink):
    """registration.cancelled, activity.published, attendance.recorded and credit.claimed through real Kafka: one
    cancellation notice however often it is delivered, one reminder from the worker's own loop for the unclaimed
    session only, none for the claimed one or the learner who opted out, and garbage on a new topic to its DLQ."""
    learner, email, opted_out = uuid.uuid4(), address(), uuid.uuid4()
    today = datetime.now(UTC).date()
    unclaimed, claimed = activity_published(title="Unclaimed Rounds"), activity_published(title="Claimed Rounds")
    unclaimed_id, claimed_id = unclaimed.data.activity.activity_id, claimed.data.activity.activity_id
    confirmed = registration_confirmed(learner, email, number="R-3003")
    cancelled = registration_cancelled(confirmed)
    marker = uuid.uuid4().hex.encode()

    settings = settings.model_copy(update={"kafka_bootstrap_servers": infra.kafka_bootstrap, "reminder_interval": 0.5})
    pool = await db.create_pool(settings.database_url, max_size=2)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await producer.start()

    async def publish(*envelopes):
        for envelope in envelopes:
            await producer.send_and_wait(envelope.topic, envelope.to_bytes(), key=envelope.subject.encode())

    try:
        async with create_worker(settings):
            async with pool.acquire() as conn:
                await reminders.set_preferences(conn, opted_out, schemas.Preferences(reminders=False))
            await publish(
                user_registered(learner, email, verify_url=None),
                user_registered(opted_out, address(), verify_url=None),
                unclaimed,
                claimed,
                confirmed,
            )
            # The claim is in before its attendance, so no reminder round can see that session unclaimed.
            await publish(credit_claimed(learner, claimed_id))
            await until(
                pool,
                "SELECT claimed_at IS NOT NULL FROM participations WHERE learner_id = $1 AND activity_id = $2",
                learner,
                claimed_id,
            )
            attended = today - timedelta(days=26)  # the 30-day window closes in 4 days
            await publish(
                attendance_recorded(learner, claimed_id, attended),
                attendance_recorded(learner, unclaimed_id, attended),
                attendance_recorded(opted_out, unclaimed_id, attended),
            )
            await producer.send_and_wait(
                "attendance.recorded",
                b'{"event_type": "attendance.recorded", "x": "' + marker + b'"',
                key=str(learner).encode(),
            )
            [confirmation] = await sink.wait_for(1, to=email, timeout=60)
            await publish(cancelled, cancelled)  # delivered twice

            received = await sink.wait_for(3, to=email, timeout=60)
            dead = await dead_letters(infra.kafka_bootstrap, "attendance.recorded.dlq", marker)
            await until(
                pool,
                "SELECT count(*) = 2 FROM participations WHERE learner_id = $1 AND attended_on IS NOT NULL",
                learner,
            )
            await asyncio.sleep(1.5)  # three more reminder rounds: anything extra would be queued by now
            await wait_until_settled(pool)
            rows = [r for r in await messages_in_db(pool) if r["learner_id"] in (learner, opted_out)]
    finally:
        await producer.stop()
        await pool.close()

    assert len(sink.messages(to=email)) == 3
    assert confirmation["Subject"] == "Registration confirmed: Cardiology Review Course (R-3003)"
    subjects = sorted(m["Subject"].strip() for m in received)
    assert subjects == sorted(
        [
            "Registration confirmed: Cardiology Review Course (R-3003)",
            "Registration cancelled: Cardiology Review Course (R-3003)",
            f"Claim your credit for Unclaimed Rounds by {format_day(today + timedelta(days=4))}",
        ]
    )
    assert sorted((r["kind"], r["status"]) for r in rows) == [
        ("claim_window_closing", "sent"),
        ("registration_cancelled", "sent"),
        ("registration_confirmed", "sent"),
    ]
    assert all(r["learner_id"] == learner for r in rows)
    reminder = next(m for m in received if "Claim your credit" in m["Subject"])
    assert f"/activities/{unclaimed_id}/claim" in text_and_html(reminder)[0]
    [letter] = dead
    assert dict(letter.headers)["x-original-topic"] == b"attendance.recorded"
