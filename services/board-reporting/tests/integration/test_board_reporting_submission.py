"""Submitting due reports against a real PostgreSQL and the devstack's fake board (in-process, and once over TCP)."""

import asyncio
import socket
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from board_reporting_factories import (
    InMemoryBoard,
    claimed,
    deliver,
    profile_updated,
    registered,
    report_of,
    reports_of,
    status_events,
    statuses,
)

from board_reporting import submission
from board_reporting.client import HttpBoardClient
from board_reporting.config import Settings
from board_reporting.domain import BoardAnswer
from devstack import fake_board
from opencme_kit.clock import utcnow


@pytest.fixture
def settings():
    return Settings(
        database_url="postgresql://unused",
        provider_name="Acme Clinic",
        max_attempts=3,
        retry_base_seconds=60,
        retry_cap_seconds=600,
        submit_batch_size=10,
        submit_interval=0.05,
    )


@pytest.fixture
async def board():
    """The fake board app and a client of ours talking to it in-process."""
    app = fake_board.create_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://board") as http:
        yield app.state.board, http, HttpBoardClient("http://board", http=http)


async def queued_report(pool, **profile):
    learner = uuid.uuid4()
    await deliver(pool, registered(learner, **profile), claimed(learner))
    assert (await report_of(pool, learner))["status"] == "queued"
    return learner


async def test_an_accepted_report_keeps_the_boards_id_and_the_record_it_sent(pool, settings, board):
    fake, _, client = board
    learner = await queued_report(pool)
    assert await submission.submit_due(pool, client, settings) == 1
    report = await report_of(pool, learner)
    assert report["status"] == "accepted" and report["attempts"] == 1
    assert report["board_report_id"].startswith("PARS-")
    (received,) = fake.reports
    assert received["report"]["Learner"]["BoardID"] == "123456"
    assert received["report"]["CreditCertificate"][0]["CreditID"] == str(report["id"])
    assert report["record"]["ProviderOrganization"] == "Acme Clinic"
    assert await statuses(pool, learner) == ["queued", "submitted", "accepted"]
    assert await submission.submit_due(pool, client, settings) == 0


async def test_a_rejection_keeps_the_boards_reason_until_the_learner_fixes_the_profile(pool, settings, board):
    fake, _, client = board
    learner = await queued_report(pool, board_ids={"ABIM": "NOMATCH-1"})
    await submission.submit_due(pool, client, settings)
    rejected = await report_of(pool, learner)
    assert rejected["status"] == "rejected"
    assert rejected["reason"] == "learner not matched: no diplomate with this board ID"

    # A profile change that leaves what the board matches on as it was would only be rejected again.
    await deliver(pool, profile_updated(learner, version=2, board_ids={"ABIM": "NOMATCH-1"}, npi="1234567893"))
    assert (await report_of(pool, learner))["status"] == "rejected"

    await deliver(pool, profile_updated(learner, version=3, board_ids={"ABIM": "123456"}))
    requeued = await report_of(pool, learner)
    assert requeued["status"] == "queued" and requeued["attempts"] == 0 and requeued["reason"] is None
    await submission.submit_due(pool, client, settings)
    assert (await report_of(pool, learner))["status"] == "accepted"
    assert [r["report"]["Learner"]["BoardID"] for r in fake.reports] == ["NOMATCH-1", "123456"]
    events = await status_events(pool, learner)
    assert [e["data"]["status"] for e in events] == [
        "queued",
        "submitted",
        "rejected",
        "queued",
        "submitted",
        "accepted",
    ]
    assert events[2]["data"]["reason"].startswith("learner not matched")


async def test_a_transient_failure_is_retried_after_the_backoff_and_then_accepted(pool, settings, board):
    fake, http, client = board
    learner = await queued_report(pool)
    await http.post("/_control", json={"mode": "fail", "count": 1})
    start = utcnow()
    await submission.submit_due(pool, client, settings, now=start)
    waiting = await report_of(pool, learner)
    assert waiting["status"] == "queued" and waiting["attempts"] == 1
    assert waiting["last_error"].startswith("HTTP 503")
    assert start + timedelta(seconds=30) <= waiting["next_attempt_at"] <= start + timedelta(seconds=60)

    assert await submission.submit_due(pool, client, settings, now=start + timedelta(seconds=29)) == 0
    assert await submission.submit_due(pool, client, settings, now=start + timedelta(seconds=61)) == 1
    accepted = await report_of(pool, learner)
    assert accepted["status"] == "accepted" and accepted["attempts"] == 2
    assert [r["statusCode"] for r in fake.reports] == [503, 200]
    assert await statuses(pool, learner) == ["queued", "submitted", "queued", "submitted", "accepted"]


async def test_the_backoff_counts_from_a_slow_boards_answer_not_from_the_rounds_start(
    pool, settings, board, monkeypatch
):
    fake, http, client = board
    learner = await queued_report(pool)
    await http.put("/_faults", json={"error_rate": 1.0, "latency_seconds": 0.5})
    monkeypatch.setattr(submission.random, "random", lambda: 0.0)  # the shortest wait the backoff allows: 30 s
    start = utcnow()
    await submission.submit_due(pool, client, settings, now=start)
    waiting = await report_of(pool, learner)
    assert [r["statusCode"] for r in fake.reports] == [503]
    # Counted from the round's start, the half second the board took would come off the 30 s.
    assert waiting["next_attempt_at"] >= start + timedelta(seconds=30.5)
    assert await submission.submit_due(pool, client, settings, now=start + timedelta(seconds=30.4)) == 0


async def test_the_backoff_counts_from_the_answer_when_leasing_the_reports_took_long(
    pool, settings, board, monkeypatch
):
    fake, http, client = board
    learner = await queued_report(pool)
    await http.put("/_faults", json={"down": True})
    monkeypatch.setattr(submission.random, "random", lambda: 0.0)  # the shortest wait the backoff allows: 30 s
    lease = submission.claim_due

    async def slow_lease(*args, **kwargs):  # a database or a worker slow to lease (the fault-injection suite's)
        await asyncio.sleep(0.5)
        return await lease(*args, **kwargs)

    monkeypatch.setattr(submission, "claim_due", slow_lease)
    start = utcnow()
    await submission.submit_due(pool, client, settings, now=start)
    assert [r["statusCode"] for r in fake.reports] == [503]
    # Counted from when the lease was done, the half second it took would come off the 30 s.
    assert (await report_of(pool, learner))["next_attempt_at"] >= start + timedelta(seconds=30.5)


async def test_a_board_that_stays_down_fails_the_report_after_the_last_attempt(pool, settings, board):
    _, http, client = board
    learner = await queued_report(pool)
    await http.post("/_control", json={"mode": "fail", "count": 10})
    now = utcnow()
    for _ in range(settings.max_attempts):
        assert await submission.submit_due(pool, client, settings, now=now) == 1
        now += timedelta(seconds=settings.retry_cap_seconds)
    failed = await report_of(pool, learner)
    assert failed["status"] == "failed" and failed["attempts"] == 3 and failed["next_attempt_at"] is None
    assert "3 attempts" in failed["reason"]
    assert await submission.submit_due(pool, client, settings, now=now) == 0


async def test_an_unreachable_board_is_a_transient_failure(pool, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = HttpBoardClient(f"http://127.0.0.1:{port}", timeout=2.0)
    learner = await queued_report(pool)
    try:
        await submission.submit_due(pool, client, settings)
    finally:
        await client.aclose()
    report = await report_of(pool, learner)
    assert report["status"] == "queued" and report["attempts"] == 1
    assert report["last_error"].startswith("ConnectError")


async def test_a_board_refusing_the_request_itself_fails_the_report_for_the_help_desk(pool, settings):
    learner = await queued_report(pool)
    board = InMemoryBoard(BoardAnswer("invalid", reason="HTTP 422: CompletedDateTime: invalid"))
    await submission.submit_due(pool, board, settings)
    report = await report_of(pool, learner)
    assert report["status"] == "failed" and report["last_error"] == "HTTP 422: CompletedDateTime: invalid"


async def test_a_profile_that_lost_the_board_id_holds_the_report_instead_of_sending_it(pool, settings):
    learner = await queued_report(pool)
    await deliver(pool, profile_updated(learner, version=2, board_ids={}))
    board = InMemoryBoard()
    assert await submission.submit_due(pool, board, settings) == 0
    report = await report_of(pool, learner)
    assert report["status"] == "held" and "ABIM board (diplomate) ID" in report["reason"]
    assert board.received == []


async def test_two_workers_never_submit_the_same_report(pool, settings):
    learners = [await queued_report(pool) for _ in range(12)]
    board = InMemoryBoard(delay=0.05)
    sent = await asyncio.gather(
        *(submission.submit_due(pool, board, settings.model_copy(update={"submit_batch_size": 4})) for _ in range(4))
    )
    assert sum(sent) == 12
    credit_ids = [r["CreditCertificate"][0]["CreditID"] for r in board.received]
    assert len(credit_ids) == len(set(credit_ids)) == 12
    for learner in learners:
        report = await report_of(pool, learner)
        assert report["status"] == "accepted" and report["attempts"] == 1


async def test_a_report_whose_worker_died_mid_call_is_sent_again_after_its_lease(pool, settings):
    learner = await queued_report(pool)
    start = utcnow()
    dying = await submission.claim_due(pool, settings, start)  # the worker marks it submitted, then is gone
    assert len(dying) == 1
    board = InMemoryBoard()
    assert await submission.submit_due(pool, board, settings, now=start + timedelta(minutes=1)) == 0
    assert await submission.submit_due(pool, board, settings, now=start + submission.SUBMISSION_LEASE) == 1
    report = await report_of(pool, learner)
    assert report["status"] == "accepted" and report["attempts"] == 2
    # The dead worker's answer, were it to arrive now, is stale and changes nothing.
    await submission.record_answer(pool, settings, dying[0], BoardAnswer("rejected", reason="late"), start)
    assert (await report_of(pool, learner))["status"] == "accepted"
    assert await statuses(pool, learner) == ["queued", "submitted", "accepted"]


async def test_the_worker_loop_sleeps_until_a_report_is_queued_and_submits_it_over_http_to_a_running_fake_board(
    pool, settings
):
    server = uvicorn.Server(uvicorn.Config(fake_board.create_app(), host="127.0.0.1", port=0, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(5):
        while not server.started:
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    # Idle, the loop would look again in a minute only: the queued report's notice wakes it.
    idle = settings.model_copy(update={"board_endpoint_url": f"http://127.0.0.1:{port}", "submit_interval": 60.0})
    loop = asyncio.create_task(submission.submit_loop(pool, settings=idle))
    try:
        await asyncio.sleep(0.5)  # the loop's first round finds nothing and it goes to sleep
        learner = uuid.uuid4()
        await deliver(pool, registered(learner), claimed(learner))  # queued: its notice wakes the loop
        async with asyncio.timeout(10):
            while (await report_of(pool, learner))["status"] != "accepted":
                await asyncio.sleep(0.05)
    finally:
        loop.cancel()
        server.should_exit = True
        await asyncio.gather(loop, serving, return_exceptions=True)
    assert [r["board_code"] for r in await reports_of(pool, learner)] == ["ABIM"]


class BoardThenDatabaseGone(InMemoryBoard):
    """Accepts the report; meanwhile the reports table is locked, and the connection that comes to record the answer
    is terminated while it waits (as PostgreSQL stopping does), so that the first try to record it fails."""

    def __init__(self, infra: Any, database: str) -> None:
        super().__init__()
        self.infra, self.database = infra, database
        self.terminated = 0
        self.fault: asyncio.Task[None] | None = None

    async def submit(self, record: dict[str, Any]) -> BoardAnswer:
        answer = await super().submit(record)
        blocker = await asyncpg.connect(self.infra.dsn_for(self.database))
        await blocker.execute("BEGIN; LOCK TABLE reports IN ACCESS EXCLUSIVE MODE")
        self.fault = asyncio.create_task(self._terminate_the_waiting_recorder(blocker))
        return answer

    async def _terminate_the_waiting_recorder(self, blocker: asyncpg.Connection) -> None:
        admin = await asyncpg.connect(self.infra.admin_dsn)
        try:
            async with asyncio.timeout(10):
                while not self.terminated:
                    self.terminated = await admin.fetchval(
                        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = $1 AND wait_event_type = 'Lock') t",
                        self.database,
                    )
                    await asyncio.sleep(0.02)
        finally:
            await admin.close()
            await blocker.close()  # the lock goes with it


async def test_an_answer_the_database_could_not_take_is_kept_and_recorded_without_sending_the_report_again(
    pool, settings, infra, caplog
):
    learner = await queued_report(pool)
    board = BoardThenDatabaseGone(infra, await pool.fetchval("SELECT current_database()"))
    assert await submission.submit_due(pool, board, settings) == 1
    assert board.fault is not None
    await board.fault
    assert board.terminated == 1  # the first try to record the answer died with its connection
    report = await report_of(pool, learner)
    assert report["status"] == "accepted" and report["attempts"] == 1
    assert len(board.received) == 1  # sent once: the answer was not lost with the connection
    assert "database unavailable while recording the board's answer" in caplog.text
    assert await statuses(pool, learner) == ["queued", "submitted", "accepted"]
