"""The public catalog for the portal: current and upcoming activities soonest first, past ones only on request, word
search, filters by format, credit type and dates, paging with the total in X-Total-Count.

Each test designates a credit type of its own (`tag`) and filters by it, so the activities other tests publish in
this module's database stay out of its answers.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from catalog_factories import MINT

STAFF = MINT.headers(uuid.uuid4(), roles=("staff",))


def new_tag() -> str:
    return f"T{uuid.uuid4().hex[:12].upper()}"


async def publish(client, tag: str, title: str, activity_format: str = "live_course", **fields) -> str:
    """Creates and publishes an activity designating `tag`; datetimes in `fields` may be given as datetimes."""
    body = {
        "title": title,
        "format": activity_format,
        "credit_designations": [{"credit_type": t, "max_credits": "1"} for t in tag.split(",")],
        **{k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()},
    }
    created = await client.post("/activities", json=body, headers=STAFF)
    assert created.status_code == 201, created.text
    published = await client.post(f"/activities/{created.json()['id']}/publish", headers=STAFF)
    assert published.status_code == 200, published.text
    return created.json()["id"]


async def search(client, tag: str | list[str], **params) -> tuple[list[str], int]:
    """The titles listed (in order) among activities designating `tag`, and X-Total-Count."""
    response = await client.get("/activities", params={"credit_type": tag, **params})
    assert response.status_code == 200, response.text
    return [a["title"] for a in response.json()], int(response.headers["x-total-count"])


def dated(start: datetime, hours: int = 2) -> dict:
    return {"starts_at": start, "ends_at": start + timedelta(hours=hours)}


async def test_the_default_listing_is_current_and_upcoming_soonest_first_and_past_ones_only_on_request(client):
    tag, now = new_tag(), datetime.now(UTC)
    await publish(client, tag, "Enduring without end", "text_based")
    await publish(client, tag, "In ten days", **dated(now + timedelta(days=10)))
    await publish(client, tag, "Grand rounds 40 days ago", "grand_rounds", **dated(now - timedelta(days=40), 1))
    await publish(client, tag, "Enduring until day 20", "enduring", available_until=now + timedelta(days=20))
    await publish(client, tag, "In three days", **dated(now + timedelta(days=3)))
    await publish(client, tag, "Enduring ended yesterday", "webcast", available_until=now - timedelta(days=1))
    await publish(client, tag, "Running now", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1))
    await publish(
        client,
        tag,
        "Recording on demand",
        "webcast",
        **dated(now - timedelta(days=5)),
        available_until=now + timedelta(days=30),
    )

    assert await search(client, tag) == (
        [
            "Recording on demand",  # its day has passed, its recording is still available: current
            "Running now",
            "In three days",
            "In ten days",
            "Enduring until day 20",  # undated material after dated activities, leaving soonest first
            "Enduring without end",
        ],
        6,
    )
    assert await search(client, tag, past="true") == (["Enduring ended yesterday", "Grand rounds 40 days ago"], 2)


async def test_words_are_found_in_the_title_description_and_location_with_english_stemming(client):
    tag, start = new_tag(), datetime.now(UTC) + timedelta(days=30)
    await publish(
        client, tag, "Heart Failure Update", description="Diuretics and more", location="Main Campus", **dated(start)
    )
    await publish(
        client,
        tag,
        "Sepsis Bundle",
        description="Early antibiotics and lactate",
        location="Rochester General",
        **dated(start + timedelta(days=1)),
    )
    await publish(client, tag, "Pediatric Heart Disease", location="Online", **dated(start + timedelta(days=2)))

    assert await search(client, tag, q="failures") == (["Heart Failure Update"], 1)
    assert await search(client, tag, q="antibiotic") == (["Sepsis Bundle"], 1)
    assert await search(client, tag, q="rochester") == (["Sepsis Bundle"], 1)
    assert await search(client, tag, q="heart") == (["Heart Failure Update", "Pediatric Heart Disease"], 2)
    assert await search(client, tag, q="heart -pediatric") == (["Heart Failure Update"], 1)
    assert await search(client, tag, q='"heart disease"') == (["Pediatric Heart Disease"], 1)
    assert await search(client, tag, q="sepsis or diuretics") == (["Heart Failure Update", "Sepsis Bundle"], 2)
    assert await search(client, tag, q="zzyzx") == ([], 0)
    assert (await search(client, tag, q="  "))[1] == 3  # an empty search box searches for everything


async def test_formats_and_credit_types_are_repeatable_and_each_matches_any_of_its_values(client):
    first, second, start = new_tag(), new_tag(), datetime.now(UTC) + timedelta(days=40)
    await publish(client, first, "Live, first type", **dated(start))
    await publish(client, second, "Webcast, second type", "webcast", **dated(start + timedelta(days=1)))
    await publish(
        client, f"{first},{second}", "Grand rounds, both types", "grand_rounds", **dated(start + timedelta(days=2))
    )

    assert await search(client, first) == (["Live, first type", "Grand rounds, both types"], 2)
    assert (await search(client, [first, second]))[1] == 3
    assert await search(client, [first, second], format=["webcast", "grand_rounds"]) == (
        ["Webcast, second type", "Grand rounds, both types"],
        2,
    )
    assert await search(client, [first, second], format="live_course") == (["Live, first type"], 1)


async def test_a_date_range_keeps_activities_overlapping_it_and_undated_material_by_its_availability(client):
    tag, now = new_tag(), datetime.now(UTC)
    day = (now + timedelta(days=60)).replace(hour=12, minute=0, second=0, microsecond=0)
    await publish(client, tag, "On the day", **dated(day))
    await publish(client, tag, "A month later", **dated(day + timedelta(days=30)))
    await publish(client, tag, "Spanning the day", starts_at=day - timedelta(days=5), ends_at=day + timedelta(days=5))
    await publish(client, tag, "Available a month", "enduring", available_until=now + timedelta(days=30))
    await publish(client, tag, "Available always", "text_based")

    on_the_day = {"from": day.date().isoformat(), "to": day.date().isoformat()}
    assert await search(client, tag, **on_the_day) == (["Spanning the day", "On the day", "Available always"], 3)
    next_weeks = {"from": now.date().isoformat(), "to": (now + timedelta(days=20)).date().isoformat()}
    assert await search(client, tag, **next_weeks) == (["Available a month", "Available always"], 2)
    # Undated material is available from its publication (just now), so not on a day before.
    yesterday = (now - timedelta(days=1)).date().isoformat()
    assert await search(client, tag, **{"from": yesterday, "to": yesterday}) == ([], 0)
    assert await search(client, tag, **{"from": (day + timedelta(days=29)).date().isoformat()}) == (
        ["A month later", "Available always"],
        2,
    )


async def test_pages_follow_the_listing_order_and_the_total_counts_every_match(client):
    tag, start = new_tag(), datetime.now(UTC) + timedelta(days=100)
    for n in range(1, 6):
        await publish(client, tag, f"Course {n}", **dated(start + timedelta(days=n)))

    assert await search(client, tag, limit=2, offset=2) == (["Course 3", "Course 4"], 5)
    assert await search(client, tag, limit=2, offset=4) == (["Course 5"], 5)
    assert await search(client, tag, offset=10) == ([], 5)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"from": "9999-12-31"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"past": "maybe"}, "past"),
        ({"format": ["live_course", "lecture"]}, "format.1"),
        ({"credit_type": "ama pra 1"}, "credit_type.0"),
    ],
)
async def test_a_search_the_catalog_cannot_answer_is_a_problem_naming_the_parameter(client, params, field):
    response = await client.get("/activities", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_the_page_size_is_20_by_default(client):
    tag, start = new_tag(), datetime.now(UTC) + timedelta(days=200)
    for n in range(21):
        await publish(client, tag, f"Session {n:02}", **dated(start + timedelta(hours=n)))
    titles, total = await search(client, tag)
    assert (len(titles), total) == (20, 21)
    assert titles[0] == "Session 00"
