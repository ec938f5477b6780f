"""Issuing outside the transaction (issuing.py): claims queued by the credit.claimed handler, rendered in the render
pool, stored in a short transaction; exactly one certificate per claim, name changes racing a render, render
processes that die. A real PostgreSQL, events through the real inbox handlers."""

import asyncio
import functools
import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from certificates_testing import (
    claimed,
    crash_always,
    crash_once,
    issued_events,
    make_document,
    niceness_and_pdf,
    registered,
    renamed,
    revoked,
)

from certificates import issuing, render_pool
from certificates.config import MIGRATIONS, SERVICE, Settings
from certificates.consumers import HANDLERS
from certificates.issuing import Issuer
from certificates.render_pool import RENDER_NICENESS, RenderPool
from certificates.rendering import render_certificate_pdf
from opencme_contracts import new_envelope
from opencme_kit import db
from opencme_kit.messaging import InboxConsumer, Rejected, create_broker

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
async def pool(make_database):
    pool = await db.create_pool(await make_database("certificates_issuing"), max_size=8)
    await db.apply_migrations(pool, MIGRATIONS)
    yield pool
    await pool.close()


@pytest.fixture(scope="module")
def settings(infra):
    return Settings(
        database_url="postgresql://unused",
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        public_base_url="https://cme.example.org",
    )


@pytest.fixture(scope="module")
def inbox(pool, settings, infra):
    """The inbox consumer alone: claims are queued, nothing issues them until a test runs an issuer."""
    consumer = InboxConsumer(
        create_broker(infra.kafka_bootstrap, "test"), service=SERVICE, handlers=HANDLERS, settings=settings
    )
    consumer.pool = pool
    return consumer


async def deliver(inbox, *envelopes):
    for envelope in envelopes:
        await inbox.deliver(envelope)


async def certificates_for(pool, claim):
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT id, learner_id, content, superseded_by FROM certificates WHERE claim_id = $1", claim.data.claim_id
        )


async def queued(pool, claim):
    async with pool.acquire() as conn:
        return await conn.fetchrow(
            "SELECT attempts, failed_at, error FROM issue_queue WHERE claim_id = $1", claim.data.claim_id
        )


async def test_a_claim_is_queued_by_its_event_and_issued_by_the_issuer(pool, inbox, settings):
    learner = uuid.uuid4()
    claim = claimed(learner, NOW)
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)), claim)
    assert await certificates_for(pool, claim) == [] and await queued(pool, claim) is not None

    await Issuer(pool, settings).drain()

    [certificate] = await certificates_for(pool, claim)
    assert certificate["content"]["learner_name"] == "Jane Doe" and certificate["learner_id"] == learner
    assert await queued(pool, claim) is None
    assert len(await issued_events(pool, claim)) == 1


async def test_a_claim_never_taken_is_due_now_not_an_error_when_the_issuer_asks_what_is_next(pool, inbox, settings):
    learner = uuid.uuid4()
    claim = claimed(learner, NOW)
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)), claim)
    try:
        async with pool.acquire() as conn:
            # Its lease is '-infinity' until an issuer takes it (PostgreSQL cannot subtract that from a time).
            assert await conn.fetchval(
                "SELECT leased_until = '-infinity' FROM issue_queue WHERE claim_id = $1", claim.data.claim_id
            )
            assert await issuing.issue_queue.seconds_until_next(conn) == 0
    finally:
        await Issuer(pool, settings).drain()  # leaves the queue empty for the module's other tests


async def test_with_nothing_queued_the_issuer_sleeps_until_told_instead_of_looking_ten_times_a_second(pool, settings):
    async with pool.acquire() as conn:
        assert await issuing.issue_queue.seconds_until_next(conn) is None  # not 0, "due now"
    issuer = Issuer(pool, settings)
    takes: list[int] = []
    real_take = issuer._take

    async def counted_take(limit: int):
        takes.append(limit)
        return await real_take(limit)

    issuer._take = counted_take  # type: ignore[method-assign]
    task = asyncio.create_task(issuer.run())
    try:
        await asyncio.sleep(2.0)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert 1 <= len(takes) <= 2, f"{len(takes)} looks at an empty queue in 2 s"  # the busy loop made ~20


async def test_each_claim_gets_exactly_one_certificate_under_redelivery_and_issuers_racing(pool, inbox, settings):
    learner = uuid.uuid4()
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)))
    claims = [claimed(learner, NOW - timedelta(minutes=i)) for i in range(6)]
    for claim in claims:
        again = new_envelope(claim.data, producer="credit", subject=learner)  # the same claim under a new event id
        await deliver(inbox, claim, claim, again)
    # Leases of zero seconds: each issuer takes every claim the other one is rendering, as after a lease ran out.
    racing = [Issuer(pool, settings, lease_seconds=0, concurrency=3) for _ in range(3)]

    await asyncio.gather(*(issuer.drain() for issuer in racing))

    for claim in claims:
        assert len(await certificates_for(pool, claim)) == 1
        assert len(await issued_events(pool, claim)) == 1
    assert sum(issuer.issued for issuer in racing) == len(claims)
    # Published again once issued: nothing is queued, nothing new issued.
    await deliver(inbox, new_envelope(claims[0].data, producer="credit", subject=learner))
    assert await queued(pool, claims[0]) is None


async def test_the_worker_issues_the_queue_in_the_background_woken_by_each_claim(pool, inbox, settings):
    learner = uuid.uuid4()
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)))
    issuer = Issuer(pool, settings, recheck_interval=60.0)  # no polling: NOTIFY wakes it
    running = asyncio.create_task(issuer.run())
    try:
        claims = [claimed(learner, NOW - timedelta(minutes=i)) for i in range(4)]
        await deliver(inbox, *claims)
        async with asyncio.timeout(60):
            while issuer.issued < len(claims):
                await asyncio.sleep(0.05)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    for claim in claims:
        assert len(await certificates_for(pool, claim)) == 1


class NeverFinishes(RenderPool):
    """A render pool whose renders hang until cancelled: the issuer is stopped mid-render."""

    def __init__(self):
        super().__init__(processes=1, render=render_certificate_pdf)
        self.started = 0

    async def render(self, document):
        self.started += 1
        await asyncio.Event().wait()


async def test_a_stopped_issuer_gives_its_claims_back_and_another_issues_them_at_once_not_after_the_lease(
    pool, inbox, settings
):
    learner = uuid.uuid4()
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)))
    hanging = NeverFinishes()
    stopping = Issuer(pool, settings, hanging, lease_seconds=3600, recheck_interval=3600.0)
    # The one that takes over sleeps until woken: only the given-back claims' notice can wake it in time.
    taking_over = Issuer(pool, settings, lease_seconds=3600, recheck_interval=3600.0)
    first = asyncio.create_task(stopping.run())
    second = None
    claims = [claimed(learner, NOW - timedelta(minutes=i)) for i in range(2)]
    try:
        await deliver(inbox, *claims)
        async with asyncio.timeout(30):
            while hanging.started < len(claims):
                await asyncio.sleep(0.05)
        second = asyncio.create_task(taking_over.run())
        await asyncio.sleep(0.5)  # asleep, with both claims leased for an hour
        assert taking_over.issued == 0
        first.cancel()  # a graceful stop: the worker cancels its loops
        await asyncio.gather(first, return_exceptions=True)
        async with asyncio.timeout(30):
            while taking_over.issued < len(claims):
                await asyncio.sleep(0.05)
    finally:
        for task in (first, second):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
    for claim in claims:
        assert len(await certificates_for(pool, claim)) == 1


class RenamedWhileRendering(RenderPool):
    """The shared render pool, with a profile.updated applied (and committed) while the first certificate renders."""

    def __init__(self, inbox, event):
        super().__init__(processes=1, render=render_certificate_pdf)
        self.inbox, self.event, self.renders = inbox, event, 0

    async def render(self, document):
        self.renders += 1
        if self.renders == 1:
            await self.inbox.deliver(self.event)
        return await render_pool.shared.render(document)


async def test_a_name_change_committed_while_the_claim_renders_is_on_its_one_certificate(pool, inbox, settings):
    learner = uuid.uuid4()
    claim = claimed(learner, NOW - timedelta(days=1))
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)), claim)
    # Took effect before the claim, so the claim's certificate must print it.
    renderer = RenamedWhileRendering(inbox, renamed(learner, 2, NOW - timedelta(days=2), "Smith"))

    await Issuer(pool, settings, renderer).drain()

    [certificate] = await certificates_for(pool, claim)  # rendered again, not issued and then replaced
    assert certificate["content"]["learner_name"] == "Jane Smith" and certificate["superseded_by"] is None
    assert renderer.renders == 2 and len(await issued_events(pool, claim)) == 1


async def test_a_name_change_effective_after_the_claim_does_not_make_its_render_stale(pool, inbox, settings):
    learner = uuid.uuid4()
    claim = claimed(learner, NOW - timedelta(days=3))
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)), claim)
    renderer = RenamedWhileRendering(inbox, renamed(learner, 2, NOW - timedelta(days=1), "Smith"))

    await Issuer(pool, settings, renderer).drain()

    [certificate] = await certificates_for(pool, claim)
    assert certificate["content"]["learner_name"] == "Jane Doe" and renderer.renders == 1


async def test_a_claim_revoked_before_its_certificate_is_issued_gets_none(pool, inbox, settings):
    learner = uuid.uuid4()
    claim, held = claimed(learner, NOW - timedelta(days=1)), claimed(uuid.uuid4(), NOW - timedelta(days=1))
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)), claim, held)
    await Issuer(pool, settings).drain()  # `held` has no name yet: it waits in pending_claims
    await deliver(inbox, revoked(held))
    queued_then_revoked = claimed(learner, NOW - timedelta(hours=1))
    await deliver(inbox, queued_then_revoked, revoked(queued_then_revoked))

    await Issuer(pool, settings).drain()
    await deliver(inbox, registered(held.data.learner_id, NOW - timedelta(days=30)))
    await Issuer(pool, settings).drain()

    assert await certificates_for(pool, queued_then_revoked) == [] and await certificates_for(pool, held) == []
    assert len(await certificates_for(pool, claim)) == 1


async def test_a_render_process_that_dies_is_replaced_and_the_claim_issued_on_the_retry(
    pool, inbox, settings, tmp_path
):
    learner = uuid.uuid4()
    claim = claimed(learner, NOW)
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)), claim)
    renderer = RenderPool(processes=1, render=functools.partial(crash_once, str(tmp_path / "crashed")))
    issuer = Issuer(pool, settings, renderer, retry_delay=0.5)
    try:
        await issuer.drain()  # the process dies: the claim waits for its retry, 0.25 to 0.75 s
        assert await certificates_for(pool, claim) == []
        assert "RenderCrashed" in (await queued(pool, claim))["error"]
        await asyncio.sleep(0.8)
        await issuer.drain()
    finally:
        renderer.close()

    [certificate] = await certificates_for(pool, claim)
    assert certificate["content"]["learner_name"] == "Jane Doe"
    assert await queued(pool, claim) is None and len(await issued_events(pool, claim)) == 1


async def test_the_running_issuer_wakes_when_a_retry_wait_runs_out_not_at_its_next_recheck(
    pool, inbox, settings, tmp_path
):
    learner = uuid.uuid4()
    claim = claimed(learner, NOW)
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)), claim)
    renderer = RenderPool(processes=1, render=functools.partial(crash_once, str(tmp_path / "crashed")))
    # This issuer looks at the queue unprompted once an hour only: the retry 0.25-0.75 s after the crash is slept for
    # exactly. (Two render processes start, at a low priority: on a busy CI machine that may take a while.)
    issuer = Issuer(pool, settings, renderer, retry_delay=0.5, recheck_interval=3600.0)
    running = asyncio.create_task(issuer.run())
    try:
        async with asyncio.timeout(180):
            while issuer.issued < 1:
                await asyncio.sleep(0.05)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        renderer.close()
    assert len(await certificates_for(pool, claim)) == 1


async def test_a_claim_whose_render_keeps_failing_is_dead_lettered_and_kept_not_lost(pool, inbox, settings):
    learner = uuid.uuid4()
    claim = claimed(learner, NOW)
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)), claim)
    renderer = RenderPool(processes=1, render=crash_always)
    issuer = Issuer(pool, settings, renderer, retry_delay=0.01, max_attempts=2)
    try:
        for _ in range(2):
            await issuer.drain()
            await asyncio.sleep(0.1)
    finally:
        renderer.close()

    assert await certificates_for(pool, claim) == []
    row = await queued(pool, claim)
    assert row["attempts"] == 2 and row["failed_at"] is not None and "RenderCrashed" in row["error"]
    await Issuer(pool, settings).drain()  # dead-lettered claims are not taken again until re-queued
    assert await certificates_for(pool, claim) == []
    async with pool.acquire() as conn:
        assert (claim.data.claim_id, row["error"]) in await issuing.issue_queue.failed(conn)
        await conn.execute(
            "UPDATE issue_queue SET failed_at = NULL, attempts = 0 WHERE claim_id = $1", claim.data.claim_id
        )
    await Issuer(pool, settings).drain()  # re-queued by hand, as the README says: issued
    assert len(await certificates_for(pool, claim)) == 1


async def test_a_certificate_that_cannot_fit_is_dead_lettered_at_once(pool, inbox, settings):
    learner = uuid.uuid4()
    statement = "An extremely long designation statement that no layout can fit on one page. " * 60
    claim = claimed(learner, NOW, credits={"AMA_PRA_1": "1.00", "ANCC": "1.00", "ACPE": "1.00"})
    long_claim = claim.model_copy(
        update={
            "data": claim.data.model_copy(
                update={"credits": tuple(c.model_copy(update={"statement": statement}) for c in claim.data.credits)}
            )
        }
    )
    await deliver(inbox, registered(learner, NOW - timedelta(days=30)), long_claim)

    await Issuer(pool, settings).drain()

    row = await queued(pool, long_claim)
    assert row["attempts"] == 1 and row["failed_at"] is not None and "CertificateDoesNotFit" in row["error"]


async def test_a_claim_with_an_amount_no_certificate_can_print_is_refused_for_the_dead_letter_topic(inbox):
    claim = claimed(uuid.uuid4(), NOW, credits={"AMA_PRA_1": "1.10"})

    with pytest.raises(Rejected, match=r"multiple of 0\.25"):
        await inbox.deliver(claim)


async def test_a_started_pool_has_all_its_processes_set_up_before_the_first_certificate():
    renderer = RenderPool(processes=2, render=niceness_and_pdf)
    try:
        await renderer.start()
        processes = dict(renderer._executor._processes)  # the executor's own record of its processes, by pid
        assert len(processes) == 2 and all(p.is_alive() for p in processes.values())
        answer = await renderer.render(make_document())
        assert set(renderer._executor._processes) == set(processes)  # none started for the certificate
    finally:
        renderer.close()
    assert answer.split(b"\n", 1)[1].startswith(b"%PDF")


async def test_renders_run_at_a_lower_priority_than_the_worker_so_claims_are_answered_first():
    renderer = RenderPool(processes=1, render=niceness_and_pdf)
    try:
        answer = await renderer.render(make_document())
    finally:
        renderer.close()
    niceness, pdf = answer.split(b"\n", 1)
    assert int(niceness) == os.nice(0) + RENDER_NICENESS
    assert pdf.startswith(b"%PDF")
