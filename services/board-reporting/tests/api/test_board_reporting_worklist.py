"""The help desk's board reports across learners and the retry of a failed one, against a real PostgreSQL (a database of
this module's own: the submitter sends every due report in it)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from board_reporting_factories import InMemoryBoard, claimed, deliver, registered, statuses

from board_reporting import submission
from board_reporting.config import Settings
from board_reporting.domain import BoardAnswer
from board_reporting.main import create_app
from devstack.testing import TokenMint, running_app
from opencme_kit.auth import TokenVerifier

mint = TokenMint()
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
async def client(make_database):
    app = create_app(Settings(database_url=await make_database("board_worklist")))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client


def support():
    return mint.headers(uuid.uuid4(), roles=("support",))


async def worklist(client, **params):
    response = await client.get("/reports/worklist", params=params, headers=support())
    assert response.status_code == 200, response.text
    return response.json()


async def test_support_lists_reports_across_learners_the_nearest_deadline_first_by_board_status_and_deadline(client):
    early, late, unidentified = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    pool = client.app.state.pool
    await deliver(
        pool,
        registered(early),
        registered(late),
        registered(unidentified, board_ids={}),
        claimed(late, claimed_at=NOW - timedelta(days=5), title="Late"),
        claimed(early, claimed_at=NOW - timedelta(days=50), title="Early", boards=("ABIM", "ABP")),
        claimed(unidentified, claimed_at=NOW - timedelta(days=20), title="Held"),
    )

    ours = {str(early), str(late), str(unidentified)}  # other tests of this module may have reports here too

    async def listed(**params):
        return [
            (r["activity_title"], r["board_code"]) for r in await worklist(client, **params) if r["learner_id"] in ours
        ]

    everything = await worklist(client)
    assert [r["due_by"] for r in everything] == sorted(r["due_by"] for r in everything)
    assert await listed() == [("Early", "ABIM"), ("Early", "ABP"), ("Held", "ABIM"), ("Late", "ABIM")]
    assert await listed(board="ABP") == [("Early", "ABP")]
    # Held: no board ID for the board yet (the early learner's profile has an ABIM ID only).
    assert await listed(status="held") == [("Early", "ABP"), ("Held", "ABIM")]
    assert await listed(status=["held", "queued"], board="ABIM") == [
        ("Early", "ABIM"),
        ("Held", "ABIM"),
        ("Late", "ABIM"),
    ]
    # Claimed 50 days ago with a 60-day deadline: due within eleven days from now, the others later.
    soon = (NOW + timedelta(days=11)).date().isoformat()
    assert await listed(due_before=soon) == [("Early", "ABIM"), ("Early", "ABP")]
    assert len(await worklist(client, limit=1)) == 1 and len(await worklist(client, limit=1, offset=1)) == 1


async def test_support_sends_a_failed_report_again_and_it_is_accepted(client):
    learner = uuid.uuid4()
    pool = client.app.state.pool
    await deliver(pool, registered(learner), claimed(learner, title="Refused once"))
    settings = Settings(database_url="postgresql://unused")
    # The board refuses every report due now (this one, and any other test's still queued) as malformed.
    await submission.submit_due(
        pool, InMemoryBoard(*[BoardAnswer("invalid", reason="schema 2.1 required")] * 20), settings
    )
    [failed] = [r for r in await worklist(client, status="failed") if r["learner_id"] == str(learner)]
    assert failed["last_error"] == "schema 2.1 required"

    response = await client.post(f"/reports/{failed['id']}/retry", headers=support())
    assert response.status_code == 200, response.text
    retried = response.json()
    assert (retried["status"], retried["attempts"], retried["reason"]) == ("queued", 0, None)
    assert retried["next_attempt_at"] is not None
    assert (await statuses(pool, learner))[-2:] == ["failed", "queued"]  # the learner hears of it, as of any change

    await submission.submit_due(pool, InMemoryBoard(), settings)
    [accepted] = [r for r in await worklist(client, status="accepted") if r["learner_id"] == str(learner)]
    assert accepted["id"] == failed["id"]
    again = await client.post(f"/reports/{failed['id']}/retry", headers=support())
    assert again.status_code == 409 and again.json()["errors"] == [
        {"field": "status", "reason": "only a failed report is sent again; this one is accepted"}
    ]


async def test_a_failed_report_with_nothing_the_board_takes_is_not_sent_again(client):
    learner = uuid.uuid4()
    await deliver(client.app.state.pool, registered(learner), claimed(learner, credits={"ANCC": "2.00"}))
    [nothing] = [r for r in await worklist(client, status="failed") if r["learner_id"] == str(learner)]
    response = await client.post(f"/reports/{nothing['id']}/retry", headers=support())
    assert response.status_code == 409 and "correct the claim" in response.json()["detail"]
    missing = await client.post(f"/reports/{uuid.uuid4()}/retry", headers=support())
    assert missing.status_code == 404


@pytest.mark.parametrize("roles", [("learner",), ("staff",)])
async def test_only_support_sees_the_worklist_and_retries(client, roles):
    headers = mint.headers(uuid.uuid4(), roles=roles)
    assert (await client.get("/reports/worklist", headers=headers)).status_code == 403
    assert (await client.post(f"/reports/{uuid.uuid4()}/retry", headers=headers)).status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "lost"}, "status.0"), ({"limit": "0"}, "limit"), ({"due_before": "soon"}, "due_before")],
)
async def test_a_bad_filter_is_refused_naming_it(client, params, field):
    response = await client.get("/reports/worklist", params=params, headers=support())
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
