"""Cancelling registrations over HTTP against a real PostgreSQL; registration.cancelled is read from the outbox."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from catalog_factories import MINT, STAFF, make_attendance, make_session, published_activity, register


async def cancelled_events(client, registration_id: str) -> list[dict]:
    async with client.app.state.pool.acquire() as conn:
        rows = await conn.fetch("SELECT message_key, payload FROM outbox WHERE topic = 'registration.cancelled'")
    events = [(r["message_key"], json.loads(r["payload"])) for r in rows]
    return [e | {"key": key} for key, e in events if e["data"]["registration_id"] == registration_id]


async def test_the_learner_cancels_frees_the_seat_and_publishes_registration_cancelled(client):
    activity = await published_activity(client, capacity=1)
    learner, waiting = uuid.uuid4(), uuid.uuid4()
    registration = await register(client, activity, learner)
    full = await client.post(f"/activities/{activity['id']}/registrations", json={}, headers=MINT.headers(waiting))
    assert full.status_code == 409 and "full" in full.json()["detail"]

    response = await client.post(f"/registrations/{registration['id']}/cancel", headers=MINT.headers(learner))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "cancelled" and body["cancelled_at"] is not None
    assert body["payment_status"] == "pending"  # refunds are the organiser's business
    [event] = await cancelled_events(client, registration["id"])
    assert event["producer"] == "catalog" and event["subject"] == str(learner) and event["key"] == str(learner)
    assert event["data"]["learner_id"] == str(learner) and event["data"]["activity_id"] == activity["id"]
    async with client.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT status, cancelled_by, cancelled_at, payment_status FROM registrations WHERE id = $1",
            uuid.UUID(registration["id"]),
        )
    assert (row["status"], row["cancelled_by"], row["payment_status"]) == ("cancelled", learner, "pending")
    assert row["cancelled_at"] == datetime.fromisoformat(event["data"]["cancelled_at"])
    assert (await client.get(f"/activities/{activity['id']}")).json()["seats_left"] == 1
    await register(client, activity, waiting)  # the freed seat is taken


async def test_another_learner_gets_404_and_nothing_changes(client):
    activity = await published_activity(client)
    registration = await register(client, activity, uuid.uuid4())
    response = await client.post(f"/registrations/{registration['id']}/cancel", headers=MINT.headers(uuid.uuid4()))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "registration not found"
    assert await cancelled_events(client, registration["id"]) == []
    unknown = await client.post(f"/registrations/{uuid.uuid4()}/cancel", headers=MINT.headers(uuid.uuid4()))
    assert unknown.status_code == 404 and unknown.json()["detail"] == response.json()["detail"]


async def test_after_the_start_the_learner_is_told_to_contact_the_organiser_and_staff_can_cancel(client):
    activity = await published_activity(client, starts_in=-timedelta(hours=1))  # started, registration still open
    learner = uuid.uuid4()
    registration = await register(client, activity, learner)

    refused = await client.post(f"/registrations/{registration['id']}/cancel", headers=MINT.headers(learner))

    assert refused.status_code == 409
    [error] = refused.json()["errors"]
    assert error["field"] == "registration_id" and "contact the organiser" in error["reason"]
    assert registration["number"] in refused.json()["detail"]
    assert await cancelled_events(client, registration["id"]) == []

    without_reason = await client.post(f"/registrations/{registration['id']}/cancel", headers=STAFF)
    assert without_reason.status_code == 422
    assert [e["field"] for e in without_reason.json()["errors"]] == ["reason"]
    assert await cancelled_events(client, registration["id"]) == []

    reason = "Asked by phone: cannot attend after all (ticket 4711)"
    by_staff = await client.post(f"/registrations/{registration['id']}/cancel", json={"reason": reason}, headers=STAFF)
    assert by_staff.status_code == 200, by_staff.text
    assert by_staff.json()["status"] == "cancelled" and by_staff.json()["cancellation_reason"] == reason
    [event] = await cancelled_events(client, registration["id"])
    assert event["subject"] == str(learner) and event["data"]["learner_id"] == str(learner)


async def test_cancelling_twice_is_a_conflict_naming_the_registration(client):
    activity = await published_activity(client)
    learner = uuid.uuid4()
    registration = await register(client, activity, learner)
    first = await client.post(f"/registrations/{registration['id']}/cancel", headers=MINT.headers(learner))
    assert first.status_code == 200
    for headers in (MINT.headers(learner), STAFF):
        again = await client.post(
            f"/registrations/{registration['id']}/cancel", json={"reason": "again"}, headers=headers
        )
        assert again.status_code == 409
        assert registration["number"] in again.json()["detail"]
        assert again.json()["errors"][0]["field"] == "registration_id"
    assert len(await cancelled_events(client, registration["id"])) == 1


async def test_the_learner_can_register_again_after_cancelling(client):
    activity = await published_activity(client)
    learner = uuid.uuid4()
    first = await register(client, activity, learner)
    assert (await client.post(f"/registrations/{first['id']}/cancel", headers=MINT.headers(learner))).status_code == 200

    second = await register(client, activity, learner)

    assert second["id"] != first["id"] and second["status"] == "confirmed"
    listed = await client.get("/registrations/mine", headers=MINT.headers(learner))
    mine = {r["id"]: r["status"] for r in listed.json()}
    assert mine == {first["id"]: "cancelled", second["id"]: "confirmed"}


async def test_enduring_material_can_be_cancelled_until_attendance_is_recorded(client):
    activity = await published_activity(
        client,
        starts_in=None,
        format="enduring",
        fees={},
        available_until=(datetime.now(UTC) + timedelta(days=90)).isoformat(),
    )
    free, attended = uuid.uuid4(), uuid.uuid4()
    free_registration = await register(client, activity, free)
    attended_registration = await register(client, activity, attended)
    async with client.app.state.pool.acquire() as conn:
        session = await make_session(conn, uuid.UUID(activity["id"]))
        await make_attendance(conn, session, attended, method="event_code", recorded_at=datetime.now(UTC))

    ok = await client.post(f"/registrations/{free_registration['id']}/cancel", headers=MINT.headers(free))
    refused = await client.post(f"/registrations/{attended_registration['id']}/cancel", headers=MINT.headers(attended))

    assert ok.status_code == 200, ok.text
    assert refused.status_code == 409 and "attendance" in refused.json()["errors"][0]["reason"]
    assert "contact the organiser" in refused.json()["errors"][0]["reason"]


async def test_cancelling_needs_a_token(client):
    response = await client.post(f"/registrations/{uuid.uuid4()}/cancel")
    assert response.status_code == 401


async def test_the_help_desk_lists_a_learners_registrations_cancelled_too_and_cancels_one(client):
    learner, other = uuid.uuid4(), uuid.uuid4()
    kept = await register(client, await published_activity(client, title="Heart Failure 2026"), learner)
    dropped = await register(client, await published_activity(client, title="Lipids 2026"), learner)
    await register(client, await published_activity(client, title="Someone else's"), other)
    support = MINT.headers(uuid.uuid4(), roles=("support",))

    why = "Duplicate registration, kept the other one"
    cancelled = await client.post(f"/registrations/{dropped['id']}/cancel", json={"reason": why}, headers=support)
    listed = await client.get(f"/learners/{learner}/registrations", headers=support)

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert listed.status_code == 200
    assert [(r["id"], r["activity_title"], r["status"], r["cancellation_reason"]) for r in listed.json()] == [
        (dropped["id"], "Lipids 2026", "cancelled", why),
        (kept["id"], "Heart Failure 2026", "confirmed", None),
    ]
    [event] = await cancelled_events(client, dropped["id"])
    assert event["data"]["learner_id"] == str(learner)


async def test_only_the_help_desk_and_admins_list_a_learners_registrations(client):
    learner = uuid.uuid4()
    await register(client, await published_activity(client), learner)
    url = f"/learners/{learner}/registrations"
    assert (await client.get(url)).status_code == 401
    for roles in (("learner",), ("staff",)):
        refused = await client.get(
            url, headers=MINT.headers(learner if roles == ("learner",) else uuid.uuid4(), roles=roles)
        )
        assert refused.status_code == 403, roles
        assert refused.headers["content-type"] == "application/problem+json"
    admin = await client.get(url, headers=MINT.headers(uuid.uuid4(), roles=("admin",)))
    assert admin.status_code == 200 and len(admin.json()) == 1
