"""account.merged applied through the kit's inbox against a real PostgreSQL: the merged learner's log, registrations,
claim-window reminders and preferences move to the survivor, and events about the merged learner that arrive later
land on the survivor."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from notifications_testing import (
    account_merged,
    activity_published,
    address,
    apply,
    attendance_recorded,
    certificate_issued,
    credit_claimed,
    messages_in_db,
    registration_cancelled,
    registration_confirmed,
    user_registered,
)

from notifications import message_log, reminders, schemas
from notifications.sender import Sender
from opencme_kit.messaging import Rejected

TODAY = datetime.now(UTC).date()
ATTENDED = TODAY - timedelta(days=26)  # with a 30-day window the last day to claim is in 4 days: a reminder is due


async def registered(pool, settings, *, first_name="Ada"):
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email, first_name=first_name, verify_url=None))
    return learner, email


async def grand_rounds(pool, settings):
    published = activity_published(title="Sepsis Grand Rounds", claim_window_days=30)
    await apply(pool, settings, published)
    return published.data.activity.activity_id


async def rows(pool, query, *args):
    async with pool.acquire() as conn:
        return await conn.fetch(query, *args)


async def participations(pool, learner):
    return await rows(pool, "SELECT * FROM participations WHERE learner_id = $1 ORDER BY activity_id", learner)


async def takes_reminders(pool, learner):
    async with pool.acquire() as conn:
        return (await reminders.preferences_of(conn, learner)).reminders


async def opt_out(pool, learner):
    async with pool.acquire() as conn:
        await reminders.set_preferences(conn, learner, schemas.Preferences(reminders=False))


async def test_the_merged_learners_log_and_registrations_move_and_sent_mail_is_not_sent_again(pool, settings, sink):
    survivor, survivor_email = await registered(pool, settings)
    merged, merged_email = await registered(pool, settings)
    confirmed = registration_confirmed(merged, merged_email)
    await apply(pool, settings, confirmed)
    await apply(pool, settings, certificate_issued(merged, title="Sepsis Grand Rounds"))
    await Sender(pool, settings).deliver_due()
    assert len(sink.messages(to=merged_email)) == 2

    await apply(pool, settings, account_merged(merged, into=survivor))
    await Sender(pool, settings).deliver_due()

    assert await messages_in_db(pool, learner_id=merged) == []
    moved = await messages_in_db(pool, learner_id=survivor)
    assert sorted((r["kind"], r["status"], r["to_address"]) for r in moved) == [
        ("certificate_issued", "sent", merged_email),
        ("registration_confirmed", "sent", merged_email),
    ]
    assert len(sink.messages(to=merged_email)) == 2 and sink.messages(to=survivor_email) == []
    async with pool.acquire() as conn:  # support looking up the merged account sees the log where it lives now
        logged = await message_log.messages_of(conn, learner_id=merged)
    assert sorted(m.kind for m in logged) == ["certificate_issued", "registration_confirmed"]
    [registration] = await rows(
        pool, "SELECT learner_id FROM registrations WHERE registration_id = $1", confirmed.data.registration_id
    )
    assert registration["learner_id"] == survivor
    assert [p["activity_id"] for p in await participations(pool, survivor)] == [confirmed.data.activity.activity_id]
    assert await participations(pool, merged) == []
    # The merged account's recipient row is its last known name and address; it is not the survivor's.
    [recipient] = await rows(pool, "SELECT email FROM recipients WHERE learner_id = $1", merged)
    assert recipient["email"] == merged_email


async def test_mail_parked_for_the_merged_learner_goes_to_the_survivors_address(pool, settings):
    survivor, survivor_email = await registered(pool, settings)
    merged = uuid.uuid4()  # identity's user.registered for it never reached us
    await apply(pool, settings, certificate_issued(merged, title="Sepsis Grand Rounds"))
    [parked] = await messages_in_db(pool, learner_id=merged)
    assert parked["status"] == "waiting_for_recipient"

    await apply(pool, settings, account_merged(merged, into=survivor))

    [released] = await messages_in_db(pool, learner_id=survivor)
    assert (released["id"], released["status"], released["to_address"]) == (parked["id"], "queued", survivor_email)


async def test_when_both_accounts_hold_a_reminder_for_one_activity_the_learner_gets_one(pool, settings):
    survivor, _ = await registered(pool, settings)
    merged, _ = await registered(pool, settings)
    activity = await grand_rounds(pool, settings)
    await apply(pool, settings, attendance_recorded(survivor, activity, ATTENDED - timedelta(days=1)))
    await apply(pool, settings, attendance_recorded(merged, activity, ATTENDED))
    assert await reminders.queue_due_reminders(pool, settings=settings) == 2

    await apply(pool, settings, account_merged(merged, into=survivor))

    [reminder] = [
        r
        for r in await messages_in_db(pool, learner_id=survivor, kind="claim_window_closing")
        if r["status"] == "queued"
    ]
    withdrawn = [r for r in await messages_in_db(pool, learner_id=survivor) if r["status"] == "cancelled"]
    assert [r["last_error"] for r in withdrawn] == [
        "not sent: the learner's merged account already has a reminder for this activity"
    ]
    [participation] = await participations(pool, survivor)
    assert (participation["reminder_message_id"], participation["attended_on"]) == (reminder["id"], ATTENDED)
    assert await participations(pool, merged) == []
    assert await reminders.queue_due_reminders(pool, settings=settings) == 0


async def test_a_reminder_that_went_out_from_the_merged_account_is_the_one_kept(pool, settings, sink):
    survivor, survivor_email = await registered(pool, settings)
    merged, merged_email = await registered(pool, settings)
    activity = await grand_rounds(pool, settings)
    await apply(pool, settings, attendance_recorded(merged, activity, ATTENDED))
    assert await reminders.queue_due_reminders(pool, settings=settings) == 1
    await Sender(pool, settings).deliver_due()
    await apply(pool, settings, attendance_recorded(survivor, activity, ATTENDED))
    assert await reminders.queue_due_reminders(pool, settings=settings) == 1

    await apply(pool, settings, account_merged(merged, into=survivor))
    await Sender(pool, settings).deliver_due()

    statuses = sorted(r["status"] for r in await messages_in_db(pool, learner_id=survivor))
    assert statuses == ["cancelled", "sent"]
    assert len(sink.messages(to=merged_email)) == 1 and sink.messages(to=survivor_email) == []


async def test_a_claim_on_either_account_withdraws_the_reminder_the_other_holds(pool, settings):
    survivor, _ = await registered(pool, settings)
    merged, _ = await registered(pool, settings)
    activity = await grand_rounds(pool, settings)
    await apply(pool, settings, attendance_recorded(survivor, activity, ATTENDED))
    assert await reminders.queue_due_reminders(pool, settings=settings) == 1
    await apply(pool, settings, credit_claimed(merged, activity))

    await apply(pool, settings, account_merged(merged, into=survivor))

    [reminder] = await messages_in_db(pool, learner_id=survivor, kind="claim_window_closing")
    assert (reminder["status"], reminder["last_error"]) == (
        "cancelled",
        "not sent: the credit was claimed before it went out",
    )
    [participation] = await participations(pool, survivor)
    assert participation["claimed_at"] is not None


async def test_an_opt_out_on_the_merged_account_keeps_the_survivor_opted_out(pool, settings):
    survivor, _ = await registered(pool, settings)
    merged, _ = await registered(pool, settings)
    activity = await grand_rounds(pool, settings)
    await apply(pool, settings, attendance_recorded(survivor, activity, ATTENDED))
    assert await reminders.queue_due_reminders(pool, settings=settings) == 1
    await opt_out(pool, merged)

    await apply(pool, settings, account_merged(merged, into=survivor))

    assert await takes_reminders(pool, survivor) is False
    [reminder] = await messages_in_db(pool, learner_id=survivor, kind="claim_window_closing")
    assert (reminder["status"], reminder["last_error"]) == ("cancelled", "not sent: the learner opted out of reminders")
    assert await rows(pool, "SELECT * FROM preferences WHERE learner_id = $1", merged) == []


async def test_a_survivor_who_opted_out_gets_none_of_the_merged_accounts_reminders(pool, settings):
    survivor, _ = await registered(pool, settings)
    merged, _ = await registered(pool, settings)
    activity = await grand_rounds(pool, settings)
    await apply(pool, settings, attendance_recorded(merged, activity, ATTENDED))
    assert await reminders.queue_due_reminders(pool, settings=settings) == 1
    await opt_out(pool, survivor)

    await apply(pool, settings, account_merged(merged, into=survivor))

    assert await takes_reminders(pool, survivor) is False
    [reminder] = await messages_in_db(pool, learner_id=survivor, kind="claim_window_closing")
    assert reminder["status"] == "cancelled"
    assert await reminders.queue_due_reminders(pool, settings=settings) == 0


async def test_a_late_certificate_for_the_merged_learner_emails_the_survivors_primary_address(pool, settings, sink):
    survivor, survivor_email = await registered(pool, settings, first_name="Grace")
    merged, merged_email = await registered(pool, settings)
    await apply(pool, settings, account_merged(merged, into=survivor))

    await apply(pool, settings, certificate_issued(merged, title="Sepsis Grand Rounds"))
    await Sender(pool, settings).deliver_due()

    [message] = sink.messages(to=survivor_email)
    assert message["Subject"] == "Your certificate for Sepsis Grand Rounds"
    assert sink.messages(to=merged_email) == []
    [row] = await messages_in_db(pool, learner_id=survivor)
    assert (row["kind"], row["status"]) == ("certificate_issued", "sent")
    assert await messages_in_db(pool, learner_id=merged) == []


async def test_late_registration_and_attendance_of_the_merged_learner_land_on_the_survivor(pool, settings):
    survivor, _ = await registered(pool, settings)
    merged, merged_email = await registered(pool, settings)
    await apply(pool, settings, account_merged(merged, into=survivor))
    activity = await grand_rounds(pool, settings)

    confirmed = registration_confirmed(merged, merged_email, activity_id=activity, format="grand_rounds")
    await apply(pool, settings, confirmed)
    await apply(pool, settings, attendance_recorded(merged, activity, ATTENDED))
    await apply(pool, settings, registration_cancelled(confirmed))

    [registration] = await rows(
        pool, "SELECT * FROM registrations WHERE registration_id = $1", confirmed.data.registration_id
    )
    assert registration["learner_id"] == survivor and registration["cancelled_event_id"] is not None
    [participation] = await participations(pool, survivor)
    assert participation["attended_on"] == ATTENDED
    assert await participations(pool, merged) == []
    kinds = sorted(r["kind"] for r in await messages_in_db(pool, learner_id=survivor))
    assert kinds == ["registration_cancelled", "registration_confirmed"]


async def test_a_chain_of_merges_ends_on_the_last_survivor_whatever_order_the_merges_arrive_in(pool, settings):
    a, a_email = await registered(pool, settings)
    c, c_email = await registered(pool, settings)
    b = uuid.uuid4()
    await apply(pool, settings, certificate_issued(a, title="From A"))
    await apply(pool, settings, certificate_issued(b, title="From B"))  # parked: b's address never reached us
    d, e = uuid.uuid4(), uuid.uuid4()

    await apply(pool, settings, account_merged(a, into=b))
    await apply(pool, settings, account_merged(b, into=c))
    await apply(pool, settings, account_merged(e, into=c))  # the later merge (e into c) seen first
    await apply(pool, settings, account_merged(d, into=e))
    await apply(pool, settings, certificate_issued(a, title="Late for A"))

    mapped = {
        r["merged_id"]: r["surviving_id"]
        for r in await rows(pool, "SELECT * FROM merged_accounts WHERE merged_id = ANY($1::uuid[])", [a, b, d, e])
    }
    assert mapped == {a: c, b: c, d: c, e: c}
    # A's first certificate was addressed before any merge; B's waited for an address and got C's; the late one too.
    on_c = await messages_in_db(pool, learner_id=c)
    assert sorted((r["status"], r["to_address"]) for r in on_c) == sorted(
        [("queued", a_email), ("queued", c_email), ("queued", c_email)]
    )
    assert await messages_in_db(pool, learner_id=a) == [] and await messages_in_db(pool, learner_id=b) == []


async def test_a_redelivered_or_republished_merge_is_harmless(pool, settings):
    survivor, _ = await registered(pool, settings)
    merged, _ = await registered(pool, settings)
    activity = await grand_rounds(pool, settings)
    await apply(pool, settings, attendance_recorded(survivor, activity, ATTENDED))
    await apply(pool, settings, attendance_recorded(merged, activity, ATTENDED))
    await reminders.queue_due_reminders(pool, settings=settings)
    await apply(pool, settings, certificate_issued(merged))
    merge = account_merged(merged, into=survivor)
    await apply(pool, settings, merge)
    before = sorted((r["id"], r["status"], r["learner_id"]) for r in await messages_in_db(pool))

    await apply(pool, settings, merge)  # the same event again: the inbox has it
    await apply(pool, settings, account_merged(merged, into=survivor))  # identity published it again
    await asyncio.gather(
        apply(pool, settings, account_merged(merged, into=survivor)),
        apply(pool, settings, account_merged(merged, into=survivor)),
    )

    assert sorted((r["id"], r["status"], r["learner_id"]) for r in await messages_in_db(pool)) == before
    assert len(await participations(pool, survivor)) == 1
    assert [r["surviving_id"] for r in await rows(pool, "SELECT * FROM merged_accounts")] == [survivor]


async def test_a_merge_of_an_account_never_seen_is_recorded_for_the_events_still_to_come(pool, settings):
    survivor, survivor_email = await registered(pool, settings)
    stranger = uuid.uuid4()

    await apply(pool, settings, account_merged(stranger, into=survivor))
    await apply(pool, settings, certificate_issued(stranger))

    [row] = await messages_in_db(pool, learner_id=survivor)
    assert (row["status"], row["to_address"]) == ("queued", survivor_email)


async def test_an_account_merged_into_itself_is_rejected(pool, settings):
    learner, _ = await registered(pool, settings)
    with pytest.raises(Rejected, match="cannot be merged into itself"):
        await apply(pool, settings, account_merged(learner, into=learner))
