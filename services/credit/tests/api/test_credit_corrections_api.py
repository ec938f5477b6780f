"""Support corrects a claim through the HTTP API, against a real PostgreSQL; events are read from the outbox."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from credit import repository
from credit.config import Settings
from credit.main import create_app
from devstack.testing import TokenMint, running_app
from opencme_kit.auth import TokenVerifier

AMA, ANCC = "AMA_PRA_1", "ANCC"
EVALUATION = {"overall_rating": 4, "objectives_met": True, "free_of_commercial_bias": True, "comments": "good"}
mint = TokenMint()


@pytest.fixture(scope="module")
async def client(make_database):
    app = create_app(Settings(database_url=await make_database("credit")))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client


async def claimed(client, *, credits=None, moc_boards=(), share_permission=False):
    """A registered learner's claim for a fresh activity offering AMA (max 7) and ANCC (max 5), MOC with ABIM."""
    learner, activity_id = uuid.uuid4(), uuid.uuid4()
    ends_at = datetime.now(UTC) - timedelta(days=3)
    async with client.app.state.pool.acquire() as conn:
        await repository.upsert_activity(
            conn,
            id=activity_id,
            title="Sepsis Update",
            format="live_course",
            starts_at=ends_at - timedelta(hours=8),
            ends_at=ends_at,
            location="Room 1",
            provider_name="Acme Clinic",
            designations=[
                {"credit_type": AMA, "max_credits": "7", "statement": "Acme designates AMA ..."},
                {"credit_type": ANCC, "max_credits": "5", "statement": "Acme designates ANCC ..."},
            ],
            claim_window_days=30,
            available_until=None,
            moc_boards=["ABIM"],
            requires_event_code=False,
            published_at=datetime.now(UTC),
        )
        await repository.insert_registration(
            conn, registration_id=uuid.uuid4(), learner_id=learner, activity_id=activity_id, email="jane@example.org"
        )
    response = await client.post(
        "/claims",
        headers=mint.headers(learner),
        json={
            "activity_id": str(activity_id),
            "credits": credits or {AMA: "3"},
            "evaluation": EVALUATION,
            "moc_boards": list(moc_boards),
            "share_permission": share_permission,
        },
    )
    assert response.status_code == 201, response.text
    return learner, response.json()


def support(desk=None):
    return mint.headers(desk or uuid.uuid4(), roles=("support",))


def correct(client, claim_id, headers, **body):
    return client.post(
        f"/claims/{claim_id}/correction",
        headers=headers,
        json={"credits": {AMA: "2.5"}, "reason": "attended the morning only", **body},
    )


def the_field(response):
    return [e["field"] for e in response.json()["errors"]]


async def outbox_of(client, learner):
    async with client.app.state.pool.acquire() as conn:
        rows = await conn.fetch("SELECT topic, payload FROM outbox WHERE message_key = $1 ORDER BY id", str(learner))
    return [(r["topic"], json.loads(r["payload"])["data"]) for r in rows]


async def test_a_correction_revokes_the_claim_and_replaces_it_with_the_corrected_one(client):
    learner, old = await claimed(client, credits={AMA: "3"}, moc_boards=["ABIM"], share_permission=True)
    desk = uuid.uuid4()

    response = await correct(
        client, old["id"], support(desk), credits={AMA: "2.5", ANCC: "1"}, reason="  attended the morning only  "
    )
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["id"] != old["id"] and new["corrects_claim_id"] == old["id"] and new["corrected_by"] == str(desk)
    assert [(c["credit_type"], c["amount"]) for c in new["credits"]] == [(AMA, "2.50"), (ANCC, "1.00")]
    assert (new["moc_boards"], new["share_permission"], new["completed_on"]) == (["ABIM"], True, old["completed_on"])
    assert new["revoked_at"] is None

    async with client.app.state.pool.acquire() as conn:
        rows = {r["id"]: r for r in await conn.fetch("SELECT * FROM claims WHERE learner_id = $1", learner)}
    revoked, replacing = rows[uuid.UUID(old["id"])], rows[uuid.UUID(new["id"])]
    assert revoked["revoked_reason"] == (
        f"corrected by support: attended the morning only (replaced by claim {new['id']})"
    )
    assert revoked["revoked_at"] == replacing["claimed_at"] > revoked["claimed_at"]
    assert replacing["evaluation"] == revoked["evaluation"] == EVALUATION | {"will_change_practice": None}
    assert (replacing["completed_on"], replacing["share_permission"]) == (revoked["completed_on"], True)
    assert replacing["revoked_at"] is None and replacing["corrected_by"] == desk

    events = await outbox_of(client, learner)
    assert [(topic, data["claim_id"]) for topic, data in events] == [
        ("credit.claimed", old["id"]),
        ("credit.revoked", old["id"]),
        ("credit.claimed", new["id"]),
    ]
    (_, first), (_, revoke), (_, claim) = events
    assert revoke["learner_id"] == str(learner) and revoke["activity_id"] == old["activity_id"]
    assert revoke["reason"] == revoked["revoked_reason"]
    assert datetime.fromisoformat(revoke["revoked_at"]) == revoked["revoked_at"]
    assert set(claim) == set(first) and claim["activity"] == first["activity"]
    assert [(c["credit_type"], c["amount"], c["statement"]) for c in claim["credits"]] == [
        (AMA, "2.50", "Acme designates AMA ..."),
        (ANCC, "1.00", "Acme designates ANCC ..."),
    ]
    assert (claim["learner_id"], claim["completed_on"], claim["moc_boards"], claim["share_permission"]) == (
        str(learner),
        old["completed_on"],
        ["ABIM"],
        True,
    )
    assert datetime.fromisoformat(claim["claimed_at"]) == replacing["claimed_at"]

    transcript = (await client.get("/transcript", headers=mint.headers(learner))).json()
    assert [c["id"] for c in transcript["claims"]] == [new["id"]]
    assert transcript["totals"] == {AMA: "2.50", ANCC: "1.00"}


async def test_support_sees_the_revoked_and_the_replacing_claim_linked_the_learner_only_the_standing_one(client):
    learner, old = await claimed(client)
    new = (await correct(client, old["id"], support())).json()

    standing = (await client.get(f"/learners/{learner}/claims", headers=support())).json()
    assert [c["id"] for c in standing] == [new["id"]]
    both = (await client.get(f"/learners/{learner}/claims?include_revoked=true", headers=support())).json()
    by_id = {c["id"]: c for c in both}
    assert set(by_id) == {old["id"], new["id"]}
    assert by_id[old["id"]]["corrected_by_claim_id"] == new["id"] and by_id[old["id"]]["revoked_at"] is not None
    assert by_id[new["id"]]["corrects_claim_id"] == old["id"] and by_id[new["id"]]["corrected_by_claim_id"] is None
    assert (await client.get(f"/learners/{learner}/claims", headers=mint.headers(learner))).status_code == 403


async def test_correcting_the_corrected_claim_again_makes_a_chain(client):
    learner, first = await claimed(client)
    second = (await correct(client, first["id"], support(), credits={AMA: "2"})).json()
    third = await correct(client, second["id"], support(), credits={AMA: "1.75"}, reason="checked the sign-in sheet")
    assert third.status_code == 201, third.text
    assert third.json()["corrects_claim_id"] == second["id"]

    claims = (await client.get(f"/learners/{learner}/claims?include_revoked=true", headers=support())).json()
    links = {c["id"]: (c["corrects_claim_id"], c["corrected_by_claim_id"], c["revoked_at"] is None) for c in claims}
    assert links == {
        first["id"]: (None, second["id"], False),
        second["id"]: (first["id"], third.json()["id"], False),
        third.json()["id"]: (second["id"], None, True),
    }
    transcript = (await client.get("/transcript", headers=mint.headers(learner))).json()
    assert [c["id"] for c in transcript["claims"]] == [third.json()["id"]] and transcript["totals"] == {AMA: "1.75"}
    assert [topic for topic, _ in await outbox_of(client, learner)] == [
        "credit.claimed",
        "credit.revoked",
        "credit.claimed",
        "credit.revoked",
        "credit.claimed",
    ]


@pytest.mark.parametrize("roles", [("learner",), ("staff",)])
async def test_a_learner_or_coordinator_cannot_correct_a_claim(client, roles):
    learner, old = await claimed(client)
    headers = mint.headers(learner, roles=roles)  # their own claim, even
    response = await correct(client, old["id"], headers)
    assert response.status_code == 403, response.text
    assert (await correct(client, old["id"], {})).status_code == 401
    assert [topic for topic, _ in await outbox_of(client, learner)] == ["credit.claimed"]


async def test_an_admin_may_correct_a_claim(client):
    _, old = await claimed(client)
    assert (await correct(client, old["id"], mint.headers(uuid.uuid4(), roles=("admin",)))).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"credits": {AMA: "0"}}, f"credits.{AMA}"),
        ({"credits": {AMA: "-1"}}, f"credits.{AMA}"),
        ({"credits": {AMA: "2.3"}}, f"credits.{AMA}"),
        ({"credits": {AMA: "7.25"}}, f"credits.{AMA}"),
        ({"credits": {AMA: "many"}}, f"credits.{AMA}"),
        ({"credits": {AMA: "1e400"}}, f"credits.{AMA}"),
        ({"credits": {"ACPE": "1"}}, "credits.ACPE"),
        ({"credits": {}}, "credits"),
        ({"moc_boards": ["ABFM"]}, "moc_boards"),
        ({"moc_boards": ["ABIM"]}, "moc_boards"),  # the learner did not give permission to share
        ({"reason": "   "}, "reason"),
        ({"reason": "x" * 1001}, "reason"),
        ({"reason": None}, "reason"),
        ({"corrected_by": str(uuid.uuid4())}, "corrected_by"),
    ],
)
async def test_invalid_corrections_are_refused_naming_the_field(client, body, field):
    learner, old = await claimed(client)
    response = await correct(client, old["id"], support(), **body)
    assert response.status_code == 422, response.text
    assert field in the_field(response)
    transcript = (await client.get("/transcript", headers=mint.headers(learner))).json()
    assert [c["id"] for c in transcript["claims"]] == [old["id"]]


async def test_a_correction_without_a_reason_is_refused_naming_it(client):
    _, old = await claimed(client)
    response = await client.post(f"/claims/{old['id']}/correction", headers=support(), json={"credits": {AMA: "1"}})
    assert response.status_code == 422 and the_field(response) == ["reason"]


async def test_an_unknown_claim_is_not_found(client):
    response = await correct(client, uuid.uuid4(), support())
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"


async def test_a_revoked_claim_cannot_be_corrected(client):
    _, old = await claimed(client)
    assert (await correct(client, old["id"], support())).status_code == 201
    again = await correct(client, old["id"], support(), credits={AMA: "1"})
    assert again.status_code == 409, again.text
    assert the_field(again) == ["claim_id"] and "revoked" in again.json()["detail"]


async def test_a_correction_that_changes_nothing_is_a_conflict(client):
    learner, old = await claimed(client, credits={AMA: "3", ANCC: "2"}, moc_boards=["ABIM"], share_permission=True)
    for body in ({"credits": {AMA: "3.00", ANCC: "2"}}, {"credits": {AMA: "3", ANCC: "2"}, "moc_boards": ["ABIM"]}):
        response = await correct(client, old["id"], support(), **body)
        assert response.status_code == 409, response.text
        assert the_field(response) == ["credits"]
    assert [topic for topic, _ in await outbox_of(client, learner)] == ["credit.claimed"]
    # Dropping the board alone is a change.
    dropped = await correct(client, old["id"], support(), credits={AMA: "3", ANCC: "2"}, moc_boards=[])
    assert dropped.status_code == 201 and dropped.json()["moc_boards"] == []
