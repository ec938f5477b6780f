"""The claim-window reminder: a projection of activities and participation kept from catalog and credit events, a
periodic round of the worker that queues one `claim_window_closing` email per learner and activity, and the
learner's choice to receive reminders or not (transactional mail has no such choice).

Why a projection rather than asking credit: services talk only through events, and each reminder needs only what
activity.published, registration.confirmed, attendance.recorded and credit.claimed already say.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import date

from notifications import claim_window, reminder_repository, repository, schemas, service
from notifications.config import Settings
from opencme_contracts import events
from opencme_kit import db, merges
from opencme_kit.clock import utcnow

log = logging.getLogger(__name__)


# --- the projection (consumers) ----------------------------------------------------------------------------------


async def activity_published(conn: db.Connection, event: events.ActivityPublished) -> None:
    activity = event.activity
    await reminder_repository.upsert_activity(
        conn,
        activity_id=activity.activity_id,
        title=activity.title,
        format=activity.format,
        ends_at=activity.ends_at,
        claim_window_days=event.claim_window_days,
        published_at=event.published_at,
    )


async def attendance_recorded(conn: db.Connection, event: events.AttendanceRecorded) -> None:
    learner_id = await merges.owner_of(conn, event.learner_id)  # a merged learner's is the survivor's
    await reminder_repository.note_participation(conn, learner_id, event.activity_id, attended_on=event.attended_on)


async def credit_claimed(conn: db.Connection, event: events.CreditClaimed) -> None:
    """The learner claimed: no reminder, and one still on its way is withdrawn."""
    learner_id = await merges.owner_of(conn, event.learner_id)
    activity_id = event.activity.activity_id
    await reminder_repository.note_participation(conn, learner_id, activity_id, claimed_at=event.claimed_at)
    reminder = await reminder_repository.reminder_of(conn, learner_id, activity_id)
    if reminder is not None:
        await repository.cancel_unsent(conn, [reminder], reason="not sent: the credit was claimed before it went out")


# --- the periodic round ------------------------------------------------------------------------------------------


async def queue_due_reminders(pool: db.Pool, *, settings: Settings, today: date | None = None) -> int:
    """Queue a reminder for every unclaimed participation whose window closes within `claim_reminder_days`; returns
    how many were queued. Safe to run from several workers at once: each one is decided again under the learner's
    lock, and the messages table holds one reminder per learner and activity."""
    today = today or utcnow().date()  # credit counts claim days in UTC
    lead = settings.claim_reminder_days
    queued = 0
    async with pool.acquire() as conn:
        for candidate in await reminder_repository.reminder_candidates(conn, today=today, lead_days=lead):
            async with conn.transaction():
                # Read again under the lock: a claim, an opt-out or a merge may have committed since the list was read.
                learner_id = await merges.owner_of(conn, candidate.learner_id)
                current = await reminder_repository.reminder_candidates(
                    conn, today=today, lead_days=lead, learner_id=learner_id, activity_id=candidate.activity_id
                )
                closes = claim_window.reminder_due(current[0], today=today, lead_days=lead) if current else None
                if closes is None:
                    continue
                planned = claim_window.plan_claim_window_closing(current[0], closes, portal_url=settings.portal_url)
                message_id = await service.queue(
                    conn,
                    planned,
                    settings=settings,
                    cause_event_id=claim_window.reminder_cause(learner_id, candidate.activity_id),
                )
                if message_id is not None:
                    await reminder_repository.mark_reminded(conn, learner_id, candidate.activity_id, message_id)
                    queued += 1
    if queued:
        log.info("queued %d claim-window reminders", queued)
    return queued


async def run_reminders(pool: db.Pool, *, settings: Settings) -> None:
    """The worker's background task: a round at start-up, then every `reminder_interval` seconds."""
    while True:
        try:
            await queue_due_reminders(pool, settings=settings)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("claim-window reminder round failed; trying again next round")
        await asyncio.sleep(settings.reminder_interval)


# --- the learner's choice ----------------------------------------------------------------------------------------


async def preferences_of(conn: db.Connection, learner_id: uuid.UUID) -> schemas.Preferences:
    """The learner's choice (a merged account's is its survivor's, which holds it now); reminders unless opted out."""
    row = await reminder_repository.get_preferences(conn, await merges.survivor_of(conn, learner_id))
    return schemas.Preferences(reminders=row["reminders"] if row else True)


async def set_preferences(
    conn: db.Connection, learner_id: uuid.UUID, request: schemas.Preferences
) -> schemas.Preferences:
    """Store the choice (for the survivor, when the account was merged); opting out also withdraws reminders that have
    not gone out yet."""
    async with conn.transaction():
        learner_id = await merges.owner_of(conn, learner_id)
        row = await reminder_repository.set_preferences(conn, learner_id, reminders=request.reminders)
        if not request.reminders:
            unsent = await reminder_repository.unsent_reminders_of(conn, learner_id)
            await repository.cancel_unsent(conn, unsent, reason="not sent: the learner opted out of reminders")
    return schemas.Preferences(reminders=row["reminders"])
