"""Support extends a learner's claim window through the HTTP API, against a real PostgreSQL."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from credit import repository
from credit.config import Settings
from credit.main import create_app
from devstack.testing import TokenMint, running_app
from opencme_kit.auth import TokenVerifier

AMA = "AMA_PRA_1"
EVALUATION = {"overall_rating": 4, "objectives_met": True, "free_of_commercial_bias": True}
TODAY = datetime.now(UTC).date()
mint = TokenMint()


@pytest.fixture(scope="module")
async def client(make_database):
    app = create_app(Settings(database_url=await make_database("credit")))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client


async def make_activity(client, *, ended_days_ago, claim_window_days=30, title="Sepsis Update"):
    activity_id = uuid.uuid4()
    ends_at = datetime.now(UTC) - timedelta(days=ended_days_ago)
    async with client.app.state.pool.acquire() as conn:
        await repository.upsert_activity(
            conn,
            id=activity_id,
            title=title,
            format="live_course",
            starts_at=ends_at - timedelta(hours=8),
            ends_at=ends_at,
            location="Room 1",
            provider_name="Acme Clinic",
            designations=[{"credit_type": AMA, "max_credits": "7", "statement": "Acme Clinic designates ..."}],
            claim_window_days=claim_window_days,
            available_until=None,
            moc_boards=[],
            requires_event_code=False,
            published_at=datetime.now(UTC),
        )
    return activity_id, ends_at.date() + timedelta(days=claim_window_days)


async def register(client, learner_id, activity_id):
    async with client.app.state.pool.acquire() as conn:
        await repository.insert_registration(
            conn, registration_id=uuid.uuid4(), learner_id=learner_id, activity_id=activity_id, email="jane@example.org"
        )


def support():
    return mint.headers(uuid.uuid4(), roles=("support",))


def grant(client, learner_id, activity_id, headers, **body):
    return client.put(
        f"/learners/{learner_id}/extensions/{activity_id}",
        headers=headers,
        json={"until": (TODAY + timedelta(days=14)).isoformat(), "reason": "hospitalised", **body},
    )


def claim(client, learner_id, activity_id):
    return client.post(
        "/claims",
        headers=mint.headers(learner_id),
        json={"activity_id": str(activity_id), "credits": {AMA: "3"}, "evaluation": EVALUATION},
    )


def the_field(response):
    return [e["field"] for e in response.json()["errors"]]


async def test_a_learner_past_the_window_claims_after_support_grants_an_extension(client):
    learner, desk = uuid.uuid4(), uuid.uuid4()
    activity_id, normal_close = await make_activity(client, ended_days_ago=40)
    await register(client, learner, activity_id)

    refused = await claim(client, learner, activity_id)
    assert refused.status_code == 422, refused.text
    assert f"closed on {normal_close.isoformat()}" in refused.json()["detail"]
    assert (await client.get("/claimable", headers=mint.headers(learner))).json() == []

    until = TODAY + timedelta(days=10)
    granted = await grant(
        client,
        learner,
        activity_id,
        mint.headers(desk, roles=("support",)),
        until=until.isoformat(),
        reason="  hospitalised during the window  ",
    )
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["until"] == until.isoformat() and body["reason"] == "hospitalised during the window"
    assert body["granted_by"] == str(desk) and body["activity_title"] == "Sepsis Update"
    assert datetime.fromisoformat(body["granted_at"]).date() == TODAY

    [claimable] = (await client.get("/claimable", headers=mint.headers(learner))).json()
    assert claimable["window_closes"] == until.isoformat() and claimable["window_extended"] is True
    accepted = await claim(client, learner, activity_id)
    assert accepted.status_code == 201, accepted.text


async def test_the_claimable_list_shows_an_unextended_window_as_such(client):
    learner = uuid.uuid4()
    activity_id, normal_close = await make_activity(client, ended_days_ago=2)
    await register(client, learner, activity_id)
    [claimable] = (await client.get("/claimable", headers=mint.headers(learner))).json()
    assert claimable["window_closes"] == normal_close.isoformat() and claimable["window_extended"] is False


async def test_regranting_replaces_the_extension_and_both_grants_stay_in_the_history(client):
    learner, first_desk, second_desk = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    activity_id, _ = await make_activity(client, ended_days_ago=40)
    await grant(client, learner, activity_id, mint.headers(first_desk, roles=("support",)))
    later = TODAY + timedelta(days=30)
    again = await grant(
        client,
        learner,
        activity_id,
        mint.headers(second_desk, roles=("admin",)),
        until=later.isoformat(),
        reason="still in hospital",
    )
    assert again.status_code == 200, again.text

    [listed] = (await client.get(f"/learners/{learner}/extensions", headers=support())).json()
    assert (listed["until"], listed["reason"], listed["granted_by"]) == (
        later.isoformat(),
        "still in hospital",
        str(second_desk),
    )
    async with client.app.state.pool.acquire() as conn:
        history = await conn.fetch(
            "SELECT action, acted_by FROM claim_window_extension_history WHERE learner_id = $1 ORDER BY id", learner
        )
    assert [(h["action"], h["acted_by"]) for h in history] == [("granted", first_desk), ("granted", second_desk)]


async def test_support_lists_a_learners_extensions_and_only_theirs(client):
    learner, other = uuid.uuid4(), uuid.uuid4()
    first, _ = await make_activity(client, ended_days_ago=40, title="Asthma")
    second, _ = await make_activity(client, ended_days_ago=35, title="Burns")
    for activity_id, days in ((first, 20), (second, 5)):
        until = (TODAY + timedelta(days=days)).isoformat()
        response = await grant(client, learner, activity_id, support(), until=until)
        assert response.status_code == 200, response.text
    await grant(client, other, first, support())

    listed = (await client.get(f"/learners/{learner}/extensions", headers=support())).json()
    assert [(e["activity_title"], e["learner_id"]) for e in listed] == [
        ("Burns", str(learner)),
        ("Asthma", str(learner)),
    ]
    assert (await client.get(f"/learners/{uuid.uuid4()}/extensions", headers=support())).json() == []


async def test_support_withdraws_an_extension_and_the_window_is_closed_again(client):
    learner, desk = uuid.uuid4(), uuid.uuid4()
    activity_id, _ = await make_activity(client, ended_days_ago=40)
    await register(client, learner, activity_id)
    await grant(client, learner, activity_id, support())

    withdrawn = await client.delete(
        f"/learners/{learner}/extensions/{activity_id}", headers=mint.headers(desk, roles=("support",))
    )
    assert withdrawn.status_code == 204, withdrawn.text
    assert (await client.get(f"/learners/{learner}/extensions", headers=support())).json() == []
    assert (await claim(client, learner, activity_id)).status_code == 422
    again = await client.delete(f"/learners/{learner}/extensions/{activity_id}", headers=support())
    assert again.status_code == 404 and again.headers["content-type"] == "application/problem+json"
    async with client.app.state.pool.acquire() as conn:
        last = await conn.fetchrow(
            "SELECT action, acted_by FROM claim_window_extension_history "
            "WHERE learner_id = $1 ORDER BY id DESC LIMIT 1",
            learner,
        )
    assert (last["action"], last["acted_by"]) == ("withdrawn", desk)


@pytest.mark.parametrize("roles", [("learner",), ("staff",)])
async def test_a_learner_or_coordinator_cannot_grant_list_or_withdraw_extensions(client, roles):
    learner = uuid.uuid4()
    activity_id, _ = await make_activity(client, ended_days_ago=40)
    headers = mint.headers(learner, roles=roles)  # their own record, even

    assert (await grant(client, learner, activity_id, headers)).status_code == 403
    assert (await client.get(f"/learners/{learner}/extensions", headers=headers)).status_code == 403
    assert (await client.delete(f"/learners/{learner}/extensions/{activity_id}", headers=headers)).status_code == 403
    assert (await grant(client, learner, activity_id, {})).status_code == 401
    async with client.app.state.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM claim_window_extensions WHERE learner_id = $1", learner) == 0


async def test_an_extension_for_an_unknown_activity_is_not_found(client):
    response = await grant(client, uuid.uuid4(), uuid.uuid4(), support())
    assert response.status_code == 404, response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"until": (TODAY - timedelta(days=1)).isoformat()}, "until"),
        ({"until": "next tuesday"}, "until"),
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"reason": None}, "reason"),
        ({"granted_by": str(uuid.uuid4())}, "granted_by"),
    ],
)
async def test_invalid_extension_requests_are_refused_naming_the_field(client, body, field):
    activity_id, _ = await make_activity(client, ended_days_ago=40)
    response = await grant(client, uuid.uuid4(), activity_id, support(), **body)
    assert response.status_code == 422, response.text
    assert field in the_field(response)


async def test_an_until_within_the_normal_window_is_refused_with_its_close(client):
    learner = uuid.uuid4()
    activity_id, normal_close = await make_activity(client, ended_days_ago=5)
    await register(client, learner, activity_id)
    for until in (normal_close, normal_close - timedelta(days=3)):
        response = await grant(client, learner, activity_id, support(), until=until.isoformat())
        assert response.status_code == 422, response.text
        assert the_field(response) == ["until"]
        assert normal_close.isoformat() in response.json()["detail"]
    accepted = await grant(
        client, learner, activity_id, support(), until=(normal_close + timedelta(days=1)).isoformat()
    )
    assert accepted.status_code == 200, accepted.text


async def test_a_malformed_learner_id_is_refused_naming_it(client):
    response = await client.get("/learners/not-a-uuid/extensions", headers=support())
    assert response.status_code == 422 and the_field(response) == ["learner_id"]


async def test_an_extension_granted_under_a_merged_accounts_id_lands_on_the_survivor(client):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    activity_id, _ = await make_activity(client, ended_days_ago=40)
    async with client.app.state.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO merged_accounts (merged_id, surviving_id, merged_at) VALUES ($1, $2, now())", merged, survivor
        )
    granted = await grant(client, merged, activity_id, support())
    assert granted.status_code == 200 and granted.json()["learner_id"] == str(survivor)
    assert [
        e["learner_id"] for e in (await client.get(f"/learners/{survivor}/extensions", headers=support())).json()
    ] == [str(survivor)]
    assert (await client.delete(f"/learners/{merged}/extensions/{activity_id}", headers=support())).status_code == 204


async def test_support_reads_the_history_of_a_learners_extensions_newest_first(client):
    learner, granting, withdrawing = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first, _ = await make_activity(client, ended_days_ago=40, title="Asthma")
    second, _ = await make_activity(client, ended_days_ago=40, title="Burns")
    await grant(client, learner, first, mint.headers(granting, roles=("support",)), reason="hospitalised")
    later = (TODAY + timedelta(days=30)).isoformat()
    await grant(client, learner, first, mint.headers(granting, roles=("support",)), until=later, reason="still ill")
    await grant(client, learner, second, support(), reason="on call")
    withdrawn = await client.delete(
        f"/learners/{learner}/extensions/{first}", headers=mint.headers(withdrawing, roles=("support",))
    )
    assert withdrawn.status_code == 204

    response = await client.get(f"/learners/{learner}/extensions/history", headers=support())
    assert response.status_code == 200, response.text
    history = response.json()
    assert [(h["activity_title"], h["action"], h["reason"]) for h in history] == [
        ("Asthma", "withdrawn", "still ill"),
        ("Burns", "granted", "on call"),
        ("Asthma", "granted", "still ill"),
        ("Asthma", "granted", "hospitalised"),
    ]
    assert history[0]["acted_by"] == str(withdrawing) and history[0]["until"] == later
    assert history[3]["acted_by"] == str(granting)

    only_first = await client.get(
        f"/learners/{learner}/extensions/history", params={"activity_id": str(first)}, headers=support()
    )
    assert [h["action"] for h in only_first.json()] == ["withdrawn", "granted", "granted"]


async def test_the_history_of_a_merged_account_reads_under_the_survivor(client):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    activity_id, _ = await make_activity(client, ended_days_ago=40)
    assert (await grant(client, merged, activity_id, support(), reason="before the merge")).status_code == 200
    async with client.app.state.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO merged_accounts (merged_id, surviving_id, merged_at) VALUES ($1, $2, now())", merged, survivor
        )
    history = (await client.get(f"/learners/{survivor}/extensions/history", headers=support())).json()
    assert [(h["learner_id"], h["reason"]) for h in history] == [(str(merged), "before the merge")]


@pytest.mark.parametrize("roles", [("learner",), ("staff",)])
async def test_only_support_reads_the_history_of_extensions(client, roles):
    learner = uuid.uuid4()
    response = await client.get(f"/learners/{learner}/extensions/history", headers=mint.headers(learner, roles=roles))
    assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
