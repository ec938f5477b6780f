"""Staff read a session's event code back after creating it, with its validity and how often it was entered;
learners never see codes."""

import uuid
from datetime import UTC, datetime, timedelta

from catalog_factories import MINT

STAFF = MINT.headers(uuid.uuid4(), roles=("staff",))


async def grand_rounds(client) -> str:
    start = datetime.now(UTC) - timedelta(days=1)
    created = await client.post(
        "/activities",
        json={
            "title": "Medicine Grand Rounds",
            "format": "grand_rounds",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(days=90)).isoformat(),
            "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "1"}],
            "requires_event_code": True,
        },
        headers=STAFF,
    )
    assert created.status_code == 201, created.text
    assert (await client.post(f"/activities/{created.json()['id']}/publish", headers=STAFF)).status_code == 200
    return created.json()["id"]


async def add_session(client, activity_id: str, title: str, starts_at: datetime) -> dict:
    session = await client.post(
        f"/activities/{activity_id}/sessions",
        json={
            "title": title,
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(hours=1)).isoformat(),
        },
        headers=STAFF,
    )
    assert session.status_code == 201, session.text
    return session.json()


async def test_staff_read_each_sessions_code_its_validity_and_how_often_it_was_used(client):
    activity_id = await grand_rounds(client)
    now = datetime.now(UTC)
    today = await add_session(client, activity_id, "Sepsis update", now - timedelta(minutes=30))
    next_week = await add_session(client, activity_id, "Stroke update", now + timedelta(days=7))
    learner = MINT.headers(uuid.uuid4())
    for code in (today["event_code"], today["event_code"].lower(), next_week["event_code"]):
        await client.post("/attendance/event-code", json={"code": code}, headers=learner)

    listed = await client.get(f"/activities/{activity_id}/sessions", headers=STAFF)

    assert listed.status_code == 200, listed.text
    assert [
        (s["title"], s["event_code"], s["code_valid_from"], s["code_valid_until"], s["uses"], s["accepted_uses"])
        for s in listed.json()
    ] == [
        ("Sepsis update", today["event_code"], today["code_valid_from"], today["code_valid_until"], 2, 2),
        # Entered before it became valid: a use, refused.
        ("Stroke update", next_week["event_code"], next_week["code_valid_from"], next_week["code_valid_until"], 1, 0),
    ]
    admin = MINT.headers(uuid.uuid4(), roles=("admin",))
    assert (await client.get(f"/activities/{activity_id}/sessions", headers=admin)).json() == listed.json()


async def test_learners_never_see_event_codes(client):
    activity_id = await grand_rounds(client)
    session = await add_session(client, activity_id, "Heart failure", datetime.now(UTC))

    refused = await client.get(f"/activities/{activity_id}/sessions", headers=MINT.headers(uuid.uuid4()))
    support = await client.get(
        f"/activities/{activity_id}/sessions", headers=MINT.headers(uuid.uuid4(), roles=("support",))
    )
    anonymous = await client.get(f"/activities/{activity_id}/sessions")
    public = await client.get(f"/activities/{activity_id}")
    listing = await client.get("/activities", params={"format": "grand_rounds"})

    assert (refused.status_code, support.status_code, anonymous.status_code) == (403, 403, 401)
    assert session["event_code"] not in public.text and session["event_code"] not in listing.text


async def test_the_sessions_of_an_unknown_activity_are_not_found(client):
    response = await client.get(f"/activities/{uuid.uuid4()}/sessions", headers=STAFF)
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
