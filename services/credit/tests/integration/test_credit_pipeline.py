"""The credit worker against real Kafka and PostgreSQL: catalog events in, a claim, `credit.claimed` out."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from credit.config import Settings
from credit.main import create_app
from credit.worker import create_worker
from devstack.pytest_plugin import SERVICE_CONSUMER_GROUPS
from devstack.testing import TokenMint, running_app
from opencme_contracts import events, new_envelope
from opencme_kit.auth import TokenVerifier

# Its worker joins the service's real consumer groups: never beside the whole stack, whose workers join them too.
pytestmark = pytest.mark.xdist_group(SERVICE_CONSUMER_GROUPS)

mint = TokenMint()


def activity_published(activity_id, *, ends_at):
    return new_envelope(
        events.ActivityPublished(
            activity=events.ActivitySummary(
                activity_id=activity_id,
                title="Heart Failure Update",
                format="live_course",
                starts_at=ends_at - timedelta(hours=8),
                ends_at=ends_at,
                location="Room 1",
            ),
            provider_name="Acme Clinic",
            credit_designations=(
                events.CreditDesignation(
                    credit_type="AMA_PRA_1", max_credits=Decimal("7.25"), statement="Acme Clinic designates ..."
                ),
                events.CreditDesignation(credit_type="MOC_ABIM", max_credits=Decimal("7.25"), statement="ABIM MOC ..."),
            ),
            claim_window_days=30,
            moc_boards=("ABIM",),
            published_at=datetime.now(UTC),
        ),
        producer="catalog",
        subject=activity_id,
    )


def registration_confirmed(activity_id, learner_id, *, ends_at):
    return new_envelope(
        events.RegistrationConfirmed(
            registration_id=uuid.uuid4(),
            registration_number="R-2026-1",
            learner_id=learner_id,
            email="jane@example.org",
            activity=events.ActivitySummary(
                activity_id=activity_id, title="Heart Failure Update", format="live_course", ends_at=ends_at
            ),
            attendee_category="physician",
            fee_cents=0,
            payment_status="not_required",
            confirmed_at=datetime.now(UTC),
        ),
        producer="catalog",
        subject=learner_id,
    )


@pytest.fixture(scope="module")
async def settings(make_database, infra):
    return Settings(
        database_url=await make_database("credit"),
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        outbox_poll_interval=0.2,
    )


async def test_registration_from_kafka_makes_the_activity_claimable_and_the_claim_is_published(settings, infra):
    activity_id, learner = uuid.uuid4(), uuid.uuid4()
    ends_at = datetime.now(UTC) - timedelta(days=1)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, acks="all")
    await producer.start()
    registration = registration_confirmed(activity_id, learner, ends_at=ends_at)
    try:
        for envelope in (activity_published(activity_id, ends_at=ends_at), registration, registration):
            await producer.send_and_wait(envelope.topic, envelope.to_bytes(), key=envelope.subject.encode())
    finally:
        await producer.stop()

    reader = AIOKafkaConsumer(
        "credit.claimed",
        bootstrap_servers=infra.kafka_bootstrap,
        auto_offset_reset="latest",
        group_id=f"test-{uuid.uuid4().hex[:6]}",
    )
    await reader.start()
    worker = create_worker(settings)
    app = create_app(settings)
    async with worker, running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        headers = mint.headers(learner)
        async with asyncio.timeout(30):
            while not (await client.get("/claimable", headers=headers)).json():
                await asyncio.sleep(0.2)
        claim = await client.post(
            "/claims",
            headers=headers,
            json={
                "activity_id": str(activity_id),
                "credits": {"AMA_PRA_1": "6.5", "MOC_ABIM": "6.5"},
                "evaluation": {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True},
                "moc_boards": ["ABIM"],
                "share_permission": True,
            },
        )
        assert claim.status_code == 201, claim.text
        again = await client.post(
            "/claims",
            headers=headers,
            json={
                "activity_id": str(activity_id),
                "credits": {"AMA_PRA_1": "1"},
                "evaluation": {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True},
            },
        )
        assert again.status_code == 409

        async with asyncio.timeout(30):
            while True:
                batch = await reader.getmany(timeout_ms=500)
                published = [json.loads(r.value) for rs in batch.values() for r in rs]
                mine = [e for e in published if e["subject"] == str(learner)]
                if mine:
                    break
        await reader.stop()

        transcript = (await client.get("/transcript", headers=headers)).json()
        async with app.state.pool.acquire() as conn:
            registrations = await conn.fetchval("SELECT count(*) FROM registrations WHERE learner_id = $1", learner)

    [event] = mine
    assert event["event_type"] == "credit.claimed"
    assert event["data"]["moc_boards"] == ["ABIM"] and event["data"]["share_permission"] is True
    assert {c["credit_type"]: c["amount"] for c in event["data"]["credits"]} == {
        "AMA_PRA_1": "6.50",
        "MOC_ABIM": "6.50",
    }
    assert transcript["totals"] == {"AMA_PRA_1": "6.50", "MOC_ABIM": "6.50"}
    assert registrations == 1  # the duplicate registration event changed nothing


def test_the_worker_subscribes_to_account_merges(settings):
    worker = create_worker(settings)
    topics = {name for subscriber in worker.broker.subscribers for name in subscriber.topic_names}
    assert "account.merged" in topics
