"""The sender against a real SMTP server: outages, refusals, greylisting and several senders on one queue."""

import asyncio
from contextlib import asynccontextmanager

import asyncpg
import pytest
from notifications_testing import address, apply, messages_in_db, password_reset, wait_until_settled

from notifications import sender_repository
from notifications.sender import Sender


@pytest.fixture
async def sender(pool, settings):
    sender = Sender(pool, settings)
    task = asyncio.create_task(sender.run())
    yield sender
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def queue_emails(pool, settings, count):
    emails = [address() for _ in range(count)]
    for email in emails:
        await apply(pool, settings, password_reset(email))  # needs no recipient: one email to each address
    return emails


async def test_while_the_mail_server_is_down_messages_stay_queued_and_go_out_once_it_is_back(
    pool, settings, sink, sender
):
    sink.stop()
    emails = await queue_emails(pool, settings, 3)
    async with asyncio.timeout(10):
        while min(r["attempts"] for r in await messages_in_db(pool)) < 3:
            await asyncio.sleep(0.05)

    rows = await messages_in_db(pool)
    assert {r["status"] for r in rows} == {"queued"}
    assert all("ConnectionRefusedError" in r["last_error"] or "Connect" in r["last_error"] for r in rows)
    assert sink.messages() == []

    sink.start()
    await wait_until_settled(pool)
    assert {r["status"] for r in await messages_in_db(pool)} == {"sent"}
    for email in emails:
        assert len(sink.messages(to=email)) == 1


async def test_a_550_is_recorded_as_failed_with_the_answer_and_never_retried(pool, settings, sink, sender):
    refused, accepted = address(), address()
    sink.handler.refused.add(refused)
    await apply(pool, settings, password_reset(refused))
    await apply(pool, settings, password_reset(accepted))

    await sink.wait_for(1, to=accepted)
    await wait_until_settled(pool)
    await asyncio.sleep(1.0)  # several retry periods

    [failed] = await messages_in_db(pool, to_address=refused)
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert failed["last_error"].startswith("550 5.1.1") and "User unknown" in failed["last_error"]
    assert sink.handler.rcpt_commands[refused] == 1
    [sent] = await messages_in_db(pool, to_address=accepted)
    assert sent["status"] == "sent"


async def test_a_451_is_retried_with_backoff_until_the_server_accepts(pool, settings, sink, sender):
    email = address()
    sink.handler.greylist[email] = 2
    await apply(pool, settings, password_reset(email))

    await sink.wait_for(1, to=email)
    await wait_until_settled(pool)
    [row] = await messages_in_db(pool, to_address=email)
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert row["last_error"].startswith("451 4.7.1")
    assert (row["sent_at"] - row["created_at"]).total_seconds() >= 0.05  # it did wait between tries


async def test_two_senders_share_the_queue_and_send_each_message_once(pool, settings, sink):
    emails = await queue_emails(pool, settings, 40)
    small_batches = settings.model_copy(update={"send_batch_size": 7})
    first, second = Sender(pool, small_batches), Sender(pool, small_batches)
    tasks = [asyncio.create_task(s.run()) for s in (first, second)]
    try:
        await wait_until_settled(pool)
        async with asyncio.timeout(5):  # a sender counts a message just after recording it as sent
            while first.sent + second.sent < 40:
                await asyncio.sleep(0.05)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    assert first.sent > 0 and second.sent > 0 and first.sent + second.sent == 40
    assert sorted(a.lower() for m in sink.messages() for a in [m["To"].addresses[0].addr_spec]) == sorted(emails)


async def test_a_sender_stopped_just_as_the_server_accepts_a_message_stops(pool, settings, sink):
    # Python 3.11's asyncio.wait_for (in aiosmtplib's reads) can swallow a cancellation that arrives with the server's
    # answer; a worker being shut down then went on sending forever.
    for _ in range(12):
        task = asyncio.create_task(Sender(pool, settings).run())
        [email] = await queue_emails(pool, settings, 1)
        await sink.wait_for(1, to=email)  # stored by the server as it answers the sender's DATA
        task.cancel()
        async with asyncio.timeout(5):
            await asyncio.gather(task, return_exceptions=True)


# --- one connection for a burst ------------------------------------------------------------------------------------


async def test_a_burst_goes_out_over_one_connection_kept_open_between_rounds(pool, settings, sink):
    small_batches = settings.model_copy(update={"send_batch_size": 2, "smtp_keepalive_seconds": 30.0})
    sender = Sender(pool, small_batches)
    task = asyncio.create_task(sender.run())
    try:
        emails = []
        for _ in range(4):  # mail trickling in: several rounds
            emails += await queue_emails(pool, settings, 2)
            await sink.wait_for(len(emails))
        await wait_until_settled(pool)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    assert sender.sent == 8 and sender.connections == 1 and sink.handler.greetings == 1


async def test_a_kept_connection_the_server_dropped_is_replaced_without_counting_an_attempt(pool, settings, sink):
    kept = settings.model_copy(update={"smtp_keepalive_seconds": 30.0})
    sender = Sender(pool, kept)
    task = asyncio.create_task(sender.run())
    try:
        [first] = await queue_emails(pool, settings, 1)
        await sink.wait_for(1, to=first)
        await wait_until_settled(pool)
        sink.stop()  # the server goes away and comes back: the kept connection is dead
        sink.start()
        [second] = await queue_emails(pool, settings, 1)
        await sink.wait_for(1, to=second)
        await wait_until_settled(pool)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    [row] = await messages_in_db(pool, to_address=second)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, None)
    assert sender.connections == 2


async def test_a_connection_nothing_used_for_the_keepalive_is_closed_with_quit(pool, settings, sink):
    brief = settings.model_copy(update={"smtp_keepalive_seconds": 0.3})
    task = asyncio.create_task(Sender(pool, brief).run())
    try:
        [email] = await queue_emails(pool, settings, 1)
        await sink.wait_for(1, to=email)
        assert sink.handler.quits == 0  # kept open for the next round
        async with asyncio.timeout(5):
            while sink.handler.quits == 0:
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


# --- waiting when there is nothing to send -----------------------------------------------------------------------


@asynccontextmanager
async def counting_pool(settings):
    """A pool on the service's database whose every statement is counted (asyncpg's query logger)."""
    counted = []

    async def init(conn):
        conn.add_query_logger(counted.append)

    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=3, init=init)
    try:
        yield pool, counted
    finally:
        await pool.close()


async def test_with_nothing_to_send_the_sender_waits_for_a_notice_instead_of_polling(pool, settings, sink):
    idle = settings.model_copy(update={"send_interval": 1.0})
    async with counting_pool(idle) as (counted_pool, counted):
        task = asyncio.create_task(Sender(counted_pool, idle).run())
        try:
            # A message that went out, so the table is not empty but nothing is queued: min(next_attempt_at) is NULL.
            [email] = await queue_emails(pool, idle, 1)
            await sink.wait_for(1, to=email)
            await wait_until_settled(pool)
            before = len(counted)
            await asyncio.sleep(3.0)
            idle_queries = counted[before:]
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    # A round is about 3 statements (claim, the pool's reset on release, when is the next due) per send_interval:
    # about 10 in 3 s. The busy loop made over a thousand.
    assert len(idle_queries) <= 15, (
        f"{len(idle_queries)} statements in 3 s with nothing to send, e.g. {idle_queries[-1].query[:60]!r}"
    )


async def test_a_message_due_later_is_waited_for_and_sent_when_it_falls_due(pool, settings, sink):
    later = settings.model_copy(update={"send_interval": 30.0})  # only the message's own time can wake the sender
    [email] = await queue_emails(pool, later, 1)
    async with pool.acquire() as conn:
        await conn.execute("UPDATE messages SET next_attempt_at = now() + interval '1.5 seconds'")

    async with counting_pool(later) as (counted_pool, counted):
        task = asyncio.create_task(Sender(counted_pool, later).run())
        try:
            await asyncio.sleep(1.0)
            assert sink.messages(to=email) == []  # not before it is due
            await sink.wait_for(1, to=email, timeout=5)
            await wait_until_settled(pool)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    [row] = await messages_in_db(pool)
    assert row["status"] == "sent"
    assert len(counted) < 20, f"{len(counted)} statements, e.g. {counted[-1].query}"  # it slept, it did not poll


async def test_seconds_until_next_due_is_none_with_nothing_queued_and_never_negative(pool, settings):
    async with pool.acquire() as conn:
        assert await sender_repository.seconds_until_next_due(conn) is None
    await queue_emails(pool, settings, 2)
    async with pool.acquire() as conn:
        assert await sender_repository.seconds_until_next_due(conn) == 0.0  # due now (or a moment ago)
        await conn.execute("UPDATE messages SET next_attempt_at = now() + interval '1 minute'")
        assert 55 < await sender_repository.seconds_until_next_due(conn) <= 60
        await conn.execute("UPDATE messages SET status = 'sent', sent_at = now()")
        assert await sender_repository.seconds_until_next_due(conn) is None
