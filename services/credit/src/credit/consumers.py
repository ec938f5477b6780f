"""What the credit service does with catalog events (its own projection of activities and participation) and with
identity's account merges."""

from __future__ import annotations

from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker

from credit import merges, repository
from credit.config import SERVICE
from opencme_contracts import Envelope, events
from opencme_kit.messaging import InboxConsumer


def register_consumers(broker: KafkaBroker) -> InboxConsumer:
    consumer = InboxConsumer(broker, service=SERVICE)

    @consumer.handle("activity.published")
    async def on_activity_published(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Remember the activity's credit designations, dates and claim window."""
        event: events.ActivityPublished = envelope.data
        await repository.upsert_activity(
            conn,
            id=event.activity.activity_id,
            title=event.activity.title,
            format=event.activity.format,
            starts_at=event.activity.starts_at,
            ends_at=event.activity.ends_at,
            location=event.activity.location,
            provider_name=event.provider_name,
            designations=[d.model_dump(mode="json") for d in event.credit_designations],
            claim_window_days=event.claim_window_days,
            available_until=event.available_until,
            moc_boards=list(event.moc_boards),
            requires_event_code=event.requires_event_code,
            published_at=event.published_at,
        )

    @consumer.handle("registration.confirmed")
    async def on_registration_confirmed(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """A registration makes a live activity claimable for that learner."""
        event: events.RegistrationConfirmed = envelope.data
        learner_id = await merges.owner_of(conn, event.learner_id)
        await repository.insert_registration(
            conn,
            registration_id=event.registration_id,
            learner_id=learner_id,
            activity_id=event.activity.activity_id,
            email=event.email,
        )

    @consumer.handle("registration.cancelled")
    async def on_registration_cancelled(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """A cancelled registration no longer makes the activity claimable."""
        await repository.cancel_registration(conn, envelope.data.registration_id)

    @consumer.handle("attendance.recorded")
    async def on_attendance_recorded(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Attendance (e.g. an event code entered) unlocks claiming for that session's activity."""
        event: events.AttendanceRecorded = envelope.data
        learner_id = await merges.owner_of(conn, event.learner_id)
        await repository.insert_attendance(
            conn,
            learner_id=learner_id,
            activity_id=event.activity_id,
            session_id=event.session_id,
            attended_on=event.attended_on,
        )

    @consumer.handle("account.merged")
    async def on_account_merged(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Support merged two accounts of one person: the survivor gets the merged account's history."""
        event: events.AccountMerged = envelope.data
        await merges.merge_accounts(
            conn, merged_id=event.merged_user_id, surviving_id=event.surviving_user_id, merged_at=event.merged_at
        )

    return consumer
