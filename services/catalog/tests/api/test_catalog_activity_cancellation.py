"""Unpublishing and cancelling an activity over HTTP against a real PostgreSQL; the events are read from the outbox."""

import json
import uuid
from datetime import UTC, datetime

import pytest
from catalog_factories import MINT, STAFF, make_attendance, make_session, published_activity, register

from catalog import cancellations

REASON = "The course director is ill; we will announce a new date."


async def outbox(client, topic: str, activity_id: str) -> list[dict]:
    async with client.app.state.pool.acquire() as conn:
        rows = await conn.fetch("SELECT message_key, payload FROM outbox WHERE topic = $1 ORDER BY id", topic)
    return [json.loads(r["payload"]) | {"key": r["message_key"]} for r in rows if r["message_key"] == activity_id]


async def cancel(client, activity: dict, reason: str = REASON, headers=STAFF):
    return await client.post(f"/activities/{activity['id']}/cancel", json={"reason": reason}, headers=headers)


async def test_unpublishing_an_activity_nobody_registered_for_makes_it_a_draft_and_publishes_activity_unpublished(
    client,
):
    activity = await published_activity(client)

    response = await client.post(f"/activities/{activity['id']}/unpublish", json={"reason": REASON}, headers=STAFF)

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "draft" and response.json()["unpublish_reason"] == REASON
    assert response.json()["unpublished_at"] is not None
    assert (await client.get(f"/activities/{activity['id']}")).status_code == 404
    [event] = await outbox(client, "activity.unpublished", activity["id"])
    assert event["data"]["activity_id"] == activity["id"] and event["producer"] == "catalog"
    assert event["data"]["reason"] == REASON
    again = await client.post(f"/activities/{activity['id']}/unpublish", json={"reason": REASON}, headers=STAFF)
    assert again.status_code == 200 and again.json()["status"] == "draft"
    assert len(await outbox(client, "activity.unpublished", activity["id"])) == 1  # once
    republished = await client.post(f"/activities/{activity['id']}/publish", headers=STAFF)
    assert republished.json()["status"] == "published"


async def test_unpublishing_an_activity_with_a_registration_is_a_409_saying_to_cancel_instead(client):
    activity = await published_activity(client)
    await register(client, activity, uuid.uuid4())

    response = await client.post(f"/activities/{activity['id']}/unpublish", json={"reason": REASON}, headers=STAFF)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "status" and "1 learner is registered; cancel the activity instead" in error["reason"]
    assert await outbox(client, "activity.unpublished", activity["id"]) == []


async def test_unpublishing_an_activity_with_recorded_attendance_is_a_409(client):
    activity = await published_activity(client, format="grand_rounds")
    async with client.app.state.pool.acquire() as conn:
        session_id = await make_session(conn, uuid.UUID(activity["id"]))
        await make_attendance(conn, session_id, uuid.uuid4(), method="event_code", recorded_at=datetime.now(UTC))

    response = await client.post(f"/activities/{activity['id']}/unpublish", json={"reason": REASON}, headers=STAFF)

    assert response.status_code == 409 and "attendance has been recorded" in response.json()["detail"]


async def test_cancelling_cancels_every_live_registration_and_announces_them_in_one_activity_cancelled(client):
    activity = await published_activity(client)
    jane, joe, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first = await register(client, activity, jane)
    second = await register(client, activity, joe)
    earlier = await register(client, activity, gone)
    await client.post(f"/registrations/{earlier['id']}/cancel", headers=MINT.headers(gone))

    response = await cancel(client, activity)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "cancelled" and body["cancellation_reason"] == REASON and body["cancelled_at"]
    [event] = await outbox(client, "activity.cancelled", activity["id"])
    assert event["subject"] == activity["id"] and event["data"]["reason"] == REASON
    assert event["data"]["activity"]["title"] == "Cardiology Update 2026"
    listed = {r["registration_id"]: r for r in event["data"]["registrations"]}
    assert set(listed) == {first["id"], second["id"]}  # the one cancelled before is not cancelled again
    assert listed[first["id"]]["learner_id"] == str(jane) and listed[first["id"]]["registration_number"]
    mine = (await client.get("/registrations/mine", headers=MINT.headers(jane))).json()
    [registration] = mine
    assert registration["status"] == "cancelled" and registration["activity_status"] == "cancelled"
    assert registration["cancellation_reason"] == REASON
    [own_cancel] = (await client.get("/registrations/mine", headers=MINT.headers(gone))).json()
    assert own_cancel["cancellation_reason"] is None  # they cancelled it themself, before


async def test_a_meeting_too_large_for_one_message_is_cancelled_in_several_events_each_registration_in_one(
    client, monkeypatch
):
    monkeypatch.setattr(cancellations, "REGISTRATIONS_PER_EVENT", 2)
    activity = await published_activity(client)
    registered = [await register(client, activity, uuid.uuid4()) for _ in range(5)]

    response = await cancel(client, activity)

    assert response.status_code == 200, response.text
    announced = await outbox(client, "activity.cancelled", activity["id"])
    assert [(e["data"]["part"], e["data"]["parts"]) for e in announced] == [(1, 3), (2, 3), (3, 3)]
    assert [len(e["data"]["registrations"]) for e in announced] == [2, 2, 1]
    listed = [r["registration_id"] for e in announced for r in e["data"]["registrations"]]
    assert sorted(listed) == sorted(r["id"] for r in registered)  # each once
    shared = {(e["data"]["reason"], e["data"]["cancelled_at"], e["data"]["activity"]["activity_id"]) for e in announced}
    assert shared == {(REASON, announced[0]["data"]["cancelled_at"], activity["id"])}  # every part carries them
    assert len({e["event_id"] for e in announced}) == 3


async def test_cancelling_an_activity_nobody_registered_for_is_one_event_listing_nobody(client):
    activity = await published_activity(client)

    await cancel(client, activity)

    [event] = await outbox(client, "activity.cancelled", activity["id"])
    assert event["data"]["registrations"] == [] and (event["data"]["part"], event["data"]["parts"]) == (1, 1)


async def test_a_cancelled_activity_leaves_the_catalog_but_a_direct_link_shows_it_cancelled_with_the_reason(client):
    activity = await published_activity(client, title="Cancelled Lipid Clinic Day")
    await cancel(client, activity)

    listed = await client.get("/activities", params={"q": "Lipid Clinic"})
    direct = await client.get(f"/activities/{activity['id']}")

    assert activity["id"] not in [a["id"] for a in listed.json()]
    assert direct.status_code == 200
    assert direct.json()["status"] == "cancelled" and direct.json()["cancellation_reason"] == REASON


async def test_cancelling_again_answers_the_cancelled_activity_and_announces_nothing_more(client):
    activity = await published_activity(client)
    await register(client, activity, uuid.uuid4())
    await cancel(client, activity)

    again = await cancel(client, activity, reason="another reason")

    assert again.status_code == 200 and again.json()["cancellation_reason"] == REASON
    assert len(await outbox(client, "activity.cancelled", activity["id"])) == 1


async def test_after_cancelling_registering_editing_unpublishing_and_publishing_are_refused_with_409(client):
    activity = await published_activity(client)
    await cancel(client, activity)

    registering = await client.post(
        f"/activities/{activity['id']}/registrations", json={}, headers=MINT.headers(uuid.uuid4())
    )
    editing = await client.patch(f"/activities/{activity['id']}", json={"description": "x"}, headers=STAFF)
    unpublishing = await client.post(f"/activities/{activity['id']}/unpublish", json={"reason": REASON}, headers=STAFF)
    publishing = await client.post(f"/activities/{activity['id']}/publish", headers=STAFF)

    assert registering.status_code == 409 and registering.json()["detail"] == "activity_id: this activity was cancelled"
    for refused in (editing, unpublishing, publishing):
        assert refused.status_code == 409, refused.text
        assert refused.json()["errors"][0]["field"] == "status"


async def test_a_code_of_a_cancelled_activity_is_refused_naming_the_code(client):
    activity = await published_activity(client, format="grand_rounds")
    created = await client.post(
        f"/activities/{activity['id']}/sessions",
        json={"title": "Week 1", "starts_at": activity["starts_at"], "ends_at": activity["ends_at"]},
        headers=STAFF,
    )
    await cancel(client, activity)

    entered = await client.post(
        "/attendance/event-code", json={"code": created.json()["event_code"]}, headers=MINT.headers(uuid.uuid4())
    )

    assert entered.status_code == 422
    assert entered.json()["errors"][0]["field"] == "code" and "was cancelled" in entered.json()["errors"][0]["reason"]


async def test_cancelling_a_draft_is_a_409_naming_the_status(client):
    created = await client.post(
        "/activities",
        json={
            "title": "Draft",
            "format": "enduring",
            "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "1"}],
        },
        headers=STAFF,
    )

    response = await cancel(client, created.json())

    assert response.status_code == 409 and response.json()["errors"][0]["field"] == "status"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "line\nbreak"}])
async def test_cancelling_without_a_usable_reason_is_a_422_naming_reason(client, body):
    activity = await published_activity(client)

    response = await client.post(f"/activities/{activity['id']}/cancel", json=body, headers=STAFF)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
    assert (await client.get(f"/activities/{activity['id']}")).json()["status"] == "published"


@pytest.mark.parametrize("action", ["unpublish", "cancel"])
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (MINT.headers(uuid.uuid4()), 403),
        (MINT.headers(uuid.uuid4(), roles=("support",)), 403),
    ],
    ids=["anonymous", "learner", "help desk"],
)
async def test_only_staff_and_admins_may_unpublish_or_cancel(client, action, headers, status):
    activity = await published_activity(client)

    response = await client.post(f"/activities/{activity['id']}/{action}", json={"reason": REASON}, headers=headers)

    assert response.status_code == status
    assert (await client.get(f"/activities/{activity['id']}")).json()["status"] == "published"


async def test_an_admin_may_cancel(client):
    activity = await published_activity(client)
    response = await cancel(client, activity, headers=MINT.headers(uuid.uuid4(), roles=("admin",)))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


async def test_unknown_activities_answer_404(client):
    assert (await cancel(client, {"id": str(uuid.uuid4())})).status_code == 404
    unknown = await client.post(f"/activities/{uuid.uuid4()}/unpublish", json={"reason": REASON}, headers=STAFF)
    assert unknown.status_code == 404


async def test_unpublishing_without_a_reason_is_a_422_naming_it_and_changes_nothing(client):
    activity = await published_activity(client)
    for body in ({}, {"reason": "  "}):
        response = await client.post(f"/activities/{activity['id']}/unpublish", json=body, headers=STAFF)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == ["reason"]
    assert (await client.get(f"/activities/{activity['id']}")).json()["status"] == "published"
    assert await outbox(client, "activity.unpublished", activity["id"]) == []
