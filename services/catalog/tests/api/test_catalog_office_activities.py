"""The coordinator's tools: every activity (drafts too), editing one within what publishing allows, and giving a
session a new event code."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from catalog_factories import MINT

STAFF = MINT.headers(uuid.uuid4(), roles=("staff",))
LOCKED = "cannot change once the activity is published: credit, certificates and board reports already use it"


def activity_body(**overrides) -> dict:
    start = datetime.now(UTC) + timedelta(days=7)
    body = {
        "title": "Cardiology Update",
        "format": "live_course",
        "description": "Heart failure, arrhythmia and lipids.",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
        "location": "Main Campus, Room 1",
        "fees": {"physician": 25000, "guest": 5000},
        "capacity": 50,
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "7.25"}],
        "moc_boards": ["ABIM"],
    }
    return {**body, **overrides}


async def draft(client, **overrides) -> dict:
    created = await client.post("/activities", json=activity_body(**overrides), headers=STAFF)
    assert created.status_code == 201, created.text
    return created.json()


async def published(client, **overrides) -> dict:
    activity = await draft(client, **overrides)
    answer = await client.post(f"/activities/{activity['id']}/publish", headers=STAFF)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def office_list(client, **params) -> tuple[int, list[dict]]:
    answer = await client.get("/office/activities", params=params, headers=STAFF)
    assert answer.status_code == 200, answer.text
    return int(answer.headers["X-Total-Count"]), answer.json()


async def register(client, activity_id: str, category: str = "physician") -> dict:
    answer = await client.post(
        f"/activities/{activity_id}/registrations",
        json={"attendee_category": category},
        headers=MINT.headers(uuid.uuid4()),
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def tag() -> str:
    """A word of the test's own, so its activities are the only ones a title search finds."""
    return f"T{uuid.uuid4().hex[:10]}"


# The list and one activity


async def test_staff_list_drafts_and_published_activities_most_recently_created_first(client):
    word = tag()
    first = await published(client, title=f"Lipids {word}")
    second = await draft(client, title=f"Stroke {word}")

    total, activities = await office_list(client, q=word)

    assert total == 2
    assert [(a["id"], a["status"]) for a in activities] == [(second["id"], "draft"), (first["id"], "published")]


async def test_the_list_filters_by_status_and_by_part_of_the_title_in_any_case(client):
    word = tag()
    lipids = await published(client, title=f"Lipids {word} Update")
    stroke = await draft(client, title=f"Stroke {word} Update")
    await draft(client, title=f"Sepsis {word}")

    drafts_total, drafts = await office_list(client, q=word, status="draft")
    published_total, published_ones = await office_list(client, q=word, status="published")
    _, updates = await office_list(client, q=f"{word.lower()} upd")

    assert drafts_total == 2 and all(a["status"] == "draft" for a in drafts)
    assert published_total == 1 and [a["id"] for a in published_ones] == [lipids["id"]]
    assert sorted(a["id"] for a in updates) == sorted([lipids["id"], stroke["id"]])


async def test_percent_and_underscore_in_a_title_search_are_only_themselves(client):
    word = tag()
    discount = await draft(client, title=f"{word} 50% off_season")
    await draft(client, title=f"{word} 500 offseason")

    _, found = await office_list(client, q=f"{word} 50% off_")

    assert [a["id"] for a in found] == [discount["id"]]


async def test_the_list_is_paged_and_x_total_count_counts_every_match(client):
    word = tag()
    created = [(await draft(client, title=f"Session {i} {word}"))["id"] for i in range(5)]
    newest_first = list(reversed(created))

    total, first_page = await office_list(client, q=word, limit=2)
    _, last_page = await office_list(client, q=word, limit=2, offset=4)
    _, beyond = await office_list(client, q=word, limit=2, offset=10)

    assert total == 5
    assert [a["id"] for a in first_page] == newest_first[:2]
    assert [a["id"] for a in last_page] == newest_first[4:]
    assert beyond == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"offset": -1}, "offset"), ({"status": "gone"}, "status")],
)
async def test_bad_list_parameters_are_a_problem_naming_the_parameter(client, params, field):
    answer = await client.get("/office/activities", params=params, headers=STAFF)

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == [field]


@pytest.mark.parametrize("bad", ["ab\x00cd", "ring\x07", "next\x85line", "\u202eevil", "two\nlines", "x" * 60_000])
async def test_a_title_search_refuses_hostile_text_naming_q(client, bad):
    answer = await client.get("/office/activities", params={"q": bad}, headers=STAFF)

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["q"]


@pytest.mark.parametrize("q", ["\\", "%", "_", "'"])
async def test_a_title_search_for_odd_characters_finds_only_titles_holding_them(client, q):
    odd = await draft(client, title="Tea & Biscuits 100% \\ of_it 'quoted'")

    answer = await client.get("/office/activities", params={"q": q}, headers=STAFF)

    assert answer.status_code == 200, answer.text
    titles = [a["title"] for a in answer.json()]
    assert odd["title"] in titles and all(q in title for title in titles)
    assert answer.headers["X-Total-Count"] == str(len(titles))


async def test_bytes_that_are_not_utf_8_in_a_title_search_are_searched_as_replacement_characters(client):
    answer = await client.get("/office/activities?q=%ED%A0%80%FF", headers=STAFF)

    assert answer.status_code == 200 and answer.json() == []


async def test_staff_read_a_draft_that_the_public_catalog_does_not_show(client):
    activity = await draft(client, title="Not yet announced")

    office = await client.get(f"/office/activities/{activity['id']}", headers=STAFF)
    public = await client.get(f"/activities/{activity['id']}")
    unknown = await client.get(f"/office/activities/{uuid.uuid4()}", headers=STAFF)

    assert office.status_code == 200 and office.json() == activity
    assert public.status_code == 404
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"


async def test_the_new_endpoints_are_for_staff_only(client):
    activity = await draft(client)
    session = await client.post(
        f"/activities/{activity['id']}/sessions",
        json={
            "title": "Day one",
            "starts_at": activity["starts_at"],
            "ends_at": (datetime.fromisoformat(activity["starts_at"]) + timedelta(hours=1)).isoformat(),
        },
        headers=STAFF,
    )
    calls = [
        ("GET", "/office/activities", None),
        ("GET", f"/office/activities/{activity['id']}", None),
        ("PATCH", f"/activities/{activity['id']}", {"description": "Taken over"}),
        ("POST", f"/sessions/{session.json()['id']}/code", None),
    ]
    learner, support = MINT.headers(uuid.uuid4()), MINT.headers(uuid.uuid4(), roles=("support",))

    for method, path, body in calls:
        anonymous = await client.request(method, path, json=body)
        as_learner = await client.request(method, path, json=body, headers=learner)
        as_support = await client.request(method, path, json=body, headers=support)
        assert (anonymous.status_code, as_learner.status_code, as_support.status_code) == (401, 403, 403), path
        assert as_learner.headers["content-type"] == "application/problem+json"
    admin = await client.get(
        f"/office/activities/{activity['id']}", headers=MINT.headers(uuid.uuid4(), roles=("admin",))
    )
    assert admin.status_code == 200
    unchanged = await client.get(f"/office/activities/{activity['id']}", headers=STAFF)
    assert unchanged.json()["description"] == activity["description"]
    sessions = await client.get(f"/activities/{activity['id']}/sessions", headers=STAFF)
    assert [s["event_code"] for s in sessions.json()] == [session.json()["event_code"]]


# Editing


async def test_a_draft_may_change_anything(client):
    activity = await draft(client)
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    edit = {
        "title": "Grand Rounds: Sepsis",
        "format": "grand_rounds",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "credit_designations": [
            {"credit_type": "AMA_PRA_1", "max_credits": "1"},
            {"credit_type": "ANCC", "max_credits": "1"},
        ],
        "claim_window_days": 60,
        "moc_boards": [],
        "requires_event_code": True,
        "location": None,
        "capacity": None,
        "fees": {},
    }

    answer = await client.patch(f"/activities/{activity['id']}", json=edit, headers=STAFF)

    assert answer.status_code == 200, answer.text
    edited = answer.json()
    assert {k: edited[k] for k in ("title", "format", "claim_window_days", "moc_boards", "requires_event_code")} == {
        "title": "Grand Rounds: Sepsis",
        "format": "grand_rounds",
        "claim_window_days": 60,
        "moc_boards": [],
        "requires_event_code": True,
    }
    assert datetime.fromisoformat(edited["starts_at"]) == start
    assert (edited["location"], edited["capacity"], edited["seats_left"], edited["fees"]) == (None, None, None, {})
    assert [d["credit_type"] for d in edited["credit_designations"]] == ["AMA_PRA_1", "ANCC"]
    assert edited["credit_designations"][0]["statement"].startswith("Acme Clinic designates this live activity")
    assert edited["status"] == "draft" and edited["description"] == activity["description"]  # left out: unchanged
    office = await client.get(f"/office/activities/{activity['id']}", headers=STAFF)
    assert office.json() == edited


async def test_an_edit_is_checked_with_what_it_leaves_as_it_is(client):
    activity = await draft(client)
    before_start = (datetime.fromisoformat(activity["starts_at"]) - timedelta(hours=1)).isoformat()

    answer = await client.patch(f"/activities/{activity['id']}", json={"ends_at": before_start}, headers=STAFF)

    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == [{"field": "ends_at", "reason": "must not be before starts_at"}]
    unchanged = await client.get(f"/office/activities/{activity['id']}", headers=STAFF)
    assert unchanged.json()["ends_at"] == activity["ends_at"]


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"title": None}, "title"),
        ({"credit_designations": []}, "credit_designations"),
        ({"capacity": 0}, "capacity"),
        ({"fees": {"guest": -1}}, "fees.guest"),
        ({"status": "published"}, "status"),
        ({"title": "Bidi \u202e override"}, "title"),
        (
            {"credit_designations": [{"credit_type": "ANCC", "max_credits": "1"}] * 2},
            "credit_designations.1.credit_type",
        ),
    ],
)
async def test_a_bad_edit_is_a_problem_naming_the_field(client, edit, field):
    activity = await draft(client)

    answer = await client.patch(f"/activities/{activity['id']}", json=edit, headers=STAFF)

    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("field", "bad"),
    [("title", "\u202eevil"), ("location", "two\nlines"), ("description", "ab\x00cd"), ("title", "x" * 100_000)],
)
async def test_an_edit_refuses_hostile_text_naming_the_field(client, field, bad):
    activity = await draft(client)

    answer = await client.patch(f"/activities/{activity['id']}", json={field: bad}, headers=STAFF)

    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [field]


async def test_editing_an_unknown_activity_is_not_found(client):
    answer = await client.patch(f"/activities/{uuid.uuid4()}", json={"description": "?"}, headers=STAFF)

    assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"


async def test_a_published_activity_changes_what_only_the_catalog_uses(client):
    activity = await published(client)
    start = datetime.fromisoformat(activity["starts_at"])
    edit = {
        "description": "Now with a lipid workshop.",
        "location": activity["location"],
        "capacity": 80,
        "fees": {"physician": 30000, "guest": 5000, "nurse": 10000},
        "registration_opens_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "registration_closes_at": (start - timedelta(days=1)).isoformat(),
        # The same values again are no change.
        "title": activity["title"],
        "starts_at": start.astimezone(timezone(timedelta(hours=-5))).isoformat(),
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "7.250"}],
    }

    answer = await client.patch(f"/activities/{activity['id']}", json=edit, headers=STAFF)

    assert answer.status_code == 200, answer.text
    edited = answer.json()
    assert (edited["description"], edited["location"], edited["capacity"], edited["seats_left"]) == (
        "Now with a lipid workshop.",
        activity["location"],
        80,
        80,
    )
    assert edited["fees"] == {"physician": 30000, "guest": 5000, "nurse": 10000}
    assert datetime.fromisoformat(edited["registration_closes_at"]) == start - timedelta(days=1)
    assert edited["status"] == "published" and edited["credit_designations"] == activity["credit_designations"]
    assert (await client.get(f"/activities/{activity['id']}")).json() == edited


async def test_a_published_activity_refuses_changes_to_what_other_services_use_and_writes_nothing(client):
    activity = await published(client)
    edit = {
        "description": "This must not be written either.",
        "title": "Cardiology Update (revised)",
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "8"}],
    }

    answer = await client.patch(f"/activities/{activity['id']}", json=edit, headers=STAFF)

    assert answer.status_code == 409, answer.text
    problem = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["errors"] == [
        {"field": "title", "reason": LOCKED},
        {"field": "credit_designations", "reason": LOCKED},
    ]
    assert problem["detail"] == f"title, credit_designations: {LOCKED}"
    stored = await client.get(f"/office/activities/{activity['id']}", headers=STAFF)
    assert stored.json() == activity


@pytest.mark.parametrize(
    "edit",
    [
        {"format": "webcast"},
        {"location": "Main Campus, Auditorium"},
        {"starts_at": "2027-01-01T09:00:00Z", "ends_at": "2027-01-01T17:00:00Z"},
        {"ends_at": None},
        {"available_until": "2030-01-01T00:00:00Z"},
        {"claim_window_days": 90},
        {"moc_boards": ["ABIM", "ABP"]},
        {"requires_event_code": True},
    ],
)
async def test_every_field_other_services_use_is_locked_once_published(client, edit):
    activity = await published(client)

    answer = await client.patch(f"/activities/{activity['id']}", json=edit, headers=STAFF)

    assert answer.status_code == 409, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == list(edit)


async def test_the_capacity_cannot_fall_below_the_confirmed_registrations(client):
    activity = await published(client, capacity=5)
    for _ in range(3):
        await register(client, activity["id"])

    below = await client.patch(f"/activities/{activity['id']}", json={"capacity": 2}, headers=STAFF)
    exact = await client.patch(f"/activities/{activity['id']}", json={"capacity": 3}, headers=STAFF)

    assert below.status_code == 409, below.text
    assert below.json()["errors"] == [
        {"field": "capacity", "reason": "must not be below the 3 registrations already confirmed"}
    ]
    assert exact.status_code == 200, exact.text
    assert (exact.json()["capacity"], exact.json()["seats_left"]) == (3, 0)


async def test_a_new_fee_applies_to_new_registrations_only(client):
    activity = await published(client)
    earlier = await register(client, activity["id"])

    edited = await client.patch(
        f"/activities/{activity['id']}", json={"fees": {"physician": 40000, "guest": 5000}}, headers=STAFF
    )
    later = await register(client, activity["id"])

    assert edited.status_code == 200, edited.text
    assert (earlier["fee_cents"], later["fee_cents"]) == (25000, 40000)
    roster = await client.get(f"/activities/{activity['id']}/registrations", headers=STAFF)
    assert {r["number"]: r["fee_cents"] for r in roster.json()} == {earlier["number"]: 25000, later["number"]: 40000}


async def test_the_openapi_document_describes_the_edit(client):
    document = (await client.get("/openapi.json")).json()
    patch = document["paths"]["/activities/{activity_id}"]["patch"]

    assert patch["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ActivityUpdate"
    }
    assert patch["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Activity"
    }
    assert {"401", "403", "404", "409", "422"} <= set(patch["responses"])
    update = document["components"]["schemas"]["ActivityUpdate"]
    assert "required" not in update and update["additionalProperties"] is False
    assert update["properties"]["title"]["type"] == "string"  # never null
    assert {"type": "null"} in update["properties"]["location"]["anyOf"]  # null clears it
    office = document["paths"]["/office/activities"]["get"]
    assert "X-Total-Count" in office["responses"]["200"]["headers"]


# A new event code


async def session_of(client, activity_id: str, *, code_valid_days: int = 30) -> dict:
    start = datetime.now(UTC) - timedelta(minutes=30)
    answer = await client.post(
        f"/activities/{activity_id}/sessions",
        json={
            "title": "Sepsis update",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "code_valid_days": code_valid_days,
        },
        headers=STAFF,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_a_new_code_replaces_the_old_one_at_once(client):
    activity = await published(client, format="grand_rounds", requires_event_code=True, fees={}, capacity=None)
    session = await session_of(client, activity["id"], code_valid_days=7)
    early = MINT.headers(uuid.uuid4())
    assert (await client.post("/attendance/event-code", json={"code": session["event_code"]}, headers=early)).is_success

    renewed = await client.post(f"/sessions/{session['id']}/code", headers=STAFF)

    assert renewed.status_code == 200, renewed.text
    new = renewed.json()
    assert new["id"] == session["id"] and new["event_code"] != session["event_code"]
    assert (new["uses"], new["accepted_uses"]) == (0, 0)
    valid_from = datetime.fromisoformat(new["code_valid_from"])
    assert abs(valid_from - datetime.now(UTC)) < timedelta(minutes=1)
    old_validity = datetime.fromisoformat(session["code_valid_until"]) - datetime.fromisoformat(
        session["code_valid_from"]
    )
    assert datetime.fromisoformat(new["code_valid_until"]) - valid_from == old_validity
    listed = await client.get(f"/activities/{activity['id']}/sessions", headers=STAFF)
    assert listed.json() == [new]

    late = MINT.headers(uuid.uuid4())
    old = await client.post("/attendance/event-code", json={"code": session["event_code"]}, headers=late)
    assert old.status_code == 404
    assert old.json()["errors"] == [{"field": "code", "reason": "no session has this code"}]
    accepted = await client.post("/attendance/event-code", json={"code": new["event_code"].lower()}, headers=late)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["session_id"] == session["id"]

    async with client.app.state.pool.acquire() as conn:
        kept = await conn.fetch(
            "SELECT accepted FROM event_code_uses WHERE code = $1 ORDER BY id", session["event_code"]
        )
    assert [u["accepted"] for u in kept] == [True, False]  # the old code's uses stay, for the help desk


async def test_a_new_code_for_an_unknown_session_is_not_found(client):
    answer = await client.post(f"/sessions/{uuid.uuid4()}/code", headers=STAFF)

    assert answer.status_code == 404 and answer.headers["content-type"] == "application/problem+json"
