"""Revoked claims through the consumer handlers and the submitter against a real PostgreSQL."""

import uuid
from datetime import timedelta

import pytest
from board_reporting_factories import (
    InMemoryBoard,
    claimed,
    deliver,
    profile_updated,
    registered,
    report_of,
    reports_of,
    revoked,
    statuses,
)

from board_reporting import submission
from board_reporting.config import Settings
from board_reporting.domain import BoardAnswer
from opencme_kit.clock import utcnow


@pytest.fixture
def settings():
    return Settings(
        database_url="postgresql://unused",
        provider_name="Acme Clinic",
        max_attempts=3,
        retry_base_seconds=60,
        retry_cap_seconds=600,
    )


async def test_reports_the_board_has_not_seen_are_withdrawn_with_the_reason_and_never_sent(pool, settings):
    learner, claim_id = uuid.uuid4(), uuid.uuid4()
    await deliver(
        pool,
        registered(learner, board_ids={"ABIM": "123456"}),
        claimed(learner, claim_id=claim_id, boards=("ABIM", "ABP", "ABS")),
    )
    assert {r["board_code"]: r["status"] for r in await reports_of(pool, learner)} == {
        "ABIM": "queued",
        "ABP": "held",
        "ABS": "self_report",
    }
    announced = await statuses(pool, learner)

    await deliver(pool, revoked(learner, claim_id, reason="attendance not verified"))

    reports = {r["board_code"]: r for r in await reports_of(pool, learner)}
    assert {r["status"] for r in reports.values()} == {"withdrawn"}
    assert {r["revoked_reason"] for r in reports.values()} == {"attendance not verified"}
    assert all(r["revoked_at"] is not None and r["next_attempt_at"] is None for r in reports.values())
    assert reports["ABIM"]["reason"] == "the claim was revoked (attendance not verified), so it is not reported"
    assert "remove it there" in reports["ABS"]["reason"]
    # BoardReportStatusChanged has no 'withdrawn': the withdrawal is recorded, not announced.
    assert await statuses(pool, learner) == announced
    board = InMemoryBoard()
    assert await submission.submit_due(pool, board, settings) == 0 and board.received == []
    # A later profile that would release a held report does not bring a withdrawn one back.
    await deliver(pool, profile_updated(learner, version=2, board_ids={"ABIM": "123456", "ABP": "P-1"}))
    assert {r["status"] for r in await reports_of(pool, learner)} == {"withdrawn"}


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (BoardAnswer("transient", reason="HTTP 503"), "queued"),
        (BoardAnswer("rejected", reason="learner not matched"), "rejected"),
        (BoardAnswer("invalid", reason="HTTP 422"), "failed"),
    ],
    ids=["waiting-to-retry", "rejected", "failed"],
)
async def test_a_report_the_board_did_not_record_is_withdrawn_whatever_its_attempts(pool, settings, answer, status):
    learner, claim_id = uuid.uuid4(), uuid.uuid4()
    await deliver(pool, registered(learner), claimed(learner, claim_id=claim_id))
    start = utcnow()
    await submission.submit_due(pool, InMemoryBoard(answer), settings, now=start)
    assert (await report_of(pool, learner))["status"] == status

    await deliver(pool, revoked(learner, claim_id))

    report = await report_of(pool, learner)
    assert report["status"] == "withdrawn" and report["attempts"] == 1
    await deliver(pool, profile_updated(learner, version=2, board_ids={"ABIM": "654321"}))
    assert await submission.submit_due(pool, InMemoryBoard(), settings, now=start + timedelta(days=1)) == 0
    assert (await report_of(pool, learner))["status"] == "withdrawn"


async def test_an_accepted_report_stays_accepted_and_is_flagged_for_a_correction_at_the_board(pool, settings):
    learner, claim_id = uuid.uuid4(), uuid.uuid4()
    await deliver(pool, registered(learner), claimed(learner, claim_id=claim_id))
    await submission.submit_due(pool, InMemoryBoard(), settings)
    revocation = revoked(learner, claim_id, reason="claimed in error")

    await deliver(pool, revocation, revoked(learner, claim_id, reason="a second revocation"))

    report = await report_of(pool, learner)
    assert report["status"] == "accepted" and report["board_report_id"] == "MEM-1"
    assert report["revoked_reason"] == "claimed in error"  # the first revocation's, redeliveries change nothing
    assert report["revoked_at"] == revocation.data.revoked_at


@pytest.mark.parametrize(
    ("answer", "final"),
    [
        (BoardAnswer("accepted", board_report_id="PARS-9"), "accepted"),
        (BoardAnswer("transient", reason="HTTP 503"), "withdrawn"),
        (BoardAnswer("rejected", reason="learner not matched"), "withdrawn"),
    ],
    ids=["accepted", "transient", "rejected"],
)
async def test_a_report_revoked_while_the_board_has_it_keeps_only_an_acceptance(pool, settings, answer, final):
    learner, claim_id = uuid.uuid4(), uuid.uuid4()
    await deliver(pool, registered(learner), claimed(learner, claim_id=claim_id))
    start = utcnow()
    (in_flight,) = await submission.claim_due(pool, settings, start)  # marked submitted, the call not yet answered

    await deliver(pool, revoked(learner, claim_id))
    flagged = await report_of(pool, learner)
    assert flagged["status"] == "submitted" and flagged["revoked_at"] is not None

    await submission.record_answer(pool, settings, in_flight, answer, start)
    report = await report_of(pool, learner)
    assert report["status"] == final and report["revoked_reason"] == "attendance not verified"
    assert report["next_attempt_at"] is None
    board = InMemoryBoard()
    assert await submission.submit_due(pool, board, settings, now=start + timedelta(days=1)) == 0
    expected = ["queued", "submitted", "accepted"] if final == "accepted" else ["queued", "submitted"]
    assert await statuses(pool, learner) == expected


async def test_a_revoked_report_whose_worker_died_mid_call_is_not_sent_again(pool, settings):
    learner, claim_id = uuid.uuid4(), uuid.uuid4()
    await deliver(pool, registered(learner), claimed(learner, claim_id=claim_id))
    start = utcnow()
    assert len(await submission.claim_due(pool, settings, start)) == 1  # then the worker is gone
    await deliver(pool, revoked(learner, claim_id))
    board = InMemoryBoard()
    assert await submission.submit_due(pool, board, settings, now=start + submission.SUBMISSION_LEASE * 2) == 0
    report = await report_of(pool, learner)
    assert report["status"] == "submitted" and report["revoked_at"] is not None and board.received == []


async def test_a_revocation_arriving_before_its_claim_keeps_the_claim_from_being_reported(pool):
    learner, claim_id = uuid.uuid4(), uuid.uuid4()
    await deliver(pool, registered(learner), revoked(learner, claim_id), claimed(learner, claim_id=claim_id))
    assert await reports_of(pool, learner) == [] and await statuses(pool, learner) == []
    await deliver(pool, claimed(learner))  # another claim of theirs is reported as usual
    assert [r["status"] for r in await reports_of(pool, learner)] == ["queued"]
