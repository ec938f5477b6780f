"""activity.unpublished and activity.cancelled through the real inbox consumer against a real PostgreSQL: what the
learner may still claim afterwards. `InboxConsumer.deliver` applies an envelope exactly as a message from Kafka."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from credit import domain, service
from credit.config import MIGRATIONS, SERVICE, Settings
from credit.consumers import HANDLERS
from credit.schemas import ClaimRequest
from opencme_contracts import events, new_envelope
from opencme_kit import db, errors
from opencme_kit.auth import Principal
from opencme_kit.messaging import InboxConsumer, create_broker

AMA = "AMA_PRA_1"
ENDED = datetime.now(UTC) - timedelta(days=2)
EVALUATION = {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True}
SUMMARY = {"title": "Sepsis Update", "format": "live_course", "starts_at": ENDED - timedelta(hours=8), "ends_at": ENDED}


def from_catalog(payload, subject):
    return new_envelope(payload, producer="catalog", subject=subject)


def published(activity_id, *, at=None):
    return from_catalog(
        events.ActivityPublished(
            activity=events.ActivitySummary(activity_id=activity_id, **SUMMARY),
            provider_name="Acme Clinic",
            credit_designations=(
                events.CreditDesignation(credit_type=AMA, max_credits=Decimal("7"), statement="Acme designates ..."),
            ),
            claim_window_days=30,
            published_at=at or datetime.now(UTC),
        ),
        activity_id,
    )


def registered(learner_id, activity_id, registration_id):
    return from_catalog(
        events.RegistrationConfirmed(
            registration_id=registration_id,
            registration_number="R-2026-7",
            learner_id=learner_id,
            email="jane@example.org",
            activity=events.ActivitySummary(activity_id=activity_id, **SUMMARY),
            attendee_category="physician",
            fee_cents=0,
            payment_status="not_required",
            confirmed_at=datetime.now(UTC),
        ),
        learner_id,
    )


def attended(learner_id, activity_id):
    return from_catalog(
        events.AttendanceRecorded(
            learner_id=learner_id,
            activity_id=activity_id,
            method="staff",
            attended_on=ENDED.date(),
            recorded_at=datetime.now(UTC),
        ),
        learner_id,
    )


def cancelled(activity_id, *registrations):
    return from_catalog(
        events.ActivityCancelled(
            activity=events.ActivitySummary(activity_id=activity_id, **SUMMARY),
            reason="The speaker fell ill",
            registrations=tuple(
                events.CancelledRegistration(
                    registration_id=registration_id, registration_number="R-2026-7", learner_id=learner_id,
                    email="jane@example.org",
                )
                for learner_id, registration_id in registrations
            ),
            cancelled_at=ENDED - timedelta(hours=10),
        ),
        activity_id,
    )  # fmt: skip


def unpublished(activity_id):
    return from_catalog(
        events.ActivityUnpublished(activity_id=activity_id, unpublished_at=datetime.now(UTC)), activity_id
    )


@pytest.fixture
async def pool(make_database):
    pool = await db.create_pool(await make_database("credit"), max_size=4)
    await db.apply_migrations(pool, MIGRATIONS)
    yield pool
    await pool.close()


@pytest.fixture
def consumer(pool, infra):
    settings = Settings(kafka_bootstrap_servers=infra.kafka_bootstrap)
    broker = create_broker(infra.kafka_bootstrap, client_id="credit-test")
    consumer = InboxConsumer(broker, service=SERVICE, handlers=HANDLERS, settings=settings)
    consumer.pool = pool
    return consumer


async def claim(pool, learner_id, activity_id):
    async with pool.acquire() as conn:
        return await service.claim_credit(
            conn=conn,
            learner=Principal(learner_id, frozenset({"learner"})),
            request=ClaimRequest(activity_id=activity_id, credits={AMA: "3"}, evaluation=EVALUATION),
        )


async def test_after_a_cancellation_a_registrant_without_attendance_is_refused_and_an_attendee_may_claim(
    pool, consumer
):
    activity_id, registrant, attendee = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    registration, attendee_registration = uuid.uuid4(), uuid.uuid4()
    await consumer.deliver(published(activity_id))
    await consumer.deliver(registered(registrant, activity_id, registration))
    await consumer.deliver(registered(attendee, activity_id, attendee_registration))
    await consumer.deliver(attended(attendee, activity_id))

    event = cancelled(activity_id, (registrant, registration), (attendee, attendee_registration))
    await consumer.deliver(event)
    await consumer.deliver(event)  # a redelivery changes nothing

    with pytest.raises(domain.NotEligible) as refused:
        await claim(pool, registrant, activity_id)
    assert "was cancelled on" in refused.value.reason
    standing = await claim(pool, attendee, activity_id)
    assert standing.completed_on == ENDED.date()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT bool_and(cancelled) FROM registrations WHERE activity_id = $1", activity_id)
        row = await conn.fetchrow("SELECT cancelled_at, cancellation_reason FROM activities WHERE id = $1", activity_id)
    assert row["cancellation_reason"] == "The speaker fell ill"


async def test_an_unpublished_activity_is_not_claimable_until_it_is_published_again(pool, consumer):
    activity_id, learner = uuid.uuid4(), uuid.uuid4()
    await consumer.deliver(published(activity_id, at=datetime.now(UTC) - timedelta(minutes=5)))
    await consumer.deliver(attended(learner, activity_id))

    await consumer.deliver(unpublished(activity_id))

    with pytest.raises(errors.NotFound) as refused:
        await claim(pool, learner, activity_id)
    assert refused.value.reason == "activity not found"
    async with pool.acquire() as conn:
        assert await service.claimable(conn=conn, learner_id=learner) == []
    await consumer.deliver(published(activity_id))
    assert (await claim(pool, learner, activity_id)).completed_on == ENDED.date()
