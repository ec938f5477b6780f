"""What the credit service does with catalog events (its own projection of activities and participation) and with
identity's account merges. Each handler runs inside the inbox transaction of its event."""

from __future__ import annotations

from credit import repository
from credit.config import Settings
from credit.merges import merge_accounts
from opencme_contracts import Envelope, events
from opencme_kit import db, merges
from opencme_kit.messaging import Handler


async def on_activity_published(
    conn: db.Connection, envelope: Envelope[events.ActivityPublished], settings: Settings
) -> None:
    """Remember the activity's credit designations, dates and claim window."""
    event = envelope.data
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


async def on_activity_unpublished(
    conn: db.Connection, envelope: Envelope[events.ActivityUnpublished], settings: Settings
) -> None:
    """The activity went back to a draft: nobody may claim it until it is published again."""
    await repository.mark_unpublished(conn, envelope.data.activity_id, envelope.data.unpublished_at)


async def on_activity_cancelled(
    conn: db.Connection, envelope: Envelope[events.ActivityCancelled], settings: Settings
) -> None:
    """The activity was cancelled: claimable only for attendance recorded (or self-paced material completed before);
    its registrations no longer make it claimable."""
    event = envelope.data
    await repository.mark_cancelled(conn, event.activity.activity_id, at=event.cancelled_at, reason=event.reason)
    await repository.cancel_registrations(conn, [r.registration_id for r in event.registrations])


async def on_registration_confirmed(
    conn: db.Connection, envelope: Envelope[events.RegistrationConfirmed], settings: Settings
) -> None:
    """A registration makes a live activity claimable for that learner."""
    event = envelope.data
    learner_id = await merges.owner_of(conn, event.learner_id, shared=True)
    await repository.insert_registration(
        conn,
        registration_id=event.registration_id,
        learner_id=learner_id,
        activity_id=event.activity.activity_id,
        email=event.email,
    )


async def on_registration_cancelled(
    conn: db.Connection, envelope: Envelope[events.RegistrationCancelled], settings: Settings
) -> None:
    """A cancelled registration no longer makes the activity claimable."""
    await repository.cancel_registration(conn, envelope.data.registration_id)


async def on_attendance_recorded(
    conn: db.Connection, envelope: Envelope[events.AttendanceRecorded], settings: Settings
) -> None:
    """Attendance (e.g. an event code entered) unlocks claiming for that session's activity."""
    event = envelope.data
    learner_id = await merges.owner_of(conn, event.learner_id, shared=True)
    await repository.insert_attendance(
        conn,
        learner_id=learner_id,
        activity_id=event.activity_id,
        session_id=event.session_id,
        attended_on=event.attended_on,
    )


async def on_account_merged(conn: db.Connection, envelope: Envelope[events.AccountMerged], settings: Settings) -> None:
    """Support merged two accounts of one person: the survivor gets the merged account's history."""
    event = envelope.data
    await merge_accounts(
        conn, merged_id=event.merged_user_id, surviving_id=event.surviving_user_id, merged_at=event.merged_at
    )


HANDLERS: dict[str, Handler] = {
    "activity.published": on_activity_published,
    "activity.unpublished": on_activity_unpublished,
    "activity.cancelled": on_activity_cancelled,
    "registration.confirmed": on_registration_confirmed,
    "registration.cancelled": on_registration_cancelled,
    "attendance.recorded": on_attendance_recorded,
    "account.merged": on_account_merged,
}
