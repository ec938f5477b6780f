"""Identity's HTTP API against a real PostgreSQL; its own tokens are verified with its own JWKS."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from devstack.testing import running_app
from identity.config import Settings
from identity.kit.auth import TokenVerifier
from identity.main import create_app

PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
async def client(make_database):
    settings = Settings(database_url=await make_database("identity"), portal_url="https://cme.example.org",
                        bootstrap_admin_email="admin@example.org", bootstrap_admin_password="admin passphrase 1")
    app = create_app(settings)
    async with running_app(app) as client:
        jwks = (await client.get("/.well-known/jwks.json")).json()
        app.state.verifier = TokenVerifier.from_jwks(jwks)
        client.app = app
        yield client


def signup_body(**overrides):
    body = {"email": f"Learner.{uuid.uuid4().hex[:8]}@Example.org", "password": PASSWORD, "first_name": "Jane",
            "last_name": "Doe", "degree": "MD", "npi": "1234567893", "board_ids": {"ABIM": "123456"},
            "birth_month": 4, "birth_day": 30}
    return {**body, **overrides}


async def sign_up_and_in(client, **overrides):
    body = signup_body(**overrides)
    created = await client.post("/users", json=body)
    assert created.status_code == 201, created.text
    signed_in = await client.post("/sessions", json={"email": body["email"], "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    return created.json(), {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


async def outbox(client, topic, subject):
    async with client.app.state.pool.acquire() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox WHERE topic = $1 AND message_key = $2 ORDER BY id",
                                topic, str(subject))
    return [json.loads(r["payload"]) for r in rows]


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
    edit = {k: profile[k] for k in ("first_name", "last_name", "degree", "npi", "board_ids", "birth_month",
                                    "birth_day")}
    changed = await client.put("/me", json={**edit, "last_name": "Smith"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["profile_version"] == 2
    [event] = await outbox(client, "profile.updated", profile["id"])
    assert event["data"]["version"] == 2 and event["data"]["profile"]["last_name"] == "Smith"


async def test_a_learner_cannot_read_another_learners_profile(client):
    other, _ = await sign_up_and_in(client)
    _, headers = await sign_up_and_in(client)
    response = await client.get(f"/users/{other['id']}", headers=headers)
    assert response.status_code == 403


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
    assert (await client.post("/password-resets/confirm", json={"token": token, "new_password": new_password})
            ).status_code == 204
    replay = await client.post("/password-resets/confirm", json={"token": token, "new_password": "another passphrase"})
    assert replay.status_code == 400 and replay.json()["errors"][0]["field"] == "token"
    assert (await client.post("/sessions", json={"email": profile["email"], "password": new_password})
            ).status_code == 200


async def test_an_expired_reset_link_is_refused(client):
    profile, _ = await sign_up_and_in(client)
    await client.post("/password-resets", json={"email": profile["email"]})
    [event] = await outbox(client, "password_reset.requested", profile["email"])
    token = parse_qs(urlparse(event["data"]["reset_url"]).query)["token"][0]
    async with client.app.state.pool.acquire() as conn:
        await conn.execute("UPDATE one_time_tokens SET expires_at = $1 WHERE user_id = $2 AND purpose = 'password_reset'",
                           datetime.now(UTC) - timedelta(seconds=1), uuid.UUID(profile["id"]))
    response = await client.post("/password-resets/confirm", json={"token": token, "new_password": "whatever passphrase"})
    assert response.status_code == 400


async def test_only_an_admin_grants_roles_and_the_configured_admin_exists(client):
    learner, learner_headers = await sign_up_and_in(client)
    refused = await client.post(f"/users/{learner['id']}/roles", json={"role": "staff"}, headers=learner_headers)
    assert refused.status_code == 403
    admin_token = (await client.post("/sessions", json={"email": "admin@example.org",
                                                        "password": "admin passphrase 1"})).json()["access_token"]
    granted = await client.post(f"/users/{learner['id']}/roles", json={"role": "staff"},
                                headers={"Authorization": f"Bearer {admin_token}"})
    assert granted.status_code == 200 and granted.json()["roles"] == ["learner", "staff"]
