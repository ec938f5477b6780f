"""The catalog's HTTP API against a real PostgreSQL; events are checked in the outbox they commit with."""

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from catalog_factories import MINT, account_merged, inbox_consumer, profile_updated, user_registered

STAFF = uuid.uuid4()


def activity_body(**overrides):
    start = datetime.now(UTC) + timedelta(days=7)
    body = {
        "title": "Cardiology Update 2026",
        "format": "live_course",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
        "location": "Main Campus, Room 1",
        "fees": {"physician": 25000, "guest": 5000},
        "capacity": 2,
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "7.25"}],
        "moc_boards": ["ABIM"],
    }
    return {**body, **overrides}


async def published_activity(client, **overrides) -> dict:
    staff = MINT.headers(STAFF, roles=("staff",))
    created = await client.post("/activities", json=activity_body(**overrides), headers=staff)
    assert created.status_code == 201, created.text
    published = await client.post(f"/activities/{created.json()['id']}/publish", headers=staff)
    assert published.status_code == 200
    return published.json()


async def outbox_events(client, topic: str) -> list[dict]:
    async with client.app.state.pool.acquire() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox WHERE topic = $1 ORDER BY id", topic)
    import json

    return [json.loads(r["payload"]) for r in rows]


async def test_a_learner_cannot_create_activities(client):
    response = await client.post("/activities", json=activity_body(), headers=MINT.headers(uuid.uuid4()))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_bad_input_is_a_problem_naming_the_field(client):
    body = activity_body(credit_designations=[{"credit_type": "AMA_PRA_1", "max_credits": "1.1"}])
    response = await client.post("/activities", json=body, headers=MINT.headers(STAFF, roles=("staff",)))
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "credit_designations.0.max_credits"
    assert "0.25" in problem["errors"][0]["reason"]


async def test_publishing_lists_the_activity_and_emits_activity_published_once(client):
    activity = await published_activity(client, title="Published once")
    again = await client.post(f"/activities/{activity['id']}/publish", headers=MINT.headers(STAFF, roles=("staff",)))
    assert again.status_code == 200
    listed = await client.get("/activities", params={"format": "live_course"})
    assert activity["id"] in [a["id"] for a in listed.json()]
    published = [e for e in await outbox_events(client, "activity.published") if e["subject"] == activity["id"]]
    assert len(published) == 1
    designation = published[0]["data"]["credit_designations"][0]
    assert designation["statement"].startswith("Acme Clinic designates this live activity for a maximum of 7.25")


async def test_registration_confirms_with_the_category_fee_and_a_full_course_refuses(client):
    activity = await published_activity(client, title="Small course")
    learners = [uuid.uuid4() for _ in range(3)]
    first = await client.post(
        f"/activities/{activity['id']}/registrations",
        json={"attendee_category": "guest"},
        headers=MINT.headers(learners[0]),
    )
    assert first.status_code == 201, first.text
    assert first.json()["fee_cents"] == 5000 and first.json()["number"].startswith("R-")
    duplicate = await client.post(
        f"/activities/{activity['id']}/registrations", json={}, headers=MINT.headers(learners[0])
    )
    assert duplicate.status_code == 409
    second = await client.post(
        f"/activities/{activity['id']}/registrations", json={}, headers=MINT.headers(learners[1])
    )
    assert second.status_code == 201
    full = await client.post(f"/activities/{activity['id']}/registrations", json={}, headers=MINT.headers(learners[2]))
    assert full.status_code == 409 and "full" in full.json()["detail"]
    confirmed = [
        e
        for e in await outbox_events(client, "registration.confirmed")
        if e["data"]["activity"]["activity_id"] == activity["id"]
    ]
    assert sorted(e["subject"] for e in confirmed) == sorted(str(x) for x in learners[:2])


async def test_registration_refusals_answer_their_status_title_and_field(client):
    staff = MINT.headers(STAFF, roles=("staff",))
    draft = await client.post("/activities", json=activity_body(title="Still a draft"), headers=staff)
    activity = await published_activity(client, title="Fees for two categories")
    learner = MINT.headers(uuid.uuid4())

    unpublished = await client.post(f"/activities/{draft.json()['id']}/registrations", json={}, headers=learner)
    unoffered = await client.post(
        f"/activities/{activity['id']}/registrations", json={"attendee_category": "student"}, headers=learner
    )

    assert unpublished.status_code == 404 and unpublished.json()["title"] == "Registration refused"
    assert unpublished.json()["detail"] == "activity_id: this activity is not open for registration"
    assert unpublished.json()["errors"] == [
        {"field": "activity_id", "reason": "this activity is not open for registration"}
    ]
    assert unoffered.status_code == 422 and unoffered.json()["title"] == "Registration refused"
    [error] = unoffered.json()["errors"]
    assert error["field"] == "attendee_category" and "guest, physician" in error["reason"]
    assert unoffered.headers["content-type"] == "application/problem+json"


async def test_event_code_records_attendance_once_and_every_use_is_kept(client):
    activity = await published_activity(
        client, title="Medicine Grand Rounds", format="grand_rounds", requires_event_code=True, fees={}, capacity=None
    )
    start = datetime.now(UTC) - timedelta(minutes=30)
    session = await client.post(
        f"/activities/{activity['id']}/sessions",
        json={
            "title": "Sepsis update",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
        },
        headers=MINT.headers(STAFF, roles=("staff",)),
    )
    assert session.status_code == 201, session.text
    code = session.json()["event_code"]
    learner = uuid.uuid4()
    for _ in range(2):
        entered = await client.post(
            "/attendance/event-code", json={"code": code.lower()}, headers=MINT.headers(learner)
        )
        assert entered.status_code == 200, entered.text
    wrong = await client.post("/attendance/event-code", json={"code": "ZZZZZZZZ"}, headers=MINT.headers(learner))
    assert wrong.status_code == 404 and wrong.json()["errors"][0]["field"] == "code"
    recorded = [e for e in await outbox_events(client, "attendance.recorded") if e["subject"] == str(learner)]
    assert len(recorded) == 1
    async with client.app.state.pool.acquire() as conn:
        uses = await conn.fetch("SELECT accepted FROM event_code_uses WHERE learner_id = $1 ORDER BY id", learner)
    assert [u["accepted"] for u in uses] == [True, True, False]


async def test_requests_without_a_token_are_unauthorized(client):
    response = await client.get("/registrations/mine")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_a_merged_learners_last_token_registers_and_enters_codes_for_the_survivor(client):
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    taken = await published_activity(client, title="Taken by the survivor", capacity=None)
    other = await published_activity(client, title="New after the merge", capacity=None)
    rounds = await published_activity(
        client, title="Surgery Grand Rounds", format="grand_rounds", requires_event_code=True, fees={}, capacity=None
    )
    start = datetime.now(UTC) - timedelta(minutes=10)
    session = await client.post(
        f"/activities/{rounds['id']}/sessions",
        json={"title": "Trauma", "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()},
        headers=MINT.headers(STAFF, roles=("staff",)),
    )
    assert (
        await client.post(
            f"/activities/{taken['id']}/registrations",
            json={"attendee_category": "physician"},
            headers=MINT.headers(survivor),
        )
    ).status_code == 201
    await inbox_consumer(client.app.state.pool).deliver(account_merged(merged, survivor))

    # Identity disabled the merged account, but its access token is good for up to 15 more minutes.
    old_token = MINT.headers(merged)
    again = await client.post(
        f"/activities/{taken['id']}/registrations", json={"attendee_category": "physician"}, headers=old_token
    )
    assert again.status_code == 409 and again.json()["title"] == "Already registered"
    late = await client.post(
        f"/activities/{other['id']}/registrations", json={"attendee_category": "physician"}, headers=old_token
    )
    assert late.status_code == 201, late.text
    entered = await client.post(
        "/attendance/event-code", json={"code": session.json()["event_code"]}, headers=old_token
    )
    assert entered.status_code == 200, entered.text

    mine = (await client.get("/registrations/mine", headers=MINT.headers(survivor))).json()
    assert sorted(r["activity_id"] for r in mine) == sorted([taken["id"], other["id"]])
    assert (await client.get("/registrations/mine", headers=old_token)).json() == mine
    confirmed = [
        e
        for e in await outbox_events(client, "registration.confirmed")
        if e["data"]["activity"]["activity_id"] == other["id"]
    ]
    assert [(e["subject"], e["data"]["learner_id"]) for e in confirmed] == [(str(survivor), str(survivor))]
    recorded = [
        e for e in await outbox_events(client, "attendance.recorded") if e["data"]["activity_id"] == rounds["id"]
    ]
    assert [(e["subject"], e["data"]["learner_id"]) for e in recorded] == [(str(survivor), str(survivor))]
    async with client.app.state.pool.acquire() as conn:
        owners = {
            r["learner_id"]
            for r in await conn.fetch(
                "SELECT learner_id FROM registrations WHERE activity_id = ANY($1::uuid[]) UNION ALL "
                "SELECT learner_id FROM event_code_uses WHERE code = $2",
                [uuid.UUID(taken["id"]), uuid.UUID(other["id"])],
                session.json()["event_code"],
            )
        }
    assert owners == {survivor}


async def test_a_registration_sent_again_with_its_idempotency_key_is_made_once_and_answered_alike(client):
    activity = await published_activity(client, title="Registered once")
    learner, key = uuid.uuid4(), str(uuid.uuid4())
    headers = {**MINT.headers(learner), "Idempotency-Key": key}
    path = f"/activities/{activity['id']}/registrations"
    first = await client.post(path, json={"attendee_category": "guest"}, headers=headers)
    again = await client.post(path, json={"attendee_category": "guest"}, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    confirmed = [e for e in await outbox_events(client, "registration.confirmed") if e["subject"] == str(learner)]
    assert len(confirmed) == 1  # one seat, one confirmation email
    # The key for another activity is another command: refused, naming the header.
    other = await published_activity(client, title="Another course")
    elsewhere = await client.post(
        f"/activities/{other['id']}/registrations", json={"attendee_category": "guest"}, headers=headers
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "Idempotency-Key"


# --- the coordinator's roster ----------------------------------------------------------------------------------------


async def test_staff_see_the_roster_by_last_name_with_names_from_the_newest_profile_and_export_it(client):
    activity = await published_activity(client, title="Roster course", capacity=None)
    path = f"/activities/{activity['id']}/registrations"
    zed, ann, nameless, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    consumer = inbox_consumer(client.app.state.pool)
    await consumer.deliver(user_registered(zed, primary_email="zed@example.org", first_name="Zed", last_name="Young"))
    await consumer.deliver(user_registered(ann, primary_email="ann@example.org", first_name="Ann", last_name="Adams"))
    # The newest profile names the learner: a later version wins, an older one arriving late changes nothing.
    await consumer.deliver(profile_updated(ann, version=3, verified_emails=(), first_name="Ann", last_name="Baker"))
    await consumer.deliver(profile_updated(ann, version=2, verified_emails=(), first_name="Ann", last_name="Stale"))
    await consumer.deliver(
        user_registered(gone, primary_email="gone@example.org", first_name='=HYPERLINK("x")', last_name="Cole")
    )
    for learner, category in ((zed, "physician"), (ann, "guest"), (nameless, "guest"), (gone, "guest")):
        registered = await client.post(path, json={"attendee_category": category}, headers=MINT.headers(learner))
        assert registered.status_code == 201, registered.text
    [gone_registration] = [
        r
        for r in (await client.get("/registrations/mine", headers=MINT.headers(gone))).json()
        if r["activity_id"] == activity["id"]
    ]
    cancelled = await client.post(f"/registrations/{gone_registration['id']}/cancel", headers=MINT.headers(gone))
    assert cancelled.status_code == 200, cancelled.text

    staff = MINT.headers(STAFF, roles=("staff",))
    roster = (await client.get(path, headers=staff)).json()
    assert [(r["name"], r["attendee_category"], r["fee_cents"], r["status"]) for r in roster] == [
        ("Ann Baker", "guest", 5000, "confirmed"),
        ("Zed Young", "physician", 25000, "confirmed"),
        (None, "guest", 5000, "confirmed"),  # no profile has reached the catalog yet: listed last, by address
    ]
    assert roster[0]["degree"] == "MD" and roster[0]["email"].endswith("@example.org")  # the address in their token
    everyone = (await client.get(path, params={"cancelled": "true"}, headers=staff)).json()
    assert [r["status"] for r in everyone] == ["confirmed", "confirmed", "confirmed", "cancelled"]

    exported = await client.get(f"{path}.csv", params={"cancelled": "true"}, headers=staff)
    assert exported.status_code == 200 and exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == f'attachment; filename="roster-{activity["id"]}.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Registration", "Name", "Degree", "Email"] and len(rows) == 5
    assert [row[1] for row in rows[1:4]] == ["Ann Baker", "Zed Young", ""] and rows[1][5] == "50.00"
    assert rows[4][1] == '\'=HYPERLINK("x") Cole'  # a name cannot run as a formula in a spreadsheet


async def test_only_the_office_sees_a_roster_and_an_unknown_activity_has_none(client):
    activity = await published_activity(client, title="Private roster", capacity=None)
    for suffix in ("", ".csv"):
        path = f"/activities/{activity['id']}/registrations{suffix}"
        assert (await client.get(path, headers=MINT.headers(uuid.uuid4()))).status_code == 403
        # The help desk finds learners by an activity they registered for.
        assert (await client.get(path, headers=MINT.headers(uuid.uuid4(), roles=("support",)))).status_code == 200
        unknown = await client.get(
            f"/activities/{uuid.uuid4()}/registrations{suffix}", headers=MINT.headers(STAFF, roles=("staff",))
        )
        assert unknown.status_code == 404
