"""Claims and profiles through the consumer handlers against a real PostgreSQL; events are read from the outbox."""

import asyncio
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from board_reporting_factories import (
    SETTINGS,
    claimed,
    deliver,
    merged,
    profile_updated,
    registered,
    report_of,
    reports_of,
    revoked,
    status_events,
    statuses,
)
from faststream.kafka import TestKafkaBroker

from board_reporting.config import SERVICE
from board_reporting.consumers import HANDLERS
from opencme_kit import merges as kit_merges
from opencme_kit.messaging import InboxConsumer, create_broker


async def test_a_claim_for_a_matched_learner_queues_one_report_per_board_due_in_sixty_days(pool):
    learner = uuid.uuid4()
    claim = claimed(
        learner,
        boards=("ABIM", "ABP"),
        claimed_at=datetime(2026, 3, 15, 18, tzinfo=UTC),
        credits={"AMA_PRA_1": "3.00", "MOC_ABIM": "2.50"},
    )
    await deliver(pool, registered(learner, board_ids={"ABIM": "123456", "ABP": "P-1"}), claim)
    abim, abp = await reports_of(pool, learner)
    assert (abim["board_code"], abim["status"], abim["credit_type"], abim["credits"]) == (
        "ABIM",
        "queued",
        "MOC_ABIM",
        Decimal("2.50"),
    )
    assert (abp["board_code"], abp["status"], abp["credit_type"], abp["credits"]) == (
        "ABP",
        "queued",
        "AMA_PRA_1",
        Decimal("3.00"),
    )
    assert abim["due_by"] == abp["due_by"] == date(2026, 5, 14)
    events = await status_events(pool, learner)
    assert [(e["data"]["board_code"], e["data"]["status"]) for e in events] == [("ABIM", "queued"), ("ABP", "queued")]
    assert events[0]["producer"] == "board-reporting" and events[0]["data"]["due_by"] == "2026-05-14"
    assert events[0]["data"]["claim_id"] == str(claim.data.claim_id)


async def test_a_claim_naming_no_board_opens_nothing_and_waits_for_no_lock_of_the_learners(pool):
    learner = uuid.uuid4()
    await deliver(pool, registered(learner))
    async with pool.acquire() as holder, holder.transaction():
        await kit_merges.owner_of(holder, learner)  # the learner's lock, held as a profile change or a merge holds it
        async with asyncio.timeout(5):
            await deliver(pool, claimed(learner, boards=()))
    assert await reports_of(pool, learner) == [] and await status_events(pool, learner) == []


async def test_a_redelivered_claim_opens_no_second_report_and_emits_nothing_more(pool):
    learner, claim_id = uuid.uuid4(), uuid.uuid4()
    await deliver(pool, registered(learner), claimed(learner, claim_id=claim_id), claimed(learner, claim_id=claim_id))
    assert len(await reports_of(pool, learner)) == 1
    assert await statuses(pool, learner) == ["queued"]


async def test_surgery_gets_a_self_report_with_instructions_and_no_deadline(pool):
    learner = uuid.uuid4()
    await deliver(pool, registered(learner, board_ids={}), claimed(learner, boards=("ABS",)))
    report = await report_of(pool, learner)
    assert report["status"] == "self_report" and report["due_by"] is None
    (event,) = await status_events(pool, learner)
    assert event["data"]["status"] == "self_report"
    assert "American Board of Surgery" in event["data"]["reason"]


async def test_without_permission_to_share_nothing_is_recorded_or_emitted(pool):
    learner = uuid.uuid4()
    await deliver(pool, registered(learner), claimed(learner, boards=("ABIM", "ABS"), share=False))
    assert [r["board_code"] for r in await reports_of(pool, learner)] == ["ABS"]  # self-reporting needs no permission
    assert await statuses(pool, learner) == ["self_report"]


async def test_boards_outside_the_registry_are_not_reported_and_codes_match_in_any_case(pool):
    learner = uuid.uuid4()
    await deliver(
        pool,
        registered(learner, board_ids={"ABPATH": "P-77"}),
        claimed(learner, boards=("ABPATH", "ABTS"), credits={"MOC_ABPATH": "1.00"}),
    )
    report = await report_of(pool, learner)
    assert (report["board_code"], report["status"], report["credit_type"]) == ("ABPath", "queued", "MOC_ABPATH")


async def test_a_missing_board_id_holds_the_report_until_the_profile_has_it(pool):
    learner = uuid.uuid4()
    await deliver(pool, registered(learner, board_ids={}, birth_month=None), claimed(learner))
    held = await report_of(pool, learner)
    assert held["status"] == "held"
    assert "ABIM board (diplomate) ID and birth month and day" in held["reason"]

    await deliver(pool, profile_updated(learner, version=2, board_ids={"ABIM": "123456"}, birth_month=None))
    still = await report_of(pool, learner)
    assert still["status"] == "held" and "ABIM board" not in still["reason"] and "birth month" in still["reason"]

    await deliver(pool, profile_updated(learner, version=3, board_ids={"ABIM": "123456"}, birth_month=4))
    released = await report_of(pool, learner)
    assert released["status"] == "queued" and released["reason"] is None and released["next_attempt_at"] is not None
    events = await status_events(pool, learner)
    assert [e["data"]["status"] for e in events] == ["held", "queued"]
    assert "birth month and day" in events[0]["data"]["reason"]


async def test_a_claim_before_the_learner_is_known_is_released_by_the_registration(pool):
    learner = uuid.uuid4()
    await deliver(pool, claimed(learner))
    assert (await report_of(pool, learner))["status"] == "held"
    await deliver(pool, registered(learner))
    assert (await report_of(pool, learner))["status"] == "queued"
    assert await statuses(pool, learner) == ["held", "queued"]


async def test_an_older_profile_version_arriving_late_does_not_overwrite_a_newer_one(pool):
    learner = uuid.uuid4()
    await deliver(
        pool,
        registered(learner, version=1, board_ids={}),
        profile_updated(learner, version=3, board_ids={"ABIM": "NEW-3"}),
        profile_updated(learner, version=2, board_ids={}, last_name="Old"),
        claimed(learner),
    )
    report = await report_of(pool, learner)
    assert report["status"] == "queued"
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM learners WHERE id = $1", learner)
    assert (row["profile_version"], row["board_ids"], row["last_name"]) == (3, {"ABIM": "NEW-3"}, "Ruiz")


async def test_a_registration_arriving_after_a_profile_update_is_ignored(pool):
    learner = uuid.uuid4()
    await deliver(
        pool,
        profile_updated(learner, version=2, board_ids={"ABIM": "123456"}),
        registered(learner, version=1, board_ids={}),
        claimed(learner),
    )
    assert (await report_of(pool, learner))["status"] == "queued"


async def test_a_claim_without_reportable_credit_fails_visibly(pool):
    learner = uuid.uuid4()
    await deliver(pool, registered(learner), claimed(learner, credits={"ANCC": "2.00"}))
    report = await report_of(pool, learner)
    assert report["status"] == "failed" and "no ABIM MOC points" in report["reason"]
    assert await statuses(pool, learner) == ["failed"]


async def test_the_worker_routes_each_topic_to_its_handler_through_the_inbox(pool):
    # TestKafkaBroker proves the wiring (topics, decoding, inbox) only; the kit's own tests cover real Kafka.
    broker = create_broker("127.0.0.1:9", client_id="board-reporting-test")
    consumer = InboxConsumer(broker, service=SERVICE, handlers=HANDLERS, settings=SETTINGS)
    consumer.pool = pool
    learner, survivor = uuid.uuid4(), uuid.uuid4()
    claim = claimed(learner)
    async with TestKafkaBroker(broker):
        for envelope in (
            registered(learner, board_ids={}),
            claim,
            claim,
            profile_updated(learner, version=2, board_ids={"ABIM": "1"}),
            merged(into=survivor, merged_id=learner),
            revoked(learner, claim.data.claim_id),
        ):
            await broker.publish(envelope.to_bytes(), topic=envelope.topic, key=str(learner).encode())
    assert await statuses(pool, learner) == ["held", "queued"]
    assert (await report_of(pool, survivor))["status"] == "withdrawn"
    async with pool.acquire() as conn:
        consumers = {r["consumer"] for r in await conn.fetch("SELECT consumer FROM inbox")}
    assert consumers == {
        "board-reporting.on_user_registered",
        "board-reporting.on_credit_claimed",
        "board-reporting.on_profile_updated",
        "board-reporting.on_account_merged",
        "board-reporting.on_credit_revoked",
    }


async def test_the_worker_passes_over_a_claim_naming_no_board_without_an_inbox_row(pool):
    broker = create_broker("127.0.0.1:9", client_id="board-reporting-test")
    consumer = InboxConsumer(broker, service=SERVICE, handlers=HANDLERS, settings=SETTINGS)
    consumer.pool = pool
    learner = uuid.uuid4()
    nothing_to_report, to_report = claimed(learner, boards=()), claimed(learner, boards=("ABIM",))
    async with TestKafkaBroker(broker):
        for envelope in (registered(learner, board_ids={"ABIM": "1"}), nothing_to_report, to_report):
            await broker.publish(envelope.to_bytes(), topic=envelope.topic, key=str(learner).encode())
    assert [r["claim_id"] for r in await reports_of(pool, learner)] == [to_report.data.claim_id]
    async with pool.acquire() as conn:
        seen = {r["event_id"] for r in await conn.fetch("SELECT event_id FROM inbox WHERE topic = 'credit.claimed'")}
    assert seen == {to_report.event_id}
