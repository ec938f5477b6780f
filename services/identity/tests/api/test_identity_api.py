"""Identity's HTTP API against a real PostgreSQL; its own tokens are verified with its own JWKS."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

from identity_testing import ADMIN_EMAIL, ADMIN_PASSWORD, outbox, sign_up_and_in, signup_body


async def test_sign_up_normalises_the_email_and_publishes_user_registered(client):
    profile, headers = await sign_up_and_in(client)
    assert profile["email"] == profile["email"].lower()
    me = await client.get("/me", headers=headers)
    assert me.json()["id"] == profile["id"] and me.json()["roles"] == ["learner"]
    [event] = await outbox(client, "user.registered", profile["id"])
    assert event["data"]["profile"]["board_ids"] == {"ABIM": "123456"}
    assert event["data"]["verify_email_url"].startswith("https://cme.example.org/verify-email?token=")
    assert "password" not in json.dumps(event).lower().replace("password_reset", "")


async def test_the_same_email_in_another_case_cannot_sign_up_twice(client):
    body = signup_body()
    assert (await client.post("/users", json=body)).status_code == 201
    again = await client.post("/users", json={**body, "email": body["email"].upper()})
    assert again.status_code == 409
    assert again.json()["errors"] == [{"field": "email", "reason": "already registered"}]


async def test_invalid_npi_and_short_password_are_refused_naming_the_field(client):
    bad_npi = await client.post("/users", json=signup_body(npi="1234567890"))
    assert bad_npi.status_code == 422 and bad_npi.json()["errors"][0]["field"] == "npi"
    short = await client.post("/users", json=signup_body(password="short"))
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "password"


async def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    profile, _ = await sign_up_and_in(client)
    wrong = await client.post("/sessions", json={"email": profile["email"], "password": "not the password!"})
    unknown = await client.post("/sessions", json={"email": "nobody@example.org", "password": "not the password!"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_a_name_change_publishes_profile_updated_with_a_higher_version(client):
    profile, headers = await sign_up_and_in(client)
    edit = {
        k: profile[k] for k in ("first_name", "last_name", "degree", "npi", "board_ids", "birth_month", "birth_day")
    }
    changed = await client.put("/me", json={**edit, "last_name": "Smith"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["profile_version"] == 2
    [event] = await outbox(client, "profile.updated", profile["id"])
    assert event["data"]["version"] == 2 and event["data"]["profile"]["last_name"] == "Smith"


async def test_a_learner_cannot_read_or_change_another_learners_profile(client):
    other, _ = await sign_up_and_in(client)
    _, headers = await sign_up_and_in(client)
    assert (await client.get(f"/users/{other['id']}", headers=headers)).status_code == 403
    # There is no route that edits someone else's profile: /me is always the caller's own.
    edit = {"first_name": "Mallory", "last_name": "Intruder"}
    assert (await client.put("/me", json={**edit, "id": other["id"]}, headers=headers)).status_code == 422
    assert (await client.put(f"/users/{other['id']}", json=edit, headers=headers)).status_code == 405
    granted = await client.post(f"/users/{other['id']}/roles", json={"role": "admin"}, headers=headers)
    assert granted.status_code == 403
    signed_in = await client.post("/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    admin = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    unchanged = (await client.get(f"/users/{other['id']}", headers=admin)).json()
    assert unchanged["first_name"] == "Jane" and unchanged["profile_version"] == 1
    assert await outbox(client, "profile.updated", other["id"]) == []


async def test_saving_an_unchanged_profile_publishes_nothing(client):
    profile, headers = await sign_up_and_in(client)
    edit = {
        k: profile[k] for k in ("first_name", "last_name", "degree", "npi", "board_ids", "birth_month", "birth_day")
    }
    saved = await client.put("/me", json=edit, headers=headers)
    assert saved.status_code == 200 and saved.json()["profile_version"] == 1
    assert await outbox(client, "profile.updated", profile["id"]) == []


async def test_the_sign_up_form_takes_organisation_phone_and_a_us_state(client):
    profile, _ = await sign_up_and_in(
        client,
        organisation="Example Clinic",
        phone="+1 216 444 9990",
        country="US",
        state="oh",
        suffix="Jr.",
        middle_name="Q.",
    )
    assert (profile["organisation"], profile["state"], profile["suffix"]) == ("Example Clinic", "OH", "Jr.")
    refused = await client.post("/users", json=signup_body(country="US", state="Ontario"))
    assert refused.status_code == 422 and "USPS" in refused.text


async def test_an_address_someone_added_but_never_verified_does_not_block_its_owner(client):
    _, squatter = await sign_up_and_in(client)
    email = f"owner.{uuid.uuid4().hex[:6]}@example.org"
    assert (await client.post("/me/emails", json={"email": email}, headers=squatter)).status_code == 201
    created = await client.post("/users", json=signup_body(email=email))
    assert created.status_code == 201 and created.json()["email"] == email
    emails = [e["email"] for e in (await client.get("/me/emails", headers=squatter)).json()]
    assert email not in emails


async def test_reset_link_works_once_and_the_answer_never_reveals_the_account(client):
    profile, _ = await sign_up_and_in(client)
    known = await client.post("/password-resets", json={"email": profile["email"]})
    unknown = await client.post("/password-resets", json={"email": "no-account@example.org"})
    assert known.status_code == unknown.status_code == 202 and known.json() == unknown.json()
    [event] = await outbox(client, "password_reset.requested", profile["email"])
    [no_account] = await outbox(client, "password_reset.requested", "no-account@example.org")
    assert no_account["data"]["reset_url"] is None and no_account["data"]["user_id"] is None
    token = parse_qs(urlparse(event["data"]["reset_url"]).query)["token"][0]
    async with client.app.state.pool.acquire() as conn:
        stored = await conn.fetchval("SELECT count(*) FROM one_time_tokens WHERE token_hash = $1", token.encode())
    assert stored == 0  # only the hash is kept

    new_password = "a brand new passphrase"
    assert (
        await client.post("/password-resets/confirm", json={"token": token, "new_password": new_password})
    ).status_code == 204
    replay = await client.post("/password-resets/confirm", json={"token": token, "new_password": "another passphrase"})
    assert replay.status_code == 400 and replay.json()["errors"][0]["field"] == "token"
    assert (
        await client.post("/sessions", json={"email": profile["email"], "password": new_password})
    ).status_code == 200


async def test_an_expired_reset_link_is_refused(client):
    profile, _ = await sign_up_and_in(client)
    await client.post("/password-resets", json={"email": profile["email"]})
    [event] = await outbox(client, "password_reset.requested", profile["email"])
    token = parse_qs(urlparse(event["data"]["reset_url"]).query)["token"][0]
    async with client.app.state.pool.acquire() as conn:
        await conn.execute(
            "UPDATE one_time_tokens SET expires_at = $1 WHERE user_id = $2 AND purpose = 'password_reset'",
            datetime.now(UTC) - timedelta(seconds=1),
            uuid.UUID(profile["id"]),
        )
    response = await client.post(
        "/password-resets/confirm", json={"token": token, "new_password": "whatever passphrase"}
    )
    assert response.status_code == 400


async def test_only_an_admin_grants_roles_and_the_configured_admin_exists(client):
    learner, learner_headers = await sign_up_and_in(client)
    refused = await client.post(f"/users/{learner['id']}/roles", json={"role": "staff"}, headers=learner_headers)
    assert refused.status_code == 403
    admin_token = (await client.post("/sessions", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})).json()[
        "access_token"
    ]
    granted = await client.post(
        f"/users/{learner['id']}/roles", json={"role": "staff"}, headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert granted.status_code == 200 and granted.json()["roles"] == ["learner", "staff"]


async def test_the_organisations_contact_is_public_for_the_portals_footer_and_error_pages(client):
    answer = await client.get("/organisation")
    assert answer.status_code == 200 and answer.json() == {
        "name": "OpenCME Demo Health System",
        "address": "1 Main Street\nSpringfield, MA 01101",
        "phone": "+1 555 010 0100",
        "support_email": "cme-support@example.org",
        "brand_colour": "#1f5f8b",
        "revision": 0,
        "updated_at": None,
    }
    assert answer.headers["cache-control"] == "no-cache"
