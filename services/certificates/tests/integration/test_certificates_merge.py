"""account.merged and the events around it, applied through the real inbox handlers against a real PostgreSQL."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from certificates_testing import Worker, claimed, issued_events, merged, registered, renamed, revoked

from certificates import issuing
from certificates.config import MIGRATIONS, SERVICE, Settings
from certificates.consumers import HANDLERS
from certificates.issuing import Issuer
from certificates.worker import create_worker
from opencme_kit import db
from opencme_kit.messaging import InboxConsumer, Rejected, create_broker


@pytest.fixture(scope="module")
async def pool(make_database):
    pool = await db.create_pool(await make_database("certificates_merge"), max_size=4)
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
async def consumer(pool, settings, infra):
    consumer = InboxConsumer(
        create_broker(infra.kafka_bootstrap, "test"), service=SERVICE, handlers=HANDLERS, settings=settings
    )
    consumer.pool = pool
    return Worker(consumer, Issuer(pool, settings))


async def deliver(consumer, *envelopes):
    for envelope in envelopes:
        await consumer.deliver(envelope)


async def certificates_of(pool, learner):
    async with pool.acquire() as conn:
        return await conn.fetch(
            "SELECT id, claim_id, learner_id, content, pdf, revoked_at FROM certificates "
            "WHERE learner_id = $1 ORDER BY issued_at",
            learner,
        )


async def certificate_for(pool, claim):
    async with pool.acquire() as conn:
        return await conn.fetchrow(
            "SELECT id, learner_id, content, pdf, revoked_at FROM certificates WHERE claim_id = $1", claim.data.claim_id
        )


async def pending_of(pool, learner):
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT count(*) FROM pending_claims WHERE learner_id = $1", learner)


async def survivors(pool, *merged_ids):
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT merged_id, surviving_id FROM merged_accounts WHERE merged_id = ANY($1)", list(merged_ids)
        )
    return {r["merged_id"]: r["surviving_id"] for r in rows}


def learners(n):
    return [uuid.uuid4() for _ in range(n)]


NOW = datetime.now(UTC)


def test_the_worker_subscribes_to_account_merged():
    worker = create_worker(Settings(kafka_bootstrap_servers="127.0.0.1:1"))
    assert "account.merged" in {t.name for s in worker.broker.subscribers for t in s.topics}


async def test_a_merge_hands_the_certificates_to_the_survivor_with_content_and_pdf_untouched(pool, consumer):
    merged_away, survivor = learners(2)
    claim = claimed(merged_away, NOW - timedelta(days=3))
    await deliver(
        consumer,
        registered(merged_away, NOW - timedelta(days=30), last_name="Roe"),
        claim,
        registered(survivor, NOW - timedelta(days=20)),
        claimed(survivor, NOW - timedelta(days=2)),
    )
    before = await certificate_for(pool, claim)

    await deliver(consumer, merged(merged_away, survivor))

    assert await certificates_of(pool, merged_away) == []
    moved = await certificate_for(pool, claim)
    assert moved["learner_id"] == survivor and len(await certificates_of(pool, survivor)) == 2
    assert (moved["id"], moved["content"], moved["pdf"]) == (before["id"], before["content"], before["pdf"])
    assert moved["content"]["learner_name"] == "Jane Roe"  # the name it was issued under, never the survivor's
    assert await survivors(pool, merged_away) == {merged_away: survivor}


async def test_both_accounts_certificates_for_one_activity_stay_and_a_revocation_after_the_merge_finds_its_own(
    pool, consumer
):
    merged_away, survivor, activity = learners(3)
    first, second = (
        claimed(merged_away, NOW - timedelta(days=4), activity_id=activity),
        claimed(survivor, NOW - timedelta(days=2), activity_id=activity),
    )
    await deliver(
        consumer,
        registered(merged_away, NOW - timedelta(days=30)),
        first,
        registered(survivor, NOW - timedelta(days=30)),
        second,
        merged(merged_away, survivor),
    )
    assert {c["claim_id"] for c in await certificates_of(pool, survivor)} == {first.data.claim_id, second.data.claim_id}

    # credit decides which duplicate claim stands; its revocation names the merged learner and still applies.
    await deliver(consumer, revoked(first))

    assert (await certificate_for(pool, first))["revoked_at"] is not None
    assert (await certificate_for(pool, second))["revoked_at"] is None


async def test_a_claim_held_for_the_merged_account_is_issued_at_the_merge_with_the_survivors_name_at_claim_time(
    pool, consumer
):
    merged_away, survivor = learners(2)
    claim = claimed(merged_away, NOW - timedelta(days=5))
    await deliver(
        consumer,
        registered(survivor, NOW - timedelta(days=30)),
        renamed(survivor, 2, NOW - timedelta(days=1), "Smith"),
        claim,
    )
    assert await pending_of(pool, merged_away) == 1

    await deliver(consumer, merged(merged_away, survivor))

    certificate = await certificate_for(pool, claim)
    assert certificate["learner_id"] == survivor and certificate["content"]["learner_name"] == "Jane Doe"
    assert await pending_of(pool, merged_away) == await pending_of(pool, survivor) == 0
    [issued] = await issued_events(pool, claim)
    assert issued["key"] == str(survivor) and issued["data"]["learner_id"] == str(survivor)


async def test_a_held_claim_with_no_name_on_either_account_waits_and_takes_the_merged_accounts_late_name(
    pool, consumer
):
    merged_away, survivor = learners(2)
    claim = claimed(merged_away, NOW - timedelta(days=5))
    await deliver(consumer, claim, merged(merged_away, survivor))
    assert await certificate_for(pool, claim) is None and await pending_of(pool, survivor) == 1

    await deliver(consumer, registered(merged_away, NOW - timedelta(days=40), last_name="Roe"))

    certificate = await certificate_for(pool, claim)
    assert certificate["learner_id"] == survivor and certificate["content"]["learner_name"] == "Jane Roe"
    assert await pending_of(pool, survivor) == 0


async def test_a_held_claim_of_the_merged_account_takes_the_survivors_name_when_that_arrives_first(pool, consumer):
    merged_away, survivor = learners(2)
    claim = claimed(merged_away, NOW - timedelta(days=5))
    await deliver(consumer, claim, merged(merged_away, survivor), registered(survivor, NOW - timedelta(days=40)))

    certificate = await certificate_for(pool, claim)
    assert certificate["learner_id"] == survivor and certificate["content"]["learner_name"] == "Jane Doe"


async def test_a_claim_of_the_merged_learner_arriving_after_the_merge_is_issued_to_the_survivor(pool, consumer):
    merged_away, survivor = learners(2)
    await deliver(
        consumer,
        registered(merged_away, NOW - timedelta(days=30), last_name="Roe"),
        registered(survivor, NOW - timedelta(days=30)),
        merged(merged_away, survivor),
    )
    late = claimed(merged_away, NOW - timedelta(days=3))

    await deliver(consumer, late)

    certificate = await certificate_for(pool, late)
    # Owned by the survivor, but named as the merged account was when it claimed.
    assert certificate["learner_id"] == survivor and certificate["content"]["learner_name"] == "Jane Roe"
    [issued] = await issued_events(pool, late)
    assert issued["key"] == str(survivor) and issued["data"]["learner_id"] == str(survivor)

    await deliver(consumer, revoked(late))
    assert (await certificate_for(pool, late))["revoked_at"] is not None


async def test_a_profile_update_of_the_merged_learner_after_the_merge_is_kept_in_its_own_history(pool, consumer):
    merged_away, survivor = learners(2)
    await deliver(
        consumer,
        registered(merged_away, NOW - timedelta(days=30)),
        merged(merged_away, survivor),
        renamed(merged_away, 2, NOW - timedelta(days=1), "Roe"),
    )
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT learner_id, last_name FROM profile_versions WHERE learner_id = ANY($1) ORDER BY version",
            [merged_away, survivor],
        )
    assert [(r["learner_id"], r["last_name"]) for r in rows] == [(merged_away, "Doe"), (merged_away, "Roe")]


async def test_a_chain_of_merges_ends_on_the_last_survivor(pool, consumer):
    a, b, c = learners(3)
    claim_a, claim_b = claimed(a, NOW - timedelta(days=6)), claimed(b, NOW - timedelta(days=5))
    await deliver(
        consumer,
        *(registered(x, NOW - timedelta(days=30)) for x in (a, b, c)),
        claim_a,
        claim_b,
        merged(a, b),
        merged(b, c),
    )

    assert {r["claim_id"] for r in await certificates_of(pool, c)} == {claim_a.data.claim_id, claim_b.data.claim_id}
    assert await survivors(pool, a, b) == {a: c, b: c}
    late = claimed(a, NOW - timedelta(days=2))
    await deliver(consumer, late)
    assert (await certificate_for(pool, late))["learner_id"] == c


async def test_a_chain_seen_in_reverse_order_still_ends_on_the_last_survivor(pool, consumer):
    a, b, c = learners(3)
    claim_a = claimed(a, NOW - timedelta(days=6))
    await deliver(consumer, registered(a, NOW - timedelta(days=30)), claim_a, merged(b, c), merged(a, b))

    assert (await certificate_for(pool, claim_a))["learner_id"] == c
    assert await survivors(pool, a, b) == {a: c, b: c}


async def test_a_redelivered_merge_and_a_merge_of_unknown_accounts_are_harmless(pool, consumer):
    merged_away, survivor = learners(2)
    claim = claimed(merged_away, NOW - timedelta(days=3))
    merge = merged(merged_away, survivor)
    await deliver(
        consumer, registered(merged_away, NOW - timedelta(days=30)), claim, merge, merge, merged(merged_away, survivor)
    )  # the same merge again, under a new event id

    assert [r["claim_id"] for r in await certificates_of(pool, survivor)] == [claim.data.claim_id]
    assert await survivors(pool, merged_away) == {merged_away: survivor}
    assert len(await issued_events(pool, claim)) == 1

    stranger, other = learners(2)
    await deliver(consumer, merged(stranger, other))
    assert await survivors(pool, stranger) == {stranger: other}
    assert await certificates_of(pool, other) == []


async def test_a_merge_into_itself_or_back_into_an_account_merged_into_it_is_rejected(pool, consumer):
    a, b = learners(2)
    with pytest.raises(Rejected):
        await deliver(consumer, merged(a, a))
    await deliver(consumer, merged(a, b))
    with pytest.raises(Rejected):
        await deliver(consumer, merged(b, a))
    assert await survivors(pool, a, b) == {a: b}


async def test_a_merged_account_merged_again_into_another_is_rejected_and_nothing_moves(pool, consumer):
    merged_away, survivor, other = learners(3)
    claim = claimed(merged_away, NOW - timedelta(days=3))
    await deliver(consumer, registered(merged_away, NOW - timedelta(days=30)), claim, merged(merged_away, survivor))

    with pytest.raises(Rejected, match="already merged"):
        await deliver(consumer, merged(merged_away, other))

    assert await survivors(pool, merged_away) == {merged_away: survivor}
    assert (await certificate_for(pool, claim))["learner_id"] == survivor


async def test_a_merge_waits_for_a_claim_being_issued_so_its_certificate_is_not_left_behind(pool, consumer, settings):
    merged_away, survivor = learners(2)
    await deliver(consumer, registered(merged_away, NOW - timedelta(days=30)))
    claim = claimed(merged_away, NOW - timedelta(days=1))
    await consumer.consumer.deliver(claim)  # queued, not issued yet
    async with pool.acquire() as conn:
        certificate = await issuing.draft(conn, claim.data, settings)
    pdf = await consumer.issuer.renderer.render(issuing.document_of(certificate.content))
    async with pool.acquire() as conn:
        storing = conn.transaction()
        await storing.start()
        # Issued to the merged account, not yet committed.
        assert await issuing.store(conn, claim.data, certificate, pdf) is issuing.Stored.ISSUED
        merge = asyncio.create_task(consumer.deliver(merged(merged_away, survivor)))
        await asyncio.sleep(0.5)
        assert not merge.done()
        await storing.commit()
    await merge
    assert (await certificate_for(pool, claim))["learner_id"] == survivor


async def test_a_merge_committed_while_a_claim_renders_hands_its_certificate_to_the_survivor(pool, consumer, settings):
    merged_away, survivor = learners(2)
    await deliver(consumer, registered(merged_away, NOW - timedelta(days=30), last_name="Roe"))
    claim = claimed(merged_away, NOW - timedelta(days=1))
    await consumer.consumer.deliver(claim)
    async with pool.acquire() as conn:
        certificate = await issuing.draft(conn, claim.data, settings)  # drafted for the merged account
    pdf = await consumer.issuer.renderer.render(issuing.document_of(certificate.content))

    await consumer.consumer.deliver(merged(merged_away, survivor))  # commits while the certificate renders
    async with pool.acquire() as conn, conn.transaction():
        assert await issuing.store(conn, claim.data, certificate, pdf) is issuing.Stored.ISSUED

    stored = await certificate_for(pool, claim)
    assert stored["learner_id"] == survivor and stored["content"]["learner_name"] == "Jane Roe"
    [issued] = await issued_events(pool, claim)
    assert issued["key"] == str(survivor)
