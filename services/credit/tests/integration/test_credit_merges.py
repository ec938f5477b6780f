"""Account merges through the real inbox consumer and use cases against a real PostgreSQL; events are read from the
outbox. Kafka is not needed: `InboxConsumer.deliver` applies an envelope exactly as a message from Kafka would be."""

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from credit import merges as credit_merges
from credit import repository, service
from credit.config import MIGRATIONS, SERVICE, Settings
from credit.consumers import HANDLERS
from credit.domain import AlreadyClaimed
from credit.main import create_app
from credit.schemas import ClaimRequest
from devstack.testing import TokenMint, running_app
from opencme_contracts import events, new_envelope
from opencme_kit import db, merges
from opencme_kit.auth import Principal, TokenVerifier
from opencme_kit.messaging import InboxConsumer, Rejected, create_broker

AMA = "AMA_PRA_1"
ENDED = datetime.now(UTC) - timedelta(days=2)
EVALUATION = {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True}


def activity_published(activity_id, *, title="Sepsis Update"):
    return new_envelope(
        events.ActivityPublished(
            activity=events.ActivitySummary(
                activity_id=activity_id,
                title=title,
                format="live_course",
                starts_at=ENDED - timedelta(hours=8),
                ends_at=ENDED,
            ),
            provider_name="Acme Clinic",
            credit_designations=(
                events.CreditDesignation(
                    credit_type=AMA, max_credits=Decimal("7"), statement="Acme Clinic designates ..."
                ),
            ),
            claim_window_days=30,
            published_at=datetime.now(UTC),
        ),
        producer="catalog",
        subject=activity_id,
    )


def registration_confirmed(learner_id, activity_id):
    return new_envelope(
        events.RegistrationConfirmed(
            registration_id=uuid.uuid4(),
            registration_number="R-2026-7",
            learner_id=learner_id,
            email=f"{learner_id.hex[:6]}@example.org",
            activity=events.ActivitySummary(activity_id=activity_id, title="Sepsis Update", format="live_course"),
            attendee_category="physician",
            fee_cents=0,
            payment_status="not_required",
            confirmed_at=datetime.now(UTC),
        ),
        producer="catalog",
        subject=learner_id,
    )


def attendance_recorded(learner_id, activity_id, *, attended_on):
    return new_envelope(
        events.AttendanceRecorded(
            learner_id=learner_id,
            activity_id=activity_id,
            session_id=uuid.uuid4(),
            method="event_code",
            attended_on=attended_on,
            recorded_at=datetime.now(UTC),
        ),
        producer="catalog",
        subject=learner_id,
    )


def account_merged(merged_id, surviving_id):
    return new_envelope(
        events.AccountMerged(
            surviving_user_id=surviving_id,
            merged_user_id=merged_id,
            merged_at=datetime.now(UTC),
            reason="same physician, two emails",
        ),
        producer="identity",
        subject=surviving_id,
    )


@pytest.fixture
async def dsn(make_database):
    return await make_database("credit")


@pytest.fixture
async def pool(dsn):
    pool = await db.create_pool(dsn, max_size=4)
    await db.apply_migrations(pool, MIGRATIONS)
    yield pool
    await pool.close()


@pytest.fixture
def consumer(dsn, pool, infra):
    settings = Settings(database_url=dsn, kafka_bootstrap_servers=infra.kafka_bootstrap)
    broker = create_broker(infra.kafka_bootstrap, client_id="credit-test")
    consumer = InboxConsumer(broker, service=SERVICE, handlers=HANDLERS, settings=settings)
    consumer.pool = pool
    return consumer


async def deliver(consumer, *envelopes):
    for envelope in envelopes:
        await consumer.deliver(envelope)


async def claim(pool, learner_id, activity_id, amount="3"):
    async with pool.acquire() as conn:
        return await service.claim_credit(
            conn=conn,
            learner=Principal(learner_id, frozenset({"learner"})),
            request=ClaimRequest(activity_id=activity_id, credits={AMA: amount}, evaluation=EVALUATION),
        )


async def grant_extension(pool, learner_id, activity_id, until, reason):
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO claim_window_extensions (learner_id, activity_id, until_date, reason, "
            "granted_by) VALUES ($1, $2, $3, $4, $5)",
            learner_id,
            activity_id,
            until,
            reason,
            uuid.uuid4(),
        )


async def rows_of(pool, table, learner_id):
    async with pool.acquire() as conn:
        return await conn.fetch(f"SELECT * FROM {table} WHERE learner_id = $1", learner_id)


async def transcript(pool, learner_id):
    async with pool.acquire() as conn:
        return await service.transcript(conn=conn, learner_id=learner_id, date_from=None, date_to=None)


async def claimable_ids(pool, learner_id):
    async with pool.acquire() as conn:
        return {c.activity_id for c in await service.claimable(conn=conn, learner_id=learner_id)}


async def published(pool, topic, subject):
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT payload FROM outbox WHERE topic = $1 AND message_key = $2 ORDER BY id", topic, str(subject)
        )
    return [json.loads(r["payload"]) for r in rows]


async def test_a_merge_gives_the_survivor_the_merged_accounts_registrations_attendance_and_claims(pool, consumer):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    claimed_act, attended_act, own_act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(
        consumer,
        *(activity_published(a) for a in (claimed_act, attended_act, own_act)),
        registration_confirmed(merged, claimed_act),
        registration_confirmed(survivor, own_act),
        attendance_recorded(merged, attended_act, attended_on=ENDED.date()),
    )
    merged_claim = await claim(pool, merged, claimed_act)

    await deliver(consumer, account_merged(merged, survivor))

    [moved] = (await transcript(pool, survivor)).claims
    assert moved.id == merged_claim.id
    assert (await transcript(pool, survivor)).totals == {AMA: Decimal("3.00")}
    assert await claimable_ids(pool, survivor) == {attended_act, own_act}
    for table in ("registrations", "attendance", "claims"):
        assert await rows_of(pool, table, merged) == []
    [moved_row] = await rows_of(pool, "claims", survivor)
    assert moved_row["merged_from"] == merged and moved_row["revoked_at"] is None
    assert await published(pool, "credit.revoked", survivor) == []


async def test_both_accounts_attendance_of_one_day_stays_one_and_the_later_extension_wins(pool, consumer):
    merged, survivor, act, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    day = ENDED.date()
    await deliver(
        consumer,
        activity_published(act),
        activity_published(other),
        attendance_recorded(merged, act, attended_on=day),
        attendance_recorded(survivor, act, attended_on=day),
        attendance_recorded(merged, act, attended_on=day - timedelta(days=1)),
    )
    await grant_extension(pool, merged, act, date(2030, 6, 30), "hospitalised")
    await grant_extension(pool, survivor, act, date(2030, 1, 31), "travelling")
    await grant_extension(pool, survivor, other, date(2030, 3, 31), "survivor only")
    await grant_extension(pool, merged, other, date(2029, 12, 31), "earlier, loses")

    await deliver(consumer, account_merged(merged, survivor))

    attended = sorted(r["attended_on"] for r in await rows_of(pool, "attendance", survivor))
    assert attended == [day - timedelta(days=1), day]
    extensions = {
        r["activity_id"]: (r["until_date"], r["reason"])
        for r in await rows_of(pool, "claim_window_extensions", survivor)
    }
    assert extensions == {act: (date(2030, 6, 30), "hospitalised"), other: (date(2030, 3, 31), "survivor only")}
    assert await rows_of(pool, "claim_window_extensions", merged) == []


async def test_when_both_accounts_claimed_one_activity_the_survivors_claim_stands_and_the_other_is_revoked(
    pool, consumer
):
    merged, survivor, act, only_merged = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(
        consumer,
        activity_published(act),
        activity_published(only_merged),
        registration_confirmed(merged, act),
        registration_confirmed(survivor, act),
        registration_confirmed(merged, only_merged),
    )
    duplicate = await claim(pool, merged, act, amount="6")
    kept = await claim(pool, survivor, act, amount="4")
    other = await claim(pool, merged, only_merged, amount="1.5")

    await deliver(consumer, account_merged(merged, survivor))

    record = await transcript(pool, survivor)
    assert {c.id for c in record.claims} == {kept.id, other.id}
    assert record.totals == {AMA: Decimal("5.50")}  # 4 + 1.5: the duplicate is not counted
    rows = {r["id"]: r for r in await rows_of(pool, "claims", survivor)}
    assert rows[duplicate.id]["revoked_at"] is not None  # kept for audit
    assert rows[duplicate.id]["revoked_reason"] == f"duplicate of claim {kept.id} after account merge"
    assert rows[kept.id]["revoked_at"] is None and rows[other.id]["revoked_at"] is None
    [revoked] = await published(pool, "credit.revoked", survivor)
    assert revoked["event_type"] == "credit.revoked" and revoked["producer"] == "credit"
    assert revoked["data"]["claim_id"] == str(duplicate.id)
    assert revoked["data"]["learner_id"] == str(survivor) and revoked["data"]["activity_id"] == str(act)
    assert revoked["data"]["reason"] == f"duplicate of claim {kept.id} after account merge"


async def test_events_about_the_merged_learner_arriving_after_the_merge_land_on_the_survivor(pool, consumer):
    merged, survivor, registered_act, attended_act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(consumer, activity_published(registered_act), activity_published(attended_act))

    await deliver(consumer, account_merged(merged, survivor))  # credit has never seen the merged account: fine
    await deliver(
        consumer,
        registration_confirmed(merged, registered_act),
        attendance_recorded(merged, attended_act, attended_on=ENDED.date()),
    )

    assert await rows_of(pool, "registrations", merged) == [] and await rows_of(pool, "attendance", merged) == []
    assert await claimable_ids(pool, survivor) == {registered_act, attended_act}


async def test_a_claim_made_with_the_merged_accounts_token_is_the_survivors_and_counts_once(dsn, pool, consumer):
    merged, survivor, both_act, merged_act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(
        consumer,
        activity_published(both_act),
        activity_published(merged_act),
        registration_confirmed(survivor, both_act),
        registration_confirmed(merged, merged_act),
    )
    kept = await claim(pool, survivor, both_act)
    await deliver(consumer, account_merged(merged, survivor))

    mint = TokenMint()
    app = create_app(Settings(database_url=dsn))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        stale = mint.headers(merged)  # issued before the merge, still within its lifetime
        again = await client.post(
            "/claims",
            headers=stale,
            json={"activity_id": str(both_act), "credits": {AMA: "2"}, "evaluation": EVALUATION},
        )
        new = await client.post(
            "/claims",
            headers=stale,
            json={"activity_id": str(merged_act), "credits": {AMA: "2"}, "evaluation": EVALUATION},
        )
        seen_with_stale_token = (await client.get("/transcript", headers=stale)).json()

    assert again.status_code == 409, again.text
    assert again.json()["title"] == "Already claimed"
    assert [e["field"] for e in again.json()["errors"]] == ["activity_id"]
    assert new.status_code == 201, new.text
    assert {r["id"] for r in await rows_of(pool, "claims", survivor)} == {kept.id, uuid.UUID(new.json()["id"])}
    assert await rows_of(pool, "claims", merged) == []
    announced = {e["data"]["claim_id"]: e for e in await published(pool, "credit.claimed", survivor)}
    assert announced[new.json()["id"]]["data"]["learner_id"] == str(survivor)
    assert await published(pool, "credit.claimed", merged) == []
    assert seen_with_stale_token["totals"] == {AMA: "5.00"}


async def test_a_chain_of_merges_ends_on_the_last_survivor_in_either_order(pool, consumer):
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    act_a, act_b, late = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(
        consumer,
        *(activity_published(x) for x in (act_a, act_b, late)),
        registration_confirmed(a, act_a),
        registration_confirmed(b, act_b),
    )

    await deliver(consumer, account_merged(a, b), account_merged(b, c), registration_confirmed(a, late))

    assert {r["activity_id"] for r in await rows_of(pool, "registrations", c)} == {act_a, act_b, late}
    async with pool.acquire() as conn:
        mapping = dict(await conn.fetch("SELECT merged_id, surviving_id FROM merged_accounts"))
    assert mapping == {a: c, b: c}

    d, e, f = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(
        consumer,
        registration_confirmed(d, act_a),
        registration_confirmed(e, act_b),
        account_merged(e, f),
        account_merged(d, e),
    )  # the later merge is seen first
    assert {r["activity_id"] for r in await rows_of(pool, "registrations", f)} == {act_a, act_b}
    assert await rows_of(pool, "registrations", d) == [] and await rows_of(pool, "registrations", e) == []


async def test_a_redelivered_merge_moves_nothing_more_and_revokes_nothing_again(pool, consumer):
    merged, survivor, act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(
        consumer, activity_published(act), registration_confirmed(merged, act), registration_confirmed(survivor, act)
    )
    duplicate = await claim(pool, merged, act)
    kept = await claim(pool, survivor, act)
    merge = account_merged(merged, survivor)
    replayed = new_envelope(merge.data, producer="identity", subject=survivor)  # same fact, new event id

    await deliver(consumer, merge)
    before = await rows_of(pool, "claims", survivor)
    await deliver(consumer, merge, replayed)

    assert sorted(map(dict, await rows_of(pool, "claims", survivor)), key=str) == sorted(map(dict, before), key=str)
    assert len(await published(pool, "credit.revoked", survivor)) == 1
    assert {c.id for c in (await transcript(pool, survivor)).claims} == {kept.id}
    assert {r["id"] for r in before} == {kept.id, duplicate.id}


async def test_a_merge_into_itself_or_back_into_a_merged_account_is_rejected(pool, consumer):
    a, b = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(Rejected):
        await deliver(consumer, account_merged(a, a))
    await deliver(consumer, account_merged(a, b))
    with pytest.raises(Rejected):
        await deliver(consumer, account_merged(b, a))


async def test_a_merge_of_an_account_already_merged_elsewhere_is_rejected_and_moves_nothing(pool, consumer):
    merged, survivor, other, act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(consumer, activity_published(act), registration_confirmed(survivor, act))
    await deliver(consumer, account_merged(merged, survivor))
    with pytest.raises(Rejected, match="already merged"):
        await deliver(consumer, account_merged(merged, other))
    async with pool.acquire() as conn:
        assert await merges.survivor_of(conn, merged) == survivor
    assert [r["activity_id"] for r in await rows_of(pool, "registrations", survivor)] == [act]
    assert await rows_of(pool, "registrations", other) == []


async def test_a_merge_waits_for_a_write_in_flight_for_the_merged_learner_and_then_moves_it(pool, consumer):
    merged, survivor, act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(consumer, activity_published(act))
    async with pool.acquire() as conn, conn.transaction():
        owner = await merges.owner_of(conn, merged, shared=True)  # as credit's writers ask
        merge = asyncio.create_task(consumer.deliver(account_merged(merged, survivor)))
        await asyncio.sleep(0.3)
        assert not merge.done()
        await repository.insert_registration(
            conn, registration_id=uuid.uuid4(), learner_id=owner, activity_id=act, email="late@example.org"
        )
    await asyncio.wait_for(merge, timeout=10)
    assert owner == merged
    assert [r["activity_id"] for r in await rows_of(pool, "registrations", survivor)] == [act]
    assert await rows_of(pool, "registrations", merged) == []


async def merge_held_open(pool, merged, survivor, *, holding, release):
    """Merges `merged` into `survivor` in a transaction that stays open (its locks held) until `release` is set."""
    async with pool.acquire() as conn, conn.transaction():
        await credit_merges.merge_accounts(conn, merged_id=merged, surviving_id=survivor, merged_at=datetime.now(UTC))
        holding.set()
        await release.wait()


async def test_a_claim_that_waited_for_the_merge_of_its_learner_is_recorded_for_the_survivor(pool, consumer):
    merged, survivor, act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(consumer, activity_published(act), registration_confirmed(merged, act))
    holding, release = asyncio.Event(), asyncio.Event()
    merging = asyncio.create_task(merge_held_open(pool, merged, survivor, holding=holding, release=release))
    await holding.wait()

    claiming = asyncio.create_task(claim(pool, merged, act))  # with the merged account's token, still valid
    await asyncio.sleep(0.3)
    assert not claiming.done(), "a claim for the merged account went ahead while its merge was uncommitted"
    release.set()
    await merging
    made = await asyncio.wait_for(claiming, timeout=10)

    assert [r["id"] for r in await rows_of(pool, "claims", survivor)] == [made.id]
    assert await rows_of(pool, "claims", merged) == []


async def test_a_claim_that_waited_for_a_merge_into_its_learner_sees_the_registration_the_merge_moved(pool, consumer):
    merged, survivor, act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(consumer, activity_published(act), registration_confirmed(merged, act))
    holding, release = asyncio.Event(), asyncio.Event()
    merging = asyncio.create_task(merge_held_open(pool, merged, survivor, holding=holding, release=release))
    await holding.wait()

    claiming = asyncio.create_task(claim(pool, survivor, act))  # eligible through the merged account's registration
    await asyncio.sleep(0.3)
    assert not claiming.done(), "a claim for the survivor went ahead while a merge into it was uncommitted"
    release.set()
    await merging
    made = await asyncio.wait_for(claiming, timeout=10)

    assert [r["id"] for r in await rows_of(pool, "claims", survivor)] == [made.id]


def merge_after_the_claims_first_read(monkeypatch, pool, merged, survivor, *, holding=None, release=None):
    """Makes the next claim's first read (the one outside a transaction: service._claim_alone) followed by the merge
    of `merged` into `survivor`: committed before the claim goes on, or, given `holding` and `release`, begun and
    held open (see merge_held_open) while the claim goes on to write. Returns the reads' transaction states."""
    read = repository.claim_context
    outside: list[bool] = []

    async def then_merge(conn, learner_id, activity_id):
        context = await read(conn, learner_id, activity_id)
        outside.append(not conn.is_in_transaction())
        if len(outside) == 1:
            if holding is None:
                async with pool.acquire() as other, other.transaction():
                    await credit_merges.merge_accounts(
                        other, merged_id=merged, surviving_id=survivor, merged_at=datetime.now(UTC)
                    )
            else:
                asyncio.get_running_loop().create_task(
                    merge_held_open(pool, merged, survivor, holding=holding, release=release)
                )
                await holding.wait()
        return context

    monkeypatch.setattr(repository, "claim_context", then_merge)
    return outside


async def test_a_claim_whose_learner_was_merged_between_its_read_and_its_write_is_recorded_for_the_survivor(
    monkeypatch, pool, consumer
):
    merged, survivor, act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(consumer, activity_published(act), registration_confirmed(merged, act))
    reads = merge_after_the_claims_first_read(monkeypatch, pool, merged, survivor)

    made = await claim(pool, merged, act)

    # Read alone, refused at the write (the merged learner), decided again in a transaction for the survivor.
    assert reads == [True, False]
    assert [r["id"] for r in await rows_of(pool, "claims", survivor)] == [made.id]
    assert await rows_of(pool, "claims", merged) == []
    assert [e["data"]["claim_id"] for e in await published(pool, "credit.claimed", survivor)] == [str(made.id)]
    assert await published(pool, "credit.claimed", merged) == []


async def test_a_claim_whose_write_waited_for_a_merge_begun_after_its_read_is_recorded_for_the_survivor(
    monkeypatch, pool, consumer
):
    merged, survivor, act = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(consumer, activity_published(act), registration_confirmed(merged, act))
    holding, release = asyncio.Event(), asyncio.Event()
    reads = merge_after_the_claims_first_read(monkeypatch, pool, merged, survivor, holding=holding, release=release)

    claiming = asyncio.create_task(claim(pool, merged, act))
    await holding.wait()
    await asyncio.sleep(0.3)
    assert not claiming.done(), "a claim's write went ahead while a merge of its learner was uncommitted"
    release.set()
    made = await asyncio.wait_for(claiming, timeout=10)

    assert reads == [True, False]
    assert [r["id"] for r in await rows_of(pool, "claims", survivor)] == [made.id]
    assert await rows_of(pool, "claims", merged) == []
    assert await published(pool, "credit.claimed", merged) == []


async def test_a_second_claim_read_alone_is_refused_without_a_transaction(monkeypatch, pool, consumer):
    learner, act = uuid.uuid4(), uuid.uuid4()
    await deliver(consumer, activity_published(act), registration_confirmed(learner, act))
    first = await claim(pool, learner, act)
    read = repository.claim_context
    outside: list[bool] = []

    async def noting(conn, learner_id, activity_id):
        outside.append(not conn.is_in_transaction())
        return await read(conn, learner_id, activity_id)

    monkeypatch.setattr(repository, "claim_context", noting)

    with pytest.raises(AlreadyClaimed):
        await claim(pool, learner, act)

    assert outside == [True]
    assert [r["id"] for r in await rows_of(pool, "claims", learner)] == [first.id]
    assert len(await published(pool, "credit.claimed", learner)) == 1
