"""The office's reports of registrations and attendance: counted per bucket in UTC, for the office only, and a bad
period is refused naming its field."""

import uuid
from datetime import UTC, datetime

import pytest
from catalog_factories import MINT, make_activity, make_attendance, make_registration, make_session

STAFF = MINT.headers(uuid.uuid4(), roles=("staff",))
ADMIN = MINT.headers(uuid.uuid4(), roles=("admin",))
MARCH = {"from": "2031-03-01", "to": "2031-03-31"}


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2031, 3, day, hour, tzinfo=UTC)


@pytest.fixture
async def activity(client) -> uuid.UUID:
    """An activity with registrations on 3, 4 and 11 March 2031 (a Monday, Tuesday and the next Tuesday) in two
    categories, one of them cancelled, and attendance at two sessions; a registration in April is outside March."""
    async with client.app.state.pool.acquire() as conn:
        activity_id = await make_activity(conn)
        for day, category, fee, status in [
            (3, "physician", 25000, "confirmed"),
            (4, "physician", 25000, "confirmed"),
            (4, "nurse", 5000, "confirmed"),
            (4, "nurse", 5000, "cancelled"),
            (11, "nurse", 5000, "confirmed"),
        ]:
            await make_registration(
                conn, activity_id, uuid.uuid4(), category=category, fee_cents=fee, status=status, at=at(day)
            )
        await make_registration(conn, activity_id, uuid.uuid4(), at=datetime(2031, 4, 1, tzinfo=UTC))
        morning, afternoon = await make_session(conn, activity_id), await make_session(conn, activity_id)
        for session, day in [(morning, 3), (morning, 4), (afternoon, 4), (afternoon, 12)]:
            await make_attendance(conn, session, uuid.uuid4(), method="event_code", recorded_at=at(day))
    return activity_id


async def report(client, name: str, headers=STAFF, **params) -> dict:
    answer = await client.get(f"/office/reports/{name}", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_registrations_are_counted_per_week_from_monday_and_category_with_the_fees_of_confirmed_ones(
    client, activity
):
    answer = await report(client, "registrations", **MARCH, bucket="week", activity_id=str(activity))
    assert answer == {
        "bucket": "week",
        "rows": [
            {"period": "2031-03-03", "category": "nurse", "confirmed": 1, "cancelled": 1, "fees_cents": 5000},
            {"period": "2031-03-03", "category": "physician", "confirmed": 2, "cancelled": 0, "fees_cents": 50000},
            {"period": "2031-03-10", "category": "nurse", "confirmed": 1, "cancelled": 0, "fees_cents": 5000},
        ],
    }


async def test_registrations_by_month_and_by_day_cut_the_same_registrations_differently(client, activity):
    by_month = await report(client, "registrations", **MARCH, bucket="month", activity_id=str(activity))
    by_day = await report(client, "registrations", **MARCH, bucket="day", activity_id=str(activity))
    assert [(r["period"], r["category"], r["confirmed"]) for r in by_month["rows"]] == [
        ("2031-03-01", "nurse", 2),
        ("2031-03-01", "physician", 2),
    ]
    assert sorted({r["period"] for r in by_day["rows"]}) == ["2031-03-03", "2031-03-04", "2031-03-11"]


async def test_the_period_includes_its_last_day_and_nothing_after_it(client, activity):
    answer = await report(
        client, "registrations", **{"from": "2031-03-11", "to": "2031-03-11"}, bucket="day", activity_id=str(activity)
    )
    assert [(r["period"], r["confirmed"]) for r in answer["rows"]] == [("2031-03-11", 1)]


async def test_attendance_is_counted_per_bucket_and_session_of_the_activity(client, activity):
    answer = await report(client, "attendance", headers=ADMIN, **MARCH, bucket="week", activity_id=str(activity))
    counts = [(r["period"], r["session_title"], r["attended"]) for r in answer["rows"]]
    assert counts == [
        ("2031-03-03", "Grand rounds", 2),
        ("2031-03-03", "Grand rounds", 1),
        ("2031-03-10", "Grand rounds", 1),
    ]
    assert {r["activity_id"] for r in answer["rows"]} == {str(activity)}
    assert answer["rows"][0]["activity_title"] == "Heart Failure Update"


async def test_every_activity_is_counted_without_the_filter(client, activity):
    async with client.app.state.pool.acquire() as conn:
        other = await make_activity(conn)
        await make_registration(conn, other, uuid.uuid4(), at=at(3))
    answer = await report(client, "registrations", **MARCH, bucket="month")
    assert sum(r["confirmed"] + r["cancelled"] for r in answer["rows"]) >= 6


@pytest.mark.parametrize("name", ["registrations", "attendance"])
async def test_reports_are_for_the_office_only(client, name):
    path = f"/office/reports/{name}"
    assert (await client.get(path, params=MARCH)).status_code == 401
    for role in ((), ("support",)):
        refused = await client.get(path, params=MARCH, headers=MINT.headers(uuid.uuid4(), roles=role))
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2031-03-02", "to": "2031-03-01"}, "to"),
        ({**MARCH, "bucket": "year"}, "bucket"),
        ({"from": "2020-01-01", "to": "2031-01-01", "bucket": "day"}, "bucket"),
        ({"from": "March", "to": "2031-03-01"}, "from"),
        ({"to": "2031-03-01"}, "from"),
        ({**MARCH, "activity_id": "not-an-id"}, "activity_id"),
    ],
)
async def test_a_bad_period_is_refused_naming_the_field(client, params, field):
    for name in ("registrations", "attendance"):
        refused = await client.get(f"/office/reports/{name}", params=params, headers=STAFF)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in refused.json()["errors"]] == [field]
