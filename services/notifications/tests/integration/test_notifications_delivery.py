"""Events applied through the kit's inbox against a real PostgreSQL, delivered by the sender to a real SMTP server."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from notifications_testing import (
    PORTAL,
    address,
    apply,
    board_status,
    board_updated,
    certificate_issued,
    messages_in_db,
    password_reset,
    profile_updated,
    registration_confirmed,
    text_and_html,
    user_registered,
    verification_requested,
    wait_until_settled,
)

from notifications import consumers
from notifications.sender import Sender
from opencme_kit.messaging import Rejected


@pytest.fixture
async def sender(pool, settings):
    """The worker's send loop, running for the test."""
    sender = Sender(pool, settings)
    task = asyncio.create_task(sender.run())
    yield sender
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def registered(pool, settings, *, first_name="Ada"):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email, first_name=first_name, verify_url=None))
    return learner, email


async def test_user_registered_sends_one_verification_email_with_its_link(pool, settings, sink, sender):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email, first_name="Ada"))

    [message] = await sink.wait_for(1, to=email)
    text, html = text_and_html(message)
    assert message["Subject"] == "Confirm your email address for Example Medical School CME"
    assert message["From"].addresses[0].addr_spec == "no-reply@cme.example.org"
    assert message["From"].addresses[0].display_name == "Example Medical School CME"
    assert message["To"].addresses[0].addr_spec == email
    assert message["Message-ID"].endswith("@cme.example.org>")
    assert message.get_content_type() == "multipart/alternative"
    assert "Hello Ada," in text and f"{PORTAL}/verify-email?token=tok123" in text
    assert f'href="{PORTAL}/verify-email?token=tok123"' in html
    await wait_until_settled(pool)
    [row] = await messages_in_db(pool, learner_id=learner)
    assert (row["kind"], row["status"], row["to_address"], row["attempts"]) == ("verify_email", "sent", email, 1)
    assert row["smtp_reply"].startswith("250") and row["sent_at"] is not None


async def test_registration_without_a_verification_link_sends_nothing(pool, settings):
    learner, _ = await registered(pool, settings)
    assert await messages_in_db(pool, learner_id=learner) == []


async def test_an_added_address_gets_its_verification_link_there_not_at_the_primary_address(
    pool, settings, sink, sender
):
    learner, primary = await registered(pool, settings, first_name="Grace")
    added = address()
    await apply(pool, settings, verification_requested(learner, added, token="added1"))

    [message] = await sink.wait_for(1, to=added)
    text, html = text_and_html(message)
    assert message["Subject"] == "Confirm your email address for Example Medical School CME"
    assert "Hello Grace," in text and f"Please confirm that {added} is your email address" in text
    assert f'href="{PORTAL}/verify-email?token=added1"' in html
    await wait_until_settled(pool)
    [row] = await messages_in_db(pool, learner_id=learner)
    assert (row["kind"], row["status"], row["to_address"]) == ("verify_email", "sent", added)
    assert sink.messages(to=primary) == []


async def test_a_verification_link_that_expired_before_it_could_go_out_is_not_sent(pool, settings, sink):
    learner, _ = await registered(pool, settings)
    added = address()
    await apply(pool, settings, verification_requested(learner, added, expires_in=timedelta(seconds=-1)))
    [row] = await messages_in_db(pool, learner_id=learner)
    assert row["status"] == "failed" and "expired" in row["last_error"]
    assert sink.messages(to=added) == []


async def test_password_reset_link_greets_the_learner_and_states_the_expiry(pool, settings, sink, sender):
    learner, email = await registered(pool, settings)
    await apply(pool, settings, password_reset(email, user_id=learner))

    [message] = await sink.wait_for(1, to=email)
    text, html = text_and_html(message)
    assert message["Subject"] == "Reset your Example Medical School CME password"
    assert "Hello Ada," in text and "expires in 30 minutes" in text
    assert f'href="{PORTAL}/reset-password?token=r1"' in html
    await wait_until_settled(pool)
    [row] = await messages_in_db(pool, kind="password_reset", learner_id=learner)
    # Sent, the log keeps that it was, but not the link that works like a password until it expires.
    assert row["status"] == "sent" and row["subject"] and row["content"] is None
    assert "reset_url" not in row["facts"] and "token=r1" not in str(dict(row))


async def test_password_reset_for_an_unknown_learner_still_goes_out_with_a_plain_greeting(pool, settings, sink, sender):
    email = address()
    await apply(pool, settings, password_reset(email, user_id=uuid.uuid4()))
    [message] = await sink.wait_for(1, to=email)
    assert text_and_html(message)[0].startswith("Hello,")


async def test_reset_for_an_address_without_account_uses_the_faq_wording(pool, settings, sink, sender):
    email = address()
    await apply(pool, settings, password_reset(email))

    [message] = await sink.wait_for(1, to=email)
    text, _ = text_and_html(message)
    assert "Sorry, but a password could not be found for the email you entered" in text
    assert email in text and "cme-support@example.org" in text
    await wait_until_settled(pool)
    [row] = await messages_in_db(pool, to_address=email)
    assert row["kind"] == "password_reset_no_account" and row["learner_id"] is None


async def test_an_expired_reset_link_is_never_sent(pool, settings, sink):
    learner, email = await registered(pool, settings)
    await apply(pool, settings, password_reset(email, user_id=learner, expires_in=timedelta(minutes=-1)))
    # And one that expires while it waits in the queue.
    await apply(pool, settings, password_reset(email, user_id=learner))
    async with pool.acquire() as conn:
        await conn.execute("UPDATE messages SET expires_at = now() - interval '1 second' WHERE status = 'queued'")
    outcome = await Sender(pool, settings).deliver_due()

    assert (outcome.claimed, outcome.failed, outcome.sent) == (1, 1, 0)
    rows = await messages_in_db(pool, learner_id=learner)
    assert [(r["status"], r["attempts"]) for r in rows] == [("failed", 0), ("failed", 0)]
    assert all("expired" in r["last_error"] for r in rows)
    assert sink.messages(to=email) == []


async def test_certificate_email_links_the_certificate_and_attaches_nothing(pool, settings, sink, sender):
    learner, email = await registered(pool, settings)
    event = certificate_issued(learner, title="Grand Rounds: Sepsis")
    await apply(pool, settings, event)

    [message] = await sink.wait_for(1, to=email)
    text, html = text_and_html(message)
    url = f"{PORTAL}/certificates/{event.data.certificate_id}"
    assert message["Subject"] == "Your certificate for Grand Rounds: Sepsis"
    assert url in text and f'href="{url}"' in html and "C-2026-000123" in text
    assert list(message.iter_attachments()) == []


async def test_live_course_registration_confirms_with_a_calendar_file_in_local_time(pool, settings, sink, sender):
    learner, _ = await registered(pool, settings)
    email = address()  # registrations may use another address of the learner's
    await apply(pool, settings, registration_confirmed(learner, email))

    [message] = await sink.wait_for(1, to=email)
    text, _ = text_and_html(message)
    assert message["Subject"] == "Registration confirmed: Cardiology Review Course (R-1001)"
    assert "Friday, May 1, 2026, 8:00 AM - Saturday, May 2, 2026, 5:30 PM EDT" in text
    assert "$450.00" in text and "Physician" in text and "Paid" in text and "Hello Ada," in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    [event] = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 5, 2, 21, 30, tzinfo=UTC)
    assert str(event["LOCATION"]) == "Hotel Commonwealth, Boston"


async def test_registration_for_an_online_activity_has_no_calendar_file(pool, settings, sink, sender):
    learner, email = await registered(pool, settings)
    await apply(
        pool,
        settings,
        registration_confirmed(learner, email, format="enduring", starts_at=None, ends_at=None, fee_cents=0),
    )
    [message] = await sink.wait_for(1, to=email)
    text, _ = text_and_html(message)
    assert list(message.iter_attachments()) == []
    assert "Self-paced" in text and "Online" in text and "No fee" in text


async def test_a_held_report_asks_the_learner_to_fix_the_profile_naming_the_board_and_activity(
    pool, settings, sink, sender
):
    learner, email = await registered(pool, settings)
    claim = uuid.uuid4()
    await apply(pool, settings, certificate_issued(learner, title="Sepsis Update", claim_id=claim))
    await apply(
        pool, settings, board_status(learner, status="held", reason="your ABIM board ID is missing", claim_id=claim)
    )

    [_, message] = await sink.wait_for(2, to=email)
    text, html = text_and_html(message)
    assert message["Subject"] == "Action needed: your American Board of Internal Medicine report for Sepsis Update"
    assert "your ABIM board ID is missing" in text and f'href="{PORTAL}/profile"' in html


async def test_a_rejected_report_without_title_or_reason_still_says_what_to_do(pool, settings, sink, sender):
    learner, email = await registered(pool, settings)
    await apply(pool, settings, board_status(learner, status="rejected", board="ABP"))

    [message] = await sink.wait_for(1, to=email)
    text, _ = text_and_html(message)
    assert "American Board of Pediatrics" in message["Subject"]
    assert "an activity you claimed credit for" in text and "did not accept the report" in text


async def test_self_report_tells_an_abs_diplomate_how_to_report_on_the_abs_website(pool, settings, sink, sender):
    learner, email = await registered(pool, settings)
    claim = uuid.uuid4()
    certificate = certificate_issued(learner, title="Trauma Update", claim_id=claim)
    await apply(pool, settings, certificate)
    await apply(pool, settings, board_status(learner, status="self_report", board="ABS", claim_id=claim))

    [_, message] = await sink.wait_for(2, to=email)
    text, _ = text_and_html(message)
    assert message["Subject"] == "How to report Trauma Update to American Board of Surgery"
    assert "self-report" in text and "absurgery.org" in text and "CME reporting page" in text
    assert f"{PORTAL}/certificates/{certificate.data.certificate_id}" in text


async def test_a_board_the_registry_announced_is_named_and_its_own_instructions_given(pool, settings, sink, sender):
    learner, email = await registered(pool, settings)
    code = f"ABX{uuid.uuid4().hex[:6].upper()}"
    await apply(pool, settings, board_updated(code, "American Board of Old Names", instructions="Old steps."))
    newest = board_updated(code, "American Board of Examples", instructions="Report it on www.abex.example.")
    older = board_updated(code, "Stale Name", instructions="Stale steps.", at=datetime.now(UTC) - timedelta(days=1))
    await apply(pool, settings, newest)
    await apply(pool, settings, older)  # an older announcement arriving late changes nothing

    await apply(pool, settings, board_status(learner, status="self_report", board=code.lower()))

    [message] = await sink.wait_for(1, to=email)
    text, _ = text_and_html(message)
    assert message["Subject"] == "How to report an activity you claimed credit for to American Board of Examples"
    assert "Report it on www.abex.example." in text and "Stale steps" not in text


@pytest.mark.parametrize("status", ["queued", "submitted", "accepted", "failed"])
async def test_other_board_report_statuses_send_nothing(pool, settings, status):
    learner, _ = await registered(pool, settings)
    await apply(pool, settings, board_status(learner, status=status))
    assert await messages_in_db(pool, learner_id=learner) == []


async def test_the_same_event_handled_twice_sends_one_email(pool, settings, sink, sender):
    learner, email = await registered(pool, settings)
    event = certificate_issued(learner)
    await apply(pool, settings, event)
    await apply(pool, settings, event)  # redelivered: the inbox has it
    # Even past the inbox (say a renamed handler), the message is unique per causing event and kind.
    async with pool.acquire() as conn, conn.transaction():
        await consumers.on_certificate_issued(conn, event, settings)

    await sink.wait_for(1, to=email)
    await asyncio.sleep(0.5)
    assert len(sink.messages(to=email)) == 1
    assert len(await messages_in_db(pool, learner_id=learner)) == 1


async def test_certificate_before_registration_waits_then_goes_out_once_to_the_primary_email(
    pool, settings, sink, sender
):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, certificate_issued(learner, title="Early Bird"))
    [waiting] = await messages_in_db(pool, learner_id=learner)
    assert (waiting["status"], waiting["to_address"], waiting["subject"]) == ("waiting_for_recipient", None, None)
    await asyncio.sleep(0.5)
    assert sink.messages() == []

    await apply(pool, settings, user_registered(learner, email, first_name="Grace", verify_url=None))

    [message] = await sink.wait_for(1, to=email)
    assert message["Subject"] == "Your certificate for Early Bird"
    assert "Hello Grace," in text_and_html(message)[0]
    await wait_until_settled(pool)
    [sent] = await messages_in_db(pool, learner_id=learner)
    assert (sent["id"], sent["status"], sent["to_address"]) == (waiting["id"], "sent", email)


async def test_a_profile_update_also_releases_waiting_messages(pool, settings, sink, sender):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, board_status(learner, status="held"))
    await apply(pool, settings, profile_updated(learner, email, version=2))
    await sink.wait_for(1, to=email)


async def test_an_older_profile_version_never_replaces_a_newer_address(pool, settings, sink, sender):
    learner, old, new = uuid.uuid4(), address(), address()
    await apply(pool, settings, profile_updated(learner, new, first_name="Newer", version=3))
    await apply(pool, settings, user_registered(learner, old, first_name="Older", version=1, verify_url=None))
    await apply(pool, settings, certificate_issued(learner))

    [message] = await sink.wait_for(1, to=new)
    assert "Hello Newer," in text_and_html(message)[0]
    assert sink.messages(to=old) == []


async def test_an_event_that_cannot_make_a_correct_email_is_rejected_and_changes_nothing(pool, settings):
    learner = uuid.uuid4()
    with pytest.raises(Rejected, match="verify_url"):
        await apply(pool, settings, user_registered(learner, address(), verify_url="javascript:alert(1)"))
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM recipients WHERE learner_id = $1", learner) == 0
        assert await conn.fetchval("SELECT count(*) FROM inbox") == 0
