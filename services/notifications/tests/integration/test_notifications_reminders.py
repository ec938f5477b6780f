"""Claim-window reminders from the projection of catalog and credit events, against a real PostgreSQL and a real SMTP
server. Rounds are run with a chosen `today`, as the worker's loop runs them with the real one."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from notifications_testing import (
    PORTAL,
    activity_published,
    address,
    apply,
    attendance_recorded,
    credit_claimed,
    messages_in_db,
    registration_cancelled,
    registration_confirmed,
    text_and_html,
    user_registered,
)

from notifications import reminders, schemas
from notifications.sender import Sender
from notifications.wording import format_day

# Real dates: a reminder is not sent once its window has closed, by the clock.
TODAY = datetime.now(UTC).date()
ATTENDED = TODAY - timedelta(days=26)  # with a 30-day window, the last day to claim is in 4 days
CLOSES = TODAY + timedelta(days=4)


async def learner_at(pool, settings, *, attended_on=ATTENDED, claim_window_days=30, first_name="Ada"):
    """A registered learner who attended a grand-rounds session (the window closes on CLOSES by default)."""
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email, first_name=first_name, verify_url=None))
    published = activity_published(title="Sepsis Grand Rounds", claim_window_days=claim_window_days)
    await apply(pool, settings, published)
    activity = published.data.activity.activity_id
    await apply(pool, settings, attendance_recorded(learner, activity, attended_on))
    return learner, email, activity


async def send(pool, settings):
    await Sender(pool, settings).deliver_due()


async def test_an_attended_unclaimed_session_gets_one_reminder_naming_the_last_day_and_the_claim_page(
    pool, settings, sink
):
    closes = TODAY + timedelta(days=8)
    learner, email, activity = await learner_at(pool, settings, attended_on=closes - timedelta(days=30))

    def on(days):
        return reminders.queue_due_reminders(pool, settings=settings, today=TODAY + timedelta(days=days))

    assert await on(0) == 0  # 8 days left; the lead is 7
    assert await on(1) == 1
    assert await on(2) == 0
    assert await on(8) == 0
    await send(pool, settings)

    [message] = sink.messages(to=email)
    text, html = text_and_html(message)
    # .strip(): a subject that fits a line only without "Subject: " is folded right after the colon, and Python's
    # parser keeps the folding white space that mail clients drop.
    assert message["Subject"].strip() == f"Claim your credit for Sepsis Grand Rounds by {format_day(closes)}"
    assert message["From"].addresses[0].display_name == "Example Medical School CME"
    assert message.get_content_type() == "multipart/alternative"
    assert "Hello Ada," in text and f"{format_day(closes)} is the last day" in text
    claim_page = f"{PORTAL}/activities/{activity}/claim"
    assert claim_page in text and f'href="{claim_page}"' in html
    assert f'href="{PORTAL}/preferences"' in html
    assert "Boston, MA 02115" in text and "cme-support@example.org" in html
    [row] = await messages_in_db(pool, learner_id=learner)
    assert (row["kind"], row["status"], row["to_address"]) == ("claim_window_closing", "sent", email)
    assert row["expires_at"] == datetime.combine(closes + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


async def test_two_rounds_at_once_queue_one_reminder(pool, settings):
    learner, _, _ = await learner_at(pool, settings)
    counts = await asyncio.gather(
        *(reminders.queue_due_reminders(pool, settings=settings, today=TODAY) for _ in range(3))
    )
    assert sum(counts) == 1
    assert len(await messages_in_db(pool, learner_id=learner)) == 1


async def test_a_learner_who_claimed_gets_no_reminder(pool, settings):
    learner, _, activity = await learner_at(pool, settings)
    await apply(pool, settings, credit_claimed(learner, activity))
    assert await reminders.queue_due_reminders(pool, settings=settings, today=TODAY) == 0
    assert await messages_in_db(pool, learner_id=learner) == []


async def test_claiming_before_a_queued_reminder_went_out_withdraws_it(pool, settings, sink):
    learner, email, activity = await learner_at(pool, settings)
    await reminders.queue_due_reminders(pool, settings=settings, today=TODAY)
    await apply(pool, settings, credit_claimed(learner, activity))
    await send(pool, settings)

    assert sink.messages(to=email) == []
    [row] = await messages_in_db(pool, learner_id=learner)
    assert row["status"] == "cancelled" and "credit was claimed" in row["last_error"]


async def test_an_opted_out_learner_gets_no_reminder_but_transactional_mail_still_goes(pool, settings, sink):
    learner, email, _activity = await learner_at(pool, settings)
    async with pool.acquire() as conn:
        await reminders.set_preferences(conn, learner, schemas.Preferences(reminders=False))

    assert await reminders.queue_due_reminders(pool, settings=settings, today=TODAY) == 0
    confirmed = registration_confirmed(learner, email)
    await apply(pool, settings, confirmed)
    await send(pool, settings)
    assert [m["Subject"] for m in sink.messages(to=email)] == [
        "Registration confirmed: Cardiology Review Course (R-1001)"
    ]

    # Opting in again while the window is still open brings the reminder back.
    async with pool.acquire() as conn:
        await reminders.set_preferences(conn, learner, schemas.Preferences(reminders=True))
    assert await reminders.queue_due_reminders(pool, settings=settings, today=TODAY) == 1


async def test_opting_out_withdraws_a_reminder_not_yet_sent(pool, settings, sink):
    learner, email, _ = await learner_at(pool, settings)
    await reminders.queue_due_reminders(pool, settings=settings, today=TODAY)
    async with pool.acquire() as conn:
        await reminders.set_preferences(conn, learner, schemas.Preferences(reminders=False))
    await send(pool, settings)

    assert sink.messages(to=email) == []
    [row] = await messages_in_db(pool, learner_id=learner)
    assert row["status"] == "cancelled" and "opted out" in row["last_error"]


async def test_a_registered_live_course_is_reminded_from_its_last_day_and_a_cancelled_one_is_not(pool, settings, sink):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email, verify_url=None))
    ends = datetime.combine(TODAY - timedelta(days=25), datetime.min.time(), tzinfo=UTC) + timedelta(hours=21)
    course, other = (
        activity_published(format="live_course", title="Cardiology Review Course", ends_at=ends),
        activity_published(format="live_course", title="Other Course", ends_at=ends),
    )
    for published in (course, other):
        await apply(pool, settings, published)
    await apply(pool, settings, registration_confirmed(learner, email, activity_id=course.data.activity.activity_id))
    dropped = registration_confirmed(learner, email, activity_id=other.data.activity.activity_id, number="R-1002")
    await apply(pool, settings, dropped)
    await apply(pool, settings, registration_cancelled(dropped))

    assert await reminders.queue_due_reminders(pool, settings=settings, today=TODAY) == 1
    await send(pool, settings)
    reminders_sent = [m for m in sink.messages(to=email) if "Claim your credit" in m["Subject"]]
    last_day = format_day(ends.date() + timedelta(days=30))  # 30 days from the course's last day
    assert [m["Subject"].strip() for m in reminders_sent] == [
        f"Claim your credit for Cardiology Review Course by {last_day}"
    ]


async def test_the_newest_publication_sets_the_window_whatever_the_order(pool, settings):
    _learner, _, activity = await learner_at(pool, settings, claim_window_days=30)
    older = activity_published(
        activity_id=activity, claim_window_days=90, published_at=datetime.now(UTC) - timedelta(days=1)
    )
    await apply(pool, settings, older)  # arrives late: ignored
    assert await reminders.queue_due_reminders(pool, settings=settings, today=TODAY) == 1
    newer = activity_published(activity_id=activity, title="Sepsis Grand Rounds (renamed)", claim_window_days=90)
    learner2 = uuid.uuid4()
    await apply(pool, settings, newer)
    await apply(pool, settings, attendance_recorded(learner2, activity, ATTENDED))
    # 90 days from the session: far from closing.
    assert await reminders.queue_due_reminders(pool, settings=settings, today=TODAY) == 0


async def test_a_reminder_for_a_learner_whose_address_is_unknown_waits_and_is_not_sent_after_the_window(
    pool, settings, sink
):
    learner, activity = uuid.uuid4(), uuid.uuid4()
    await apply(pool, settings, activity_published(activity_id=activity))
    await apply(pool, settings, attendance_recorded(learner, activity, ATTENDED))
    assert await reminders.queue_due_reminders(pool, settings=settings, today=TODAY) == 1
    [waiting] = await messages_in_db(pool, learner_id=learner)
    assert waiting["status"] == "waiting_for_recipient"

    # The address arrives only after the last day (as if): the reminder would be wrong now.
    await apply(pool, settings, user_registered(learner, address(), verify_url=None))
    async with pool.acquire() as conn:
        await conn.execute("UPDATE messages SET expires_at = now() - interval '1 second' WHERE id = $1", waiting["id"])
    await send(pool, settings)
    assert sink.messages() == []
    [row] = await messages_in_db(pool, learner_id=learner)
    assert row["status"] == "failed" and "expired" in row["last_error"]


@pytest.mark.parametrize("attended_on", [TODAY - timedelta(days=2), TODAY + timedelta(days=1)])
async def test_no_reminder_when_the_window_has_closed_or_the_session_is_still_ahead(pool, settings, attended_on):
    learner, _, _ = await learner_at(pool, settings, attended_on=attended_on, claim_window_days=1)
    assert await reminders.queue_due_reminders(pool, settings=settings, today=TODAY) == 0
    assert await messages_in_db(pool, learner_id=learner) == []
