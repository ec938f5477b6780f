"""The delivery log and resends over HTTP, against a real PostgreSQL and a real SMTP server."""

import uuid

import pytest
from notifications_testing import (
    address,
    apply,
    certificate_issued,
    make_settings,
    messages_in_db,
    password_reset,
    registration_cancelled,
    registration_confirmed,
    user_registered,
    wait_until_settled,
)

from devstack.testing import TokenMint, running_app
from notifications.main import create_app
from notifications.sender import Sender
from opencme_kit.auth import TokenVerifier

mint = TokenMint()


@pytest.fixture
async def client(make_database, sink):
    app = create_app(make_settings(await make_database("notifications"), sink.port))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client


def pool_of(client):
    return client.app.state.pool


async def learner_with_mail(client):
    """A registered learner with a sent verification email, a certificate email and a registration confirmation."""
    pool, settings = pool_of(client), client.app.state.settings
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email))
    await apply(pool, settings, certificate_issued(learner))
    await apply(pool, settings, registration_confirmed(learner, email))
    await apply(pool, settings, password_reset(email, user_id=learner))
    await send_all(client)
    return learner, email


async def send_all(client):
    await Sender(pool_of(client), client.app.state.settings).deliver_due()
    await wait_until_settled(pool_of(client))


async def message_of(client, learner, kind):
    [row] = await messages_in_db(pool_of(client), learner_id=learner, kind=kind)
    return row


async def test_a_learner_sees_their_own_messages_and_nobody_elses(client):
    learner, email = await learner_with_mail(client)
    other, _ = await learner_with_mail(client)

    response = await client.get("/messages/mine", headers=mint.headers(learner))
    assert response.status_code == 200
    log = response.json()
    assert sorted(m["kind"] for m in log) == [
        "certificate_issued",
        "password_reset",
        "registration_confirmed",
        "verify_email",
    ]
    assert {m["to"] for m in log} == {email} and {m["status"] for m in log} == {"sent"}
    assert all(m["sent_at"] and m["created_at"] and m["attempts"] == 1 and m["subject"] for m in log)
    others = {str(r["id"]) for r in await messages_in_db(pool_of(client), learner_id=other)}
    assert others.isdisjoint(m["id"] for m in log)


async def test_signing_in_is_required(client):
    response = await client.get("/messages/mine")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_only_support_and_admins_read_a_learners_log(client):
    learner, _ = await learner_with_mail(client)
    refused = await client.get(
        "/messages", params={"learner_id": str(learner)}, headers=mint.headers(uuid.uuid4(), roles=("learner", "staff"))
    )
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"

    support = mint.headers(uuid.uuid4(), roles=("support",))
    found = await client.get("/messages", params={"learner_id": str(learner)}, headers=support)
    assert found.status_code == 200 and len(found.json()) == 4
    admin = await client.get(
        "/messages", params={"learner_id": str(learner)}, headers=mint.headers(uuid.uuid4(), roles=("admin",))
    )
    assert admin.status_code == 200


async def test_support_finds_the_reset_email_of_an_address_without_account(client):
    email = address()
    await apply(pool_of(client), client.app.state.settings, password_reset(email))
    response = await client.get(
        "/messages", params={"to": email.upper()}, headers=mint.headers(uuid.uuid4(), roles=("support",))
    )
    [message] = response.json()
    assert message["kind"] == "password_reset_no_account" and message["to"] == email


@pytest.mark.parametrize("to", ["a\x00b@example.org", "x" * 201])
async def test_an_address_filter_that_cannot_be_an_address_is_a_422_naming_it(client, to):
    response = await client.get("/messages", params={"to": to}, headers=mint.headers(uuid.uuid4(), roles=("support",)))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == ["to"]


async def test_support_must_say_whose_log(client):
    response = await client.get("/messages", headers=mint.headers(uuid.uuid4(), roles=("support",)))
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "learner_id"


async def test_the_owner_resends_a_confirmation_as_a_fresh_copy_linked_to_the_original(client, sink):
    learner, email = await learner_with_mail(client)
    original = await message_of(client, learner, "registration_confirmed")

    response = await client.post(f"/messages/{original['id']}/resend", headers=mint.headers(learner))
    assert response.status_code == 202, response.text
    copy = response.json()
    assert copy["resend_of"] == str(original["id"]) and copy["status"] == "queued" and copy["to"] == email
    await send_all(client)

    confirmations = [m for m in sink.messages(to=email) if m["Subject"].startswith("Registration confirmed")]
    assert len(confirmations) == 2
    assert confirmations[0]["Message-ID"] != confirmations[1]["Message-ID"]  # or mail clients would hide the copy
    assert confirmations[0].get_body(("plain",)).get_content() == confirmations[1].get_body(("plain",)).get_content()
    mine = (await client.get("/messages/mine", headers=mint.headers(learner))).json()
    assert [m["status"] for m in mine if m["id"] == copy["id"]] == ["sent"]


async def test_support_resends_a_certificate_email(client):
    learner, _ = await learner_with_mail(client)
    original = await message_of(client, learner, "certificate_issued")
    response = await client.post(
        f"/messages/{original['id']}/resend", headers=mint.headers(uuid.uuid4(), roles=("support",))
    )
    assert response.status_code == 202 and response.json()["kind"] == "certificate_issued"


async def test_a_learner_cannot_resend_someone_elses_message(client):
    learner, _ = await learner_with_mail(client)
    original = await message_of(client, learner, "verify_email")
    response = await client.post(f"/messages/{original['id']}/resend", headers=mint.headers(uuid.uuid4()))
    assert response.status_code == 403


async def test_a_password_reset_email_cannot_be_resent(client):
    learner, _ = await learner_with_mail(client)
    original = await message_of(client, learner, "password_reset")
    response = await client.post(f"/messages/{original['id']}/resend", headers=mint.headers(learner))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "kind"


async def test_a_message_still_on_its_way_is_not_resent(client):
    learner = uuid.uuid4()
    await apply(pool_of(client), client.app.state.settings, certificate_issued(learner))  # waits for the recipient
    waiting = await message_of(client, learner, "certificate_issued")
    response = await client.post(f"/messages/{waiting['id']}/resend", headers=mint.headers(learner))
    assert response.status_code == 409


async def test_resending_an_unknown_message_is_not_found(client):
    response = await client.post(f"/messages/{uuid.uuid4()}/resend", headers=mint.headers(uuid.uuid4()))
    assert response.status_code == 404


async def confirmed_registration(client):
    pool, settings = pool_of(client), client.app.state.settings
    learner, email = uuid.uuid4(), address()
    await apply(pool, settings, user_registered(learner, email, verify_url=None))
    confirmed = registration_confirmed(learner, email)
    await apply(pool, settings, confirmed)
    await send_all(client)
    return learner, email, confirmed


async def test_the_learner_has_a_registrations_confirmation_resent_from_the_registration(client, sink):
    learner, email, confirmed = await confirmed_registration(client)
    registration = confirmed.data.registration_id
    original = await message_of(client, learner, "registration_confirmed")

    response = await client.post(f"/registrations/{registration}/confirmation/resend", headers=mint.headers(learner))
    assert response.status_code == 202, response.text
    assert response.json()["resend_of"] == str(original["id"]) and response.json()["to"] == email
    await send_all(client)
    confirmations = sink.messages(to=email)
    assert [m["Subject"] for m in confirmations] == ["Registration confirmed: Cardiology Review Course (R-1001)"] * 2
    assert len(list(confirmations[1].iter_attachments())) == 1  # the receipt again, calendar file included


async def test_support_resends_a_learners_confirmation_and_other_learners_cannot_see_it_exists(client):
    learner, _, confirmed = await confirmed_registration(client)
    path = f"/registrations/{confirmed.data.registration_id}/confirmation/resend"

    support = await client.post(path, headers=mint.headers(uuid.uuid4(), roles=("support",)))
    assert support.status_code == 202 and support.json()["kind"] == "registration_confirmed"
    stranger = await client.post(path, headers=mint.headers(uuid.uuid4()))
    assert stranger.status_code == 404 and stranger.headers["content-type"] == "application/problem+json"
    unknown = await client.post(f"/registrations/{uuid.uuid4()}/confirmation/resend", headers=mint.headers(learner))
    assert unknown.status_code == 404


async def test_a_cancelled_registrations_confirmation_is_not_resent(client):
    learner, _, confirmed = await confirmed_registration(client)
    await apply(pool_of(client), client.app.state.settings, registration_cancelled(confirmed))
    original = await message_of(client, learner, "registration_confirmed")

    by_registration = await client.post(
        f"/registrations/{confirmed.data.registration_id}/confirmation/resend", headers=mint.headers(learner)
    )
    by_message = await client.post(
        f"/messages/{original['id']}/resend", headers=mint.headers(uuid.uuid4(), roles=("support",))
    )
    for response in (by_registration, by_message):
        assert response.status_code == 409 and "cancelled" in response.json()["detail"]


async def test_reminders_are_on_until_the_learner_opts_out_and_support_can_see_the_choice(client):
    learner = uuid.uuid4()
    headers = mint.headers(learner)
    assert (await client.get("/preferences/mine", headers=headers)).json() == {"reminders": True}

    response = await client.put("/preferences/mine", headers=headers, json={"reminders": False})
    assert response.status_code == 200 and response.json() == {"reminders": False}
    assert (await client.get("/preferences/mine", headers=headers)).json() == {"reminders": False}
    assert (await client.get("/preferences/mine", headers=mint.headers(uuid.uuid4()))).json() == {"reminders": True}

    support = await client.get(
        "/preferences", params={"learner_id": str(learner)}, headers=mint.headers(uuid.uuid4(), roles=("support",))
    )
    assert support.status_code == 200 and support.json() == {"reminders": False}
    refused = await client.get("/preferences", params={"learner_id": str(learner)}, headers=mint.headers(uuid.uuid4()))
    assert refused.status_code == 403


async def test_preferences_need_a_signed_in_learner_and_a_clear_answer(client):
    assert (await client.get("/preferences/mine")).status_code == 401
    assert (await client.put("/preferences/mine", json={"reminders": False})).status_code == 401
    headers = mint.headers(uuid.uuid4())
    for body in ({}, {"reminders": "sometimes"}, {"reminders": True, "newsletter": True}):
        response = await client.put("/preferences/mine", headers=headers, json=body)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
