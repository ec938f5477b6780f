"""The whole worker in-process: real Kafka topics in, real SMTP out, real PostgreSQL between."""

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from notifications_testing import (
    address,
    board_status,
    certificate_issued,
    messages_in_db,
    password_reset,
    registration_confirmed,
    text_and_html,
    user_registered,
    wait_until_settled,
)

from notifications.kit import db
from notifications.worker import create_worker


async def dead_letters(bootstrap: str, topic: str, marker: bytes, timeout: float = 30.0) -> list:
    reader = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                              group_id=f"notifications-test-{uuid.uuid4().hex[:8]}")
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
        infra, settings, sink):
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
    assert sorted(r["kind"] for r in rows) == sorted([
        "verify_email", "certificate_issued", "password_reset", "password_reset_no_account", "registration_confirmed",
        "board_report_action_needed", "board_self_report"])
    assert {r["status"] for r in rows} == {"sent"}
    subjects = {m["Subject"] for m in received}
    assert "Your certificate for Pipeline Rounds" in subjects
    assert "Registration confirmed: Cardiology Review Course (R-1001)" in subjects
    verification = next(m for m in received if m["Subject"].startswith("Confirm your email"))
    assert "https://cme.example.org/verify-email?token=tok123" in text_and_html(verification)[0]
    [letter] = dead
    headers = {k: v.decode() for k, v in letter.headers}
    assert headers["x-original-topic"] == "user.registered" and headers["x-consumer"].startswith("notifications.")
