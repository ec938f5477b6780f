"""Staff record attendance from a list of addresses; events go through the worker's real inbox consumer and the
attendance.recorded they cause is read from the outbox, all against a real PostgreSQL."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from catalog_factories import MINT, account_merged, email_verified, profile_updated, user_registered

STAFF = MINT.headers(uuid.uuid4(), roles=("staff",))


async def new_session(client) -> str:
    start = datetime.now(UTC) + timedelta(days=3)
    body = {
        "title": "Medical Grand Rounds",
        "format": "live_course",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "1"}],
    }
    activity = await client.post("/activities", json=body, headers=STAFF)
    assert activity.status_code == 201, activity.text
    session = await client.post(
        f"/activities/{activity.json()['id']}/sessions",
        headers=STAFF,
        json={"title": "Week 1", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()},
    )
    assert session.status_code == 201, session.text
    return session.json()["id"]


def unique_email(name: str = "jane") -> str:
    return f"{name}.{uuid.uuid4().hex[:10]}@example.org"


async def record(client, session_id: str, *emails: str) -> dict[str, str]:
    response = await client.post(f"/sessions/{session_id}/attendance", json={"emails": list(emails)}, headers=STAFF)
    assert response.status_code == 200, response.text
    return {r["email"]: r["status"] for r in response.json()["results"]}


async def attendance_events(client, learner_id: uuid.UUID) -> list[dict]:
    async with client.app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT payload FROM outbox WHERE topic = 'attendance.recorded' AND message_key = $1 ORDER BY id",
            str(learner_id),
        )
    return [json.loads(r["payload"])["data"] for r in rows]


async def test_a_verified_address_records_attendance_once_with_a_staff_event(client):
    learner, email = uuid.uuid4(), unique_email()
    await client.consumer.deliver(profile_updated(learner, version=2, verified_emails=(email,)))
    session = await new_session(client)

    # Another spelling of the same address is counted once.
    assert await record(client, session, f"  {email.upper()} ", email) == {email: "recorded"}
    assert await record(client, session, email) == {email: "already_recorded"}

    [event] = await attendance_events(client, learner)
    assert event["method"] == "staff" and event["session_id"] == session
    listed = (await client.get(f"/sessions/{session}/attendance", headers=STAFF)).json()
    assert [(r["learner_id"], r["method"]) for r in listed["recorded"]] == [(str(learner), "staff")]
    assert listed["pending"] == [] and listed["attached"] == []


async def test_the_attendees_are_listed_by_last_name_with_their_name_and_verified_address(client):
    session = await new_session(client)
    known, unnamed = uuid.uuid4(), uuid.uuid4()
    known_email, unnamed_email = unique_email("zoe"), unique_email("anon")
    await client.consumer.deliver(
        profile_updated(known, version=1, verified_emails=(known_email,), first_name="Zoë", last_name="Abbas")
    )
    await client.consumer.deliver(email_verified(unnamed, unnamed_email))
    await record(client, session, unnamed_email, known_email)

    listed = (await client.get(f"/sessions/{session}/attendance", headers=STAFF)).json()["recorded"]

    assert [(r["name"], r["degree"], r["email"]) for r in listed] == [
        ("Zoë Abbas", "MD", known_email),
        (None, None, unnamed_email),
    ]


async def test_an_unknown_address_waits_and_is_recorded_when_verified_once_only(client):
    learner, email = uuid.uuid4(), unique_email()
    session = await new_session(client)

    assert await record(client, session, email) == {email: "pending"}
    assert await record(client, session, email) == {email: "pending"}  # filed once
    listed = (await client.get(f"/sessions/{session}/attendance", headers=STAFF)).json()
    assert [p["email"] for p in listed["pending"]] == [email] and listed["recorded"] == []

    verified = email_verified(learner, email.title())  # identity's event: compared normalised
    await client.consumer.deliver(verified)
    await client.consumer.deliver(verified)  # redelivered: the inbox drops it
    await client.consumer.deliver(profile_updated(learner, version=3, verified_emails=(email,)))  # nothing left

    [event] = await attendance_events(client, learner)
    assert event["method"] == "staff" and event["session_id"] == session
    listed = (await client.get(f"/sessions/{session}/attendance", headers=STAFF)).json()
    assert listed["pending"] == []
    [attached] = listed["attached"]
    assert attached["email"] == email and attached["attached_to"] == str(learner) and attached["attached_at"]
    assert [r["learner_id"] for r in listed["recorded"]] == [str(learner)]


async def test_a_profile_listing_the_address_records_the_pending_attendance(client):
    learner, email = uuid.uuid4(), unique_email()
    session = await new_session(client)
    assert await record(client, session, email) == {email: "pending"}

    await client.consumer.deliver(profile_updated(learner, version=4, verified_emails=(unique_email(), email)))

    [event] = await attendance_events(client, learner)
    assert event["session_id"] == session and event["method"] == "staff"


async def test_an_unverified_sign_up_address_attaches_nothing(client):
    learner, email = uuid.uuid4(), unique_email()
    session = await new_session(client)
    assert await record(client, session, email) == {email: "pending"}

    await client.consumer.deliver(user_registered(learner, primary_email=email))

    assert await attendance_events(client, learner) == []
    assert await record(client, session, email) == {email: "pending"}


async def test_a_merged_learners_address_attaches_to_the_survivor(client):
    merged, survivor, email = uuid.uuid4(), uuid.uuid4(), unique_email()
    session = await new_session(client)
    assert await record(client, session, email) == {email: "pending"}

    await client.consumer.deliver(account_merged(merged, survivor))
    await client.consumer.deliver(email_verified(merged, email))  # the merged account's proof, arriving late

    assert await attendance_events(client, merged) == []
    [event] = await attendance_events(client, survivor)
    assert event["learner_id"] == str(survivor) and event["session_id"] == session
    # Recording the address again goes to the survivor too, and finds it done.
    assert await record(client, session, email) == {email: "already_recorded"}


async def test_learners_may_neither_record_nor_list_attendance_by_email(client):
    session = await new_session(client)
    learner = MINT.headers(uuid.uuid4())
    posted = await client.post(f"/sessions/{session}/attendance", json={"emails": [unique_email()]}, headers=learner)
    listed = await client.get(f"/sessions/{session}/attendance", headers=learner)
    assert posted.status_code == 403 and listed.status_code == 403
    assert posted.headers["content-type"] == "application/problem+json"


async def test_a_bad_address_is_refused_naming_its_index(client):
    session = await new_session(client)
    response = await client.post(
        f"/sessions/{session}/attendance", headers=STAFF, json={"emails": [unique_email(), "not-an-address"]}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "emails.1" and "email" in error["reason"]
    async with client.app.state.pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM pending_attendance WHERE session_id = $1", uuid.UUID(session))
            == 0
        )  # nothing of a refused list is kept


@pytest.mark.parametrize("emails", [[], [f"a{i}@example.org" for i in range(501)]])
async def test_an_empty_or_oversized_list_is_refused(client, emails):
    session = await new_session(client)
    response = await client.post(f"/sessions/{session}/attendance", headers=STAFF, json={"emails": emails})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "emails"


async def test_an_unknown_session_is_not_found(client):
    response = await client.post(
        f"/sessions/{uuid.uuid4()}/attendance", headers=STAFF, json={"emails": [unique_email()]}
    )
    assert response.status_code == 404
    assert (await client.get(f"/sessions/{uuid.uuid4()}/attendance", headers=STAFF)).status_code == 404
