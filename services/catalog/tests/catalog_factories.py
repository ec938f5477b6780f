"""The tests' token mint, rows, identity's events and the real inbox consumer, shared by the catalog's tests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from catalog import registrations_repository, repository
from catalog.config import SERVICE, Settings
from catalog.consumers import HANDLERS
from devstack.testing import TokenMint
from opencme_contracts import Envelope, events, new_envelope
from opencme_kit import db
from opencme_kit.messaging import InboxConsumer, create_broker

MINT = TokenMint()  # the `client` fixture's API trusts it


def inbox_consumer(pool: db.Pool, settings: Settings | None = None) -> InboxConsumer:
    """The worker's consumer with its handlers and inbox; the broker is never started, `deliver` needs no Kafka."""
    consumer = InboxConsumer(
        create_broker("127.0.0.1:9", client_id="catalog-test"),
        service=SERVICE,
        handlers=HANDLERS,
        settings=settings or Settings(),
    )
    consumer.pool = pool
    return consumer


def account_merged(merged: uuid.UUID, survivor: uuid.UUID) -> Envelope[events.AccountMerged]:
    return new_envelope(
        events.AccountMerged(
            surviving_user_id=survivor,
            merged_user_id=merged,
            merged_at=datetime.now(UTC),
            reason="duplicate account (help desk)",
        ),
        producer="identity",
        subject=survivor,
    )


async def make_activity(conn: db.Connection, *, capacity: int | None = None) -> uuid.UUID:
    activity_id = uuid.uuid4()
    starts_at = datetime.now(UTC) + timedelta(days=7)
    await conn.execute(
        """INSERT INTO activities (id, title, format, starts_at, ends_at, capacity, credit_designations, status,
               created_by, published_at)
           VALUES ($1, 'Heart Failure Update', 'live_course', $2, $3, $4, $5, 'published', $6, now())""",
        activity_id,
        starts_at,
        starts_at + timedelta(hours=8),
        capacity,
        [{"credit_type": "AMA_PRA_1", "max_credits": "7.25"}],
        uuid.uuid4(),
    )
    return activity_id


async def make_session(conn: db.Connection, activity_id: uuid.UUID) -> uuid.UUID:
    session_id = uuid.uuid4()
    starts_at = datetime.now(UTC) - timedelta(hours=2)
    await repository.insert_session(
        conn,
        session_id=session_id,
        activity_id=activity_id,
        title="Grand rounds",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )
    return session_id


async def make_registration(
    conn: db.Connection,
    activity_id: uuid.UUID,
    learner_id: uuid.UUID,
    *,
    status: str = "confirmed",
    category: str = "physician",
    fee_cents: int = 0,
    at: datetime | None = None,
) -> uuid.UUID:
    registration_id = uuid.uuid4()
    at = at or datetime.now(UTC)
    await registrations_repository.insert_registration(
        conn,
        registration_id=registration_id,
        activity_id=activity_id,
        learner_id=learner_id,
        email="jane@example.org",
        category=category,
        fee_cents=fee_cents,
        payment_status="pending" if fee_cents else "not_required",
        at=at,
    )
    if status != "confirmed":
        await conn.execute(
            "UPDATE registrations SET status = $2, cancelled_at = $3 WHERE id = $1", registration_id, status, at
        )
    return registration_id


async def make_attendance(
    conn: db.Connection, session_id: uuid.UUID, learner_id: uuid.UUID, *, method: str, recorded_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO attendance (session_id, learner_id, method, recorded_at) VALUES ($1, $2, $3, $4)",
        session_id,
        learner_id,
        method,
        recorded_at,
    )


async def registrations(conn: db.Connection, learner_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """registration id -> status, of every registration the learner holds."""
    rows = await conn.fetch("SELECT id, status FROM registrations WHERE learner_id = $1", learner_id)
    return {r["id"]: r["status"] for r in rows}


async def attendance(conn: db.Connection, learner_id: uuid.UUID) -> dict[uuid.UUID, tuple[str, datetime]]:
    """session id -> (method, recorded_at) of the learner's attendance."""
    rows = await conn.fetch("SELECT session_id, method, recorded_at FROM attendance WHERE learner_id = $1", learner_id)
    return {r["session_id"]: (r["method"], r["recorded_at"]) for r in rows}


async def outbox_events(conn: db.Connection, topic: str, subject: uuid.UUID) -> list[dict]:
    rows = await conn.fetch(
        "SELECT payload FROM outbox WHERE topic = $1 AND message_key = $2 ORDER BY id", topic, str(subject)
    )
    return [json.loads(r["payload"]) for r in rows]


def _profile(
    verified_emails: tuple[str, ...], primary_email: str | None = None, **fields: Any
) -> events.LearnerProfile:
    return events.LearnerProfile(
        **{"first_name": "Jane", "last_name": "Doe", "degree": "MD", **fields},
        primary_email=primary_email or (verified_emails[0] if verified_emails else "jane@example.org"),
        verified_emails=verified_emails,
    )


def user_registered(
    user_id: uuid.UUID, *, primary_email: str, verified_emails: tuple[str, ...] = (), **profile: Any
) -> Envelope[events.UserRegistered]:
    return new_envelope(
        events.UserRegistered(
            user_id=user_id,
            profile=_profile(verified_emails, primary_email, **profile),
            profile_version=1,
            registered_at=datetime.now(UTC),
            verify_email_url="https://portal.example.org/verify/abc",
        ),
        producer="identity",
        subject=user_id,
    )


def profile_updated(
    user_id: uuid.UUID,
    *,
    version: int,
    verified_emails: tuple[str, ...],
    effective_at: datetime | None = None,
    **profile: Any,
) -> Envelope[events.ProfileUpdated]:
    return new_envelope(
        events.ProfileUpdated(
            user_id=user_id,
            profile=_profile(verified_emails, **profile),
            version=version,
            effective_at=effective_at or datetime.now(UTC),
        ),
        producer="identity",
        subject=user_id,
    )


def email_verified(user_id: uuid.UUID, email: str) -> Envelope[events.EmailVerified]:
    return new_envelope(
        events.EmailVerified(user_id=user_id, email=email, verified_at=datetime.now(UTC)),
        producer="identity",
        subject=user_id,
    )


# Over HTTP, through the API (tests/api)

STAFF = MINT.headers(uuid.uuid4(), roles=("staff",))


async def published_activity(client: Any, *, starts_in: timedelta | None = timedelta(days=7), **overrides) -> dict:
    body = {
        "title": "Cardiology Update 2026",
        "format": "live_course",
        "fees": {"physician": 25000},
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "7.25"}],
    }
    if starts_in is not None:
        start = datetime.now(UTC) + starts_in
        body |= {"starts_at": start.isoformat(), "ends_at": (start + timedelta(days=8)).isoformat()}
    created = await client.post("/activities", json=body | overrides, headers=STAFF)
    assert created.status_code == 201, created.text
    published = await client.post(f"/activities/{created.json()['id']}/publish", headers=STAFF)
    assert published.status_code == 200
    return published.json()


async def register(client: Any, activity: dict, learner: uuid.UUID) -> dict:
    response = await client.post(f"/activities/{activity['id']}/registrations", json={}, headers=MINT.headers(learner))
    assert response.status_code == 201, response.text
    return response.json()
