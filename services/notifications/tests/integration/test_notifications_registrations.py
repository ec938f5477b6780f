"""Registration confirmations and cancellations, applied through the kit's inbox against a real PostgreSQL and
delivered to a real SMTP server."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from icalendar import Calendar
from notifications_testing import (
    activity_cancelled,
    address,
    apply,
    messages_in_db,
    registration_cancelled,
    registration_confirmed,
    text_and_html,
    user_registered,
    wait_until_settled,
)

from notifications import consumers
from notifications.sender import Sender


@pytest.fixture
async def sender(pool, settings):
    sender = Sender(pool, settings)
    task = asyncio.create_task(sender.run())
    yield sender
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def registered(pool, settings):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email, first_name="Ada", verify_url=None))
    return learner, email


def calendar_event(message):
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    return calendar, event


async def test_a_cancellation_sends_one_notice_restating_the_receipt_with_an_ics_that_cancels_the_event(
    pool, settings, sink, sender
):
    learner, _ = await registered(pool, settings)
    email = address()  # the address the learner registered with
    confirmed = registration_confirmed(learner, email, number="R-2002")
    await apply(pool, settings, confirmed)
    [confirmation] = await sink.wait_for(1, to=email)

    cancelled = registration_cancelled(confirmed, cancelled_at=datetime(2026, 4, 21, 2, 0, tzinfo=UTC))
    await apply(pool, settings, cancelled)
    await apply(pool, settings, cancelled)  # redelivered
    await apply(pool, settings, registration_cancelled(confirmed))  # catalog said it again, as a new event
    async with pool.acquire() as conn, conn.transaction():  # even past the inbox
        await consumers.on_registration_cancelled(conn, cancelled, settings)

    [_, notice] = await sink.wait_for(2, to=email)
    await wait_until_settled(pool)
    await asyncio.sleep(0.5)
    assert len(sink.messages(to=email)) == 2
    assert notice["Subject"] == "Registration cancelled: Cardiology Review Course (R-2002)"
    assert notice["To"].addresses[0].addr_spec == email and notice["Message-ID"].endswith("@cme.example.org>")
    assert notice.get_content_type() == "multipart/mixed"
    text, html = text_and_html(notice)
    assert "Hello Ada," in text and "has been cancelled" in text
    assert "Monday, April 20, 2026" in text  # 02:00 UTC is the evening before in New York
    assert "Friday, May 1, 2026, 8:00 AM - Saturday, May 2, 2026, 5:30 PM EDT" in text
    assert "$450.00" in html and "Hotel Commonwealth, Boston" in html and "cme-support@example.org" in html
    _, original = calendar_event(confirmation)
    calendar, event = calendar_event(notice)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(original["UID"]) and event.decoded("SEQUENCE") == 1
    rows = await messages_in_db(pool, to_address=email)
    assert [(r["kind"], r["status"]) for r in rows] == [
        ("registration_confirmed", "sent"),
        ("registration_cancelled", "sent"),
    ]


async def test_a_cancellation_that_overtakes_its_confirmation_sends_only_the_notice(pool, settings, sink, sender):
    learner, email = await registered(pool, settings)
    confirmed = registration_confirmed(learner, email)
    await apply(pool, settings, registration_cancelled(confirmed))
    assert await messages_in_db(pool, learner_id=learner) == []  # nothing to say it with yet

    await apply(pool, settings, confirmed)

    [notice] = await sink.wait_for(1, to=email)
    assert notice["Subject"].startswith("Registration cancelled: Cardiology Review Course")
    await wait_until_settled(pool)
    await asyncio.sleep(0.3)
    assert len(sink.messages(to=email)) == 1
    assert [r["kind"] for r in await messages_in_db(pool, learner_id=learner)] == ["registration_cancelled"]


async def test_a_confirmation_still_queued_when_the_registration_is_cancelled_is_withdrawn(pool, settings, sink):
    learner, email = await registered(pool, settings)
    confirmed = registration_confirmed(learner, email)
    await apply(pool, settings, confirmed)  # no sender running: it stays queued (say the mail server is down)
    await apply(pool, settings, registration_cancelled(confirmed))

    await Sender(pool, settings).deliver_due()
    [notice] = sink.messages(to=email)
    assert notice["Subject"].startswith("Registration cancelled")
    rows = {r["kind"]: r for r in await messages_in_db(pool, learner_id=learner)}
    assert rows["registration_confirmed"]["status"] == "cancelled"
    assert "registration was cancelled" in rows["registration_confirmed"]["last_error"]
    assert rows["registration_cancelled"]["status"] == "sent"


async def test_an_online_registration_is_cancelled_without_a_calendar_file(pool, settings, sink, sender):
    learner, email = await registered(pool, settings)
    confirmed = registration_confirmed(learner, email, format="enduring", starts_at=None, ends_at=None, fee_cents=0)
    await apply(pool, settings, confirmed)
    await sink.wait_for(1, to=email)  # sent, so the cancellation does not withdraw it while still queued
    await apply(pool, settings, registration_cancelled(confirmed))
    [_, notice] = await sink.wait_for(2, to=email)
    assert list(notice.iter_attachments()) == [] and notice.get_content_type() == "multipart/alternative"
    assert "Self-paced" in text_and_html(notice)[0]


async def two_confirmed(pool, settings, sink, *numbers: str) -> list[tuple[Any, str]]:
    """A learner per registration number, each registered for the same live course, their confirmations received."""
    confirmed: list[tuple[Any, str]] = []
    for number in numbers:
        learner, email = await registered(pool, settings)
        same = {"activity_id": confirmed[0][0].data.activity.activity_id} if confirmed else {}
        confirmed.append((registration_confirmed(learner, email, number=number, **same), email))
        await apply(pool, settings, confirmed[-1][0])
        await sink.wait_for(1, to=email)
    return confirmed


async def test_an_activity_cancellation_tells_every_registrant_why_once_with_a_calendar_cancel(
    pool, settings, sink, sender
):
    (first, ada_email), (second, bob_email) = await two_confirmed(pool, settings, sink, "R-3001", "R-3002")

    cancelled = activity_cancelled(first, second, reason="The course director is ill; a new date will follow.")
    await apply(pool, settings, cancelled)
    await apply(pool, settings, cancelled)  # redelivered

    [_, notice] = await sink.wait_for(2, to=ada_email)
    [_, other] = await sink.wait_for(2, to=bob_email)
    await wait_until_settled(pool)
    await asyncio.sleep(0.3)
    assert len(sink.messages(to=ada_email)) == 2 and len(sink.messages(to=bob_email)) == 2
    assert notice["Subject"] == "Cancelled: Cardiology Review Course (R-3001)"
    assert other["Subject"] == "Cancelled: Cardiology Review Course (R-3002)"
    text, html = text_and_html(notice)
    assert "Hello Ada," in text and "has been cancelled" in text
    assert "The course director is ill; a new date will follow." in text and "a new date will follow" in html
    calendar, event = calendar_event(notice)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    rows = await messages_in_db(pool, to_address=ada_email)
    assert [r["kind"] for r in rows] == ["registration_confirmed", "activity_cancelled"]


async def test_a_cancellation_announced_in_parts_tells_each_registrant_once(pool, settings, sink, sender):
    (first, ada_email), (second, bob_email) = await two_confirmed(pool, settings, sink, "R-3101", "R-3102")
    cancelled_at = datetime.now(UTC)

    one = activity_cancelled(first, reason="Storm.", cancelled_at=cancelled_at, part=1, parts=2)
    two = activity_cancelled(second, reason="Storm.", cancelled_at=cancelled_at, part=2, parts=2)
    for envelope in (one, two, one):  # the first part redelivered after the second
        await apply(pool, settings, envelope)

    [_, notice] = await sink.wait_for(2, to=ada_email)
    [_, other] = await sink.wait_for(2, to=bob_email)
    await wait_until_settled(pool)
    await asyncio.sleep(0.3)
    assert len(sink.messages(to=ada_email)) == 2 and len(sink.messages(to=bob_email)) == 2
    assert "Storm." in text_and_html(notice)[0] and "Storm." in text_and_html(other)[0]


async def test_an_activity_cancellation_that_overtakes_the_confirmation_sends_only_its_notice(
    pool, settings, sink, sender
):
    learner, email = await registered(pool, settings)
    confirmed = registration_confirmed(learner, email)
    await apply(pool, settings, activity_cancelled(confirmed, reason="Too few registrations."))

    await apply(pool, settings, confirmed)

    [notice] = await sink.wait_for(1, to=email)
    assert notice["Subject"].startswith("Cancelled: Cardiology Review Course")
    assert "Too few registrations." in text_and_html(notice)[0]
    await wait_until_settled(pool)
    assert [r["kind"] for r in await messages_in_db(pool, learner_id=learner)] == ["activity_cancelled"]
