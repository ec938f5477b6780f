"""The office's reports of credit claimed and of an activity's evaluations, against a real PostgreSQL: counted per
bucket in UTC from standing claims only, comments with their day and never who gave them, for the office only."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from credit import repository
from credit.config import Settings
from credit.main import create_app
from devstack.testing import TokenMint, running_app
from opencme_kit.auth import TokenVerifier

AMA, ANCC = "AMA_PRA_1", "ANCC"
mint = TokenMint()
STAFF = mint.headers(uuid.uuid4(), roles=("staff",))
MARCH = {"from": "2031-03-01", "to": "2031-03-31"}


@pytest.fixture(scope="module")
async def client(make_database):
    app = create_app(Settings(database_url=await make_database("credit")))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client


async def make_activity(conn, *, ends_at: datetime) -> uuid.UUID:
    activity_id = uuid.uuid4()
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
        moc_boards=[],
        requires_event_code=False,
        published_at=ends_at,
    )
    return activity_id


async def make_claim(
    conn,
    activity_id,
    *,
    claimed_at,
    credits,
    rating=4,
    objectives_met=True,
    unbiased=True,
    will_change=None,
    comments="",
    revoked=False,
) -> None:
    evaluation = {
        "overall_rating": rating,
        "objectives_met": objectives_met,
        "free_of_commercial_bias": unbiased,
        "will_change_practice": will_change,
        "comments": comments,
    }
    await conn.execute(
        """INSERT INTO claims (id, learner_id, activity_id, credits, evaluation, completed_on, claimed_at, revoked_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        uuid.uuid4(),
        uuid.uuid4(),
        activity_id,
        [{"credit_type": t, "amount": a, "statement": "..."} for t, a in credits.items()],
        evaluation,
        claimed_at.date(),
        claimed_at,
        claimed_at if revoked else None,
    )


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2031, 3, day, hour, tzinfo=UTC)


@pytest.fixture
async def activity(client) -> uuid.UUID:
    """Claims on 3 and 4 March 2031 (one week from Monday) and on 11 March (the next), one of them revoked, and one in
    April outside March."""
    async with client.app.state.pool.acquire() as conn:
        activity_id = await make_activity(conn, ends_at=at(2))
        await make_claim(
            conn,
            activity_id,
            claimed_at=at(3),
            credits={AMA: "7", ANCC: "5"},
            rating=5,
            will_change=True,
            comments="Great, =SUM(A1) on the slides",
        )
        await make_claim(
            conn,
            activity_id,
            claimed_at=at(4),
            credits={AMA: "3.5"},
            rating=4,
            objectives_met=False,
            unbiased=False,
            will_change=False,
            comments="Too fast\nfor me",
        )
        await make_claim(conn, activity_id, claimed_at=at(11), credits={AMA: "2.25"}, rating=4)
        await make_claim(
            conn, activity_id, claimed_at=at(5), credits={AMA: "7"}, rating=1, comments="revoked", revoked=True
        )
        await make_claim(conn, activity_id, claimed_at=datetime(2031, 4, 1, tzinfo=UTC), credits={AMA: "1"}, rating=2)
    return activity_id


async def report(client, name: str, headers=STAFF, **params) -> dict:
    answer = await client.get(f"/office/reports/{name}", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_credit_is_counted_per_week_and_type_from_standing_claims_only(client, activity):
    answer = await report(client, "credits", **MARCH, bucket="week", activity_id=str(activity))
    assert answer == {
        "bucket": "week",
        "rows": [
            {"period": "2031-03-03", "credit_type": AMA, "claims": 2, "credits": "10.5"},
            {"period": "2031-03-03", "credit_type": ANCC, "claims": 1, "credits": "5"},
            {"period": "2031-03-10", "credit_type": AMA, "claims": 1, "credits": "2.25"},
        ],
    }


async def test_a_claim_made_through_the_api_is_counted_today(client):
    learner = uuid.uuid4()
    async with client.app.state.pool.acquire() as conn:
        activity_id = await make_activity(conn, ends_at=datetime.now(UTC) - timedelta(days=2))
        await repository.insert_registration(
            conn, registration_id=uuid.uuid4(), learner_id=learner, activity_id=activity_id, email="jane@example.org"
        )
    claimed = await client.post(
        "/claims",
        headers=mint.headers(learner),
        json={
            "activity_id": str(activity_id),
            "credits": {ANCC: "1.25"},
            "evaluation": {"overall_rating": 3, "objectives_met": True, "free_of_commercial_bias": True},
        },
    )
    assert claimed.status_code == 201, claimed.text
    today = datetime.now(UTC).date().isoformat()
    params = {"from": today, "to": today, "activity_id": str(activity_id)}
    credits = await report(client, "credits", **params, bucket="day")
    assert credits["rows"] == [{"period": today, "credit_type": ANCC, "claims": 1, "credits": "1.25"}]
    evaluations = await report(client, "evaluations", **params)
    assert evaluations["responses"] == 1 and evaluations["ratings"][2] == {"rating": 3, "answers": 1}
    assert evaluations["questions"][2] == {"question": "will_change_practice", "yes": 0, "no": 0, "unanswered": 1}


async def test_an_activitys_evaluations_count_every_rating_and_answer_and_give_comments_by_day_only(client, activity):
    answer = await report(client, "evaluations", **MARCH, activity_id=str(activity))
    assert answer == {
        "activity_id": str(activity),
        "responses": 3,
        "ratings": [{"rating": r, "answers": n} for r, n in [(1, 0), (2, 0), (3, 0), (4, 2), (5, 1)]],
        "questions": [
            {"question": "objectives_met", "yes": 2, "no": 1, "unanswered": 0},
            {"question": "free_of_commercial_bias", "yes": 2, "no": 1, "unanswered": 0},
            {"question": "will_change_practice", "yes": 1, "no": 1, "unanswered": 1},
        ],
        "comments": [
            {"day": "2031-03-04", "comment": "Too fast\nfor me"},
            {"day": "2031-03-03", "comment": "Great, =SUM(A1) on the slides"},
        ],
    }


async def test_evaluations_of_a_period_without_claims_are_all_zero(client, activity):
    answer = await report(
        client, "evaluations", **{"from": "2030-01-01", "to": "2030-12-31"}, activity_id=str(activity)
    )
    assert answer["responses"] == 0 and answer["comments"] == []
    assert [r["answers"] for r in answer["ratings"]] == [0, 0, 0, 0, 0]


@pytest.mark.parametrize("name", ["credits", "evaluations"])
async def test_reports_are_for_the_office_only(client, name):
    path, params = f"/office/reports/{name}", {**MARCH, "activity_id": str(uuid.uuid4())}
    assert (await client.get(path, params=params)).status_code == 401
    for roles in ((), ("support",)):
        refused = await client.get(path, params=params, headers=mint.headers(uuid.uuid4(), roles=roles))
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
    admin = await client.get(path, params=params, headers=mint.headers(uuid.uuid4(), roles=("admin",)))
    assert admin.status_code == 200


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("credits", {"from": "2031-03-02", "to": "2031-03-01"}, "to"),
        ("credits", {**MARCH, "bucket": "quarter"}, "bucket"),
        ("credits", {"from": "2021-01-01", "to": "2031-01-01", "bucket": "day"}, "bucket"),
        ("evaluations", MARCH, "activity_id"),
        ("evaluations", {**MARCH, "activity_id": "x"}, "activity_id"),
        ("evaluations", {"from": "2031-03-02", "to": "2031-03-01", "activity_id": str(uuid.uuid4())}, "to"),
    ],
)
async def test_a_bad_period_or_activity_is_refused_naming_the_field(client, name, params, field):
    refused = await client.get(f"/office/reports/{name}", params=params, headers=STAFF)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == [field]
