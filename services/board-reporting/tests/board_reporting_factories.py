"""Events, deliveries and an in-memory board for the board-reporting tests."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from board_reporting import consumers
from board_reporting.config import Settings
from board_reporting.domain import BoardAnswer
from opencme_contracts import (
    AccountMerged,
    ActivitySummary,
    ClaimedCredit,
    CreditClaimed,
    CreditRevoked,
    LearnerProfile,
    ProfileUpdated,
    UserRegistered,
    new_envelope,
)

ACTIVITY = uuid.UUID("a1c2e3f4-5b6d-4e7f-8091-a2b3c4d5e6f7")
# What the worker hands every handler; the handlers use none of it yet.
SETTINGS = Settings(database_url="postgresql://unused")


def profile(**overrides: Any) -> LearnerProfile:
    base = {
        "first_name": "Ana",
        "last_name": "Ruiz",
        "primary_email": "ana@example.org",
        "board_ids": {"ABIM": "123456"},
        "birth_month": 4,
        "birth_day": 9,
    }
    return LearnerProfile(**{**base, **overrides})


def registered(learner_id: uuid.UUID, *, version: int = 1, **fields: Any):
    return new_envelope(
        UserRegistered(
            user_id=learner_id, profile=profile(**fields), profile_version=version, registered_at=datetime.now(UTC)
        ),
        producer="identity",
        subject=learner_id,
    )


def profile_updated(learner_id: uuid.UUID, *, version: int, **fields: Any):
    return new_envelope(
        ProfileUpdated(user_id=learner_id, profile=profile(**fields), version=version, effective_at=datetime.now(UTC)),
        producer="identity",
        subject=learner_id,
    )


def claimed(
    learner_id: uuid.UUID,
    *,
    boards: tuple[str, ...] = ("ABIM",),
    share: bool = True,
    credits: dict[str, str] | None = None,
    claim_id: uuid.UUID | None = None,
    claimed_at: datetime | None = None,
    title: str = "Sepsis Update 2026",
    activity_id: uuid.UUID = ACTIVITY,
):
    credits = {"AMA_PRA_1": "3.00"} if credits is None else credits
    return new_envelope(
        CreditClaimed(
            claim_id=claim_id or uuid.uuid4(),
            learner_id=learner_id,
            activity=ActivitySummary(activity_id=activity_id, title=title, format="live_course"),
            provider_name="Acme Clinic",
            credits=tuple(ClaimedCredit(credit_type=t, amount=Decimal(a), statement="...") for t, a in credits.items()),
            completed_on=date(2026, 3, 14),
            claimed_at=claimed_at or datetime.now(UTC),
            moc_boards=boards,
            share_permission=share,
        ),
        producer="credit",
        subject=learner_id,
    )


def merged(*, into: uuid.UUID, merged_id: uuid.UUID):
    """Identity's account.merged, keyed by the survivor as identity keys it."""
    return new_envelope(
        AccountMerged(
            surviving_user_id=into,
            merged_user_id=merged_id,
            merged_at=datetime.now(UTC),
            reason="duplicate account (help desk ticket 4711)",
        ),
        producer="identity",
        subject=into,
    )


def revoked(learner_id: uuid.UUID, claim_id: uuid.UUID, *, reason: str = "attendance not verified"):
    return new_envelope(
        CreditRevoked(
            claim_id=claim_id, learner_id=learner_id, activity_id=ACTIVITY, revoked_at=datetime.now(UTC), reason=reason
        ),
        producer="credit",
        subject=learner_id,
    )


async def deliver(pool: asyncpg.Pool, *envelopes: Any, settings: Settings = SETTINGS) -> None:
    """Hands each event to its handler inside a transaction, as the inbox consumer does."""
    for envelope in envelopes:
        async with pool.acquire() as conn, conn.transaction():
            await consumers.HANDLERS[envelope.topic](conn, envelope, settings)


async def reports_of(pool: asyncpg.Pool, learner_id: uuid.UUID) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return await conn.fetch("SELECT * FROM reports WHERE learner_id = $1 ORDER BY board_code", learner_id)


async def report_of(pool: asyncpg.Pool, learner_id: uuid.UUID) -> asyncpg.Record:
    (report,) = await reports_of(pool, learner_id)
    return report


async def status_events(pool: asyncpg.Pool, learner_id: uuid.UUID) -> list[dict[str, Any]]:
    """The board_report.status_changed envelopes committed to the outbox for this learner, oldest first."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT payload FROM outbox WHERE topic = 'board_report.status_changed' AND message_key = $1 ORDER BY id",
            str(learner_id),
        )
    return [json.loads(r["payload"]) for r in rows]


async def statuses(pool: asyncpg.Pool, learner_id: uuid.UUID) -> list[str]:
    return [e["data"]["status"] for e in await status_events(pool, learner_id)]


class InMemoryBoard:
    """A board client that answers from a script (default: accepted) and remembers what it was sent."""

    def __init__(self, *answers: BoardAnswer, delay: float = 0.0) -> None:
        self.answers = list(answers)
        self.delay = delay
        self.received: list[dict[str, Any]] = []

    async def submit(self, record: dict[str, Any]) -> BoardAnswer:
        self.received.append(record)
        await asyncio.sleep(self.delay)
        if self.answers:
            return self.answers.pop(0)
        return BoardAnswer("accepted", board_report_id=f"MEM-{len(self.received)}")
