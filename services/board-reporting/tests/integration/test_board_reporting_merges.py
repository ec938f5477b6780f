"""Account merges through the consumer handlers against a real PostgreSQL; events are read from the outbox."""

import uuid

import pytest
from board_reporting_factories import (
    InMemoryBoard,
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

from board_reporting import submission
from board_reporting.config import Settings
from board_reporting.domain import BoardAnswer
from opencme_kit.messaging import Rejected


@pytest.fixture
def settings():
    return Settings(database_url="postgresql://unused", provider_name="Acme Clinic", max_attempts=3)


async def mapping(pool) -> dict[uuid.UUID, uuid.UUID]:
    async with pool.acquire() as conn:
        return {
            r["merged_id"]: r["surviving_id"]
            for r in await conn.fetch("SELECT merged_id, surviving_id FROM merged_accounts")
        }


async def test_a_merge_moves_every_report_to_the_survivor_and_an_accepted_one_stays_accepted(pool, settings):
    old, survivor = uuid.uuid4(), uuid.uuid4()
    await deliver(
        pool,
        registered(old),
        claimed(old),
        registered(survivor, board_ids={"ABIM": "S-1"}),
        claimed(old, boards=("ABS",), title="Trauma Review"),
    )
    assert await submission.submit_due(pool, InMemoryBoard(), settings) == 1
    before = await statuses(pool, old)

    await deliver(pool, merged(into=survivor, merged_id=old))

    assert await reports_of(pool, old) == []
    moved = {r["board_code"]: r for r in await reports_of(pool, survivor)}
    assert {code: r["status"] for code, r in moved.items()} == {"ABIM": "accepted", "ABS": "self_report"}
    assert {r["merged_from"] for r in moved.values()} == {old}
    assert moved["ABIM"]["board_report_id"] == "MEM-1"
    # Moving is not a status change: nothing is announced, and nothing is sent to the board again.
    assert await statuses(pool, old) == before and await statuses(pool, survivor) == []
    assert await submission.submit_due(pool, InMemoryBoard(), settings) == 0
    assert await mapping(pool) == {old: survivor}


@pytest.mark.parametrize("survivors_profile_first", [True, False], ids=["profile-then-merge", "merge-then-profile"])
async def test_a_held_report_is_released_once_the_survivors_combined_profile_has_the_board_id(
    pool, settings, survivors_profile_first
):
    old, survivor = uuid.uuid4(), uuid.uuid4()
    await deliver(pool, registered(old, board_ids={}), claimed(old), registered(survivor, board_ids={}))
    assert (await report_of(pool, old))["status"] == "held"
    combined = profile_updated(survivor, version=2, board_ids={"ABIM": "777001"})
    merge = merged(into=survivor, merged_id=old)

    if survivors_profile_first:
        await deliver(pool, combined, merge)
    else:
        await deliver(pool, merge)
        still = await report_of(pool, survivor)
        assert still["status"] == "held" and "ABIM board (diplomate) ID" in still["reason"]
        await deliver(pool, combined)

    released = await report_of(pool, survivor)
    assert released["status"] == "queued" and released["reason"] is None and released["next_attempt_at"]
    (event,) = await status_events(pool, survivor)
    assert (event["data"]["status"], event["data"]["learner_id"]) == ("queued", str(survivor))
    board = InMemoryBoard()
    await submission.submit_due(pool, board, settings)
    assert board.received[0]["Learner"]["BoardID"] == "777001"
    assert (await report_of(pool, survivor))["status"] == "accepted"


async def test_a_rejected_report_is_sent_again_with_the_survivors_identity(pool, settings):
    old, survivor = uuid.uuid4(), uuid.uuid4()
    await deliver(
        pool,
        registered(old, board_ids={"ABIM": "WRONG-1"}),
        claimed(old),
        registered(survivor, board_ids={"ABIM": "777001"}),
    )
    await submission.submit_due(pool, InMemoryBoard(BoardAnswer("rejected", reason="learner not matched")), settings)
    assert (await report_of(pool, old))["status"] == "rejected"

    await deliver(pool, merged(into=survivor, merged_id=old))

    requeued = await report_of(pool, survivor)
    assert requeued["status"] == "queued" and requeued["attempts"] == 0
    board = InMemoryBoard()
    await submission.submit_due(pool, board, settings)
    assert board.received[0]["Learner"]["BoardID"] == "777001"


async def test_a_claim_of_the_merged_learner_arriving_after_the_merge_is_reported_with_the_survivors_board_id(
    pool, settings
):
    old, survivor = uuid.uuid4(), uuid.uuid4()
    await deliver(
        pool,
        registered(old, board_ids={}),
        registered(survivor, board_ids={"ABIM": "777001"}),
        merged(into=survivor, merged_id=old),
        claimed(old),
    )

    assert await reports_of(pool, old) == []
    report = await report_of(pool, survivor)
    assert report["status"] == "queued" and report["merged_from"] is None
    assert await statuses(pool, survivor) == ["queued"]
    board = InMemoryBoard()
    await submission.submit_due(pool, board, settings)
    assert board.received[0]["Learner"]["BoardID"] == "777001"


async def test_a_chain_of_merges_ends_on_the_last_survivor_whatever_order_the_merges_arrive_in(pool):
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    await deliver(pool, registered(c, board_ids={"ABIM": "C-1"}), claimed(a, title="A's course"))
    await deliver(
        pool,
        merged(into=b, merged_id=a),
        claimed(b, title="B's course"),
        merged(into=c, merged_id=b),
        claimed(a, title="A's late course"),
    )
    assert await mapping(pool) == {a: c, b: c}
    on_c = await reports_of(pool, c)
    assert sorted(r["activity_title"] for r in on_c) == ["A's course", "A's late course", "B's course"]
    assert {r["status"] for r in on_c} == {"queued"}  # the held ones met C's board ID on the way
    assert {r["activity_title"]: r["merged_from"] for r in on_c} == {
        "A's course": a,
        "B's course": b,
        "A's late course": None,
    }

    # Out of order: E's merge into C arrives before D's merge into E, whose survivor is then C.
    e = uuid.uuid4()
    await deliver(pool, claimed(d, title="D's course"), merged(into=c, merged_id=e), merged(into=e, merged_id=d))
    assert (await mapping(pool))[d] == c
    assert "D's course" in [r["activity_title"] for r in await reports_of(pool, c)]


async def test_a_redelivered_merge_and_a_merge_of_an_unknown_account_are_harmless(pool):
    old, survivor, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    merge = merged(into=survivor, merged_id=old)
    await deliver(pool, registered(survivor), claimed(old), merge, merge)
    assert [r["status"] for r in await reports_of(pool, survivor)] == ["queued"]
    assert await statuses(pool, survivor) == ["queued"]

    await deliver(pool, merged(into=survivor, merged_id=stranger))
    assert await mapping(pool) == {old: survivor, stranger: survivor}
    await deliver(pool, claimed(stranger))
    assert len(await reports_of(pool, survivor)) == 2


async def test_both_accounts_reports_of_one_activity_are_kept_until_the_credit_service_revokes_a_claim(pool):
    old, survivor, old_claim, own_claim = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(
        pool,
        registered(old),
        registered(survivor),
        claimed(old, claim_id=old_claim),
        claimed(survivor, claim_id=own_claim),
        merged(into=survivor, merged_id=old),
    )
    both = await reports_of(pool, survivor)
    assert sorted(r["claim_id"] for r in both) == sorted([old_claim, own_claim])

    await deliver(pool, revoked(old, old_claim, reason="duplicate claim after account merge"))
    by_claim = {r["claim_id"]: r for r in await reports_of(pool, survivor)}
    assert by_claim[old_claim]["status"] == "withdrawn" and by_claim[own_claim]["status"] == "queued"


async def test_a_late_profile_of_the_merged_account_changes_neither_the_survivor_nor_its_reports(pool):
    old, survivor = uuid.uuid4(), uuid.uuid4()
    await deliver(
        pool,
        registered(survivor, board_ids={"ABIM": "777001"}),
        registered(old),
        claimed(old),
        merged(into=survivor, merged_id=old),
        profile_updated(old, version=9, board_ids={}, last_name="Stale"),
    )
    assert (await report_of(pool, survivor))["status"] == "queued"
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM learners WHERE id = $1", survivor)
    assert (row["last_name"], row["board_ids"]) == ("Ruiz", {"ABIM": "777001"})


async def test_merging_an_account_into_itself_directly_or_round_a_chain_is_rejected(pool):
    a, b = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(Rejected):
        await deliver(pool, merged(into=a, merged_id=a))
    await deliver(pool, merged(into=b, merged_id=a))
    with pytest.raises(Rejected):
        await deliver(pool, merged(into=a, merged_id=b))
    assert await mapping(pool) == {a: b}


async def test_a_merge_of_an_account_already_merged_elsewhere_is_rejected_and_its_reports_stay_put(pool):
    old, survivor, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(pool, registered(survivor), claimed(old), merged(into=survivor, merged_id=old))
    with pytest.raises(Rejected, match="already merged"):
        await deliver(pool, merged(into=other, merged_id=old))
    assert await mapping(pool) == {old: survivor}
    assert len(await reports_of(pool, survivor)) == 1 and await reports_of(pool, other) == []
