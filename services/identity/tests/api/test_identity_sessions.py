"""Sign-in sessions against a real PostgreSQL: refresh rotation, replay, sign-out, resets and throttling."""

import uuid

import jwt
from identity_testing import (
    PASSWORD,
    bearer,
    client_at,
    from_new_address,
    outbox,
    running_identity,
    sign_in,
    sign_up_and_in,
    signup_body,
    token_of,
)

from identity import housekeeping, passwords
from opencme_kit.auth import TokenVerifier


async def test_sign_in_answers_an_es256_access_token_with_the_agreed_claims_and_a_refresh_token(client):
    profile, _ = await sign_up_and_in(client)
    session = await sign_in(client, profile["email"])
    assert session["token_type"] == "Bearer" and session["expires_in"] == 15 * 60
    assert session["refresh_token"] and session["refresh_expires_in"] == 14 * 24 * 3600
    header = jwt.get_unverified_header(session["access_token"])
    assert header["alg"] == "ES256" and header["kid"]
    # Verified exactly as every other service verifies it: the kit's verifier and the published JWKS.
    verifier = TokenVerifier.from_jwks((await client.get("/.well-known/jwks.json")).json())
    principal = await verifier.verify(session["access_token"])
    assert str(principal.id) == profile["id"] and principal.email == profile["email"]
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert claims["iss"] == "opencme-identity" and claims["aud"] == "opencme" and claims["roles"] == ["learner"]
    assert claims["exp"] - claims["iat"] == 15 * 60 and claims["sid"]


async def test_a_refresh_token_rotates_and_a_replayed_one_revokes_the_whole_family(client):
    profile, _ = await sign_up_and_in(client)
    first = await sign_in(client, profile["email"])
    second = (await client.post("/sessions/refresh", json={"refresh_token": first["refresh_token"]})).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert (await client.get("/me", headers=bearer(second))).status_code == 200

    replay = await client.post("/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and replay.headers["content-type"] == "application/problem+json"
    # Whoever holds the newest token is signed out too: the family is gone, not just the replayed token.
    after = await client.post("/sessions/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401
    assert (await client.get("/me", headers=bearer(second))).status_code == 401
    async with client.app.state.pool.acquire() as conn:
        kinds = await conn.fetch("SELECT kind FROM security_events WHERE user_id = $1", uuid.UUID(profile["id"]))
    assert "session.refresh_token_reused" in {k["kind"] for k in kinds}


async def test_a_refresh_picks_up_roles_granted_since_sign_in(client):
    profile, _ = await sign_up_and_in(client)
    session = await sign_in(client, profile["email"])
    admin = bearer(await sign_in(client, "admin@example.org", "admin passphrase 1"))
    await client.post(f"/users/{profile['id']}/roles", json={"role": "staff"}, headers=admin)
    renewed = (await client.post("/sessions/refresh", json={"refresh_token": session["refresh_token"]})).json()
    claims = jwt.decode(renewed["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["learner", "staff"]


async def test_sign_out_ends_this_session_only(client):
    profile, _ = await sign_up_and_in(client)
    here, elsewhere = await sign_in(client, profile["email"]), await sign_in(client, profile["email"])
    assert (await client.delete("/sessions/current", headers=bearer(here))).status_code == 204
    assert (await client.get("/me", headers=bearer(here))).status_code == 401
    assert (await client.post("/sessions/refresh", json={"refresh_token": here["refresh_token"]})).status_code == 401
    assert (await client.get("/me", headers=bearer(elsewhere))).status_code == 200
    sessions = (await client.get("/me/sessions", headers=bearer(elsewhere))).json()
    assert sorted(s["current"] for s in sessions) == [False, True]  # this one and the one from signing up


async def test_sign_out_with_only_a_refresh_token_and_sign_out_everywhere(client):
    profile, _ = await sign_up_and_in(client)
    one, two, three = [await sign_in(client, profile["email"]) for _ in range(3)]
    assert (await client.post("/sessions/revoke", json={"refresh_token": one["refresh_token"]})).status_code == 204
    assert (await client.post("/sessions/refresh", json={"refresh_token": one["refresh_token"]})).status_code == 401
    assert (await client.post("/sessions/revoke", json={"refresh_token": "not-a-token"})).status_code == 204
    assert (await client.delete("/sessions", headers=bearer(two))).status_code == 204
    for gone in (two, three):
        refreshed = await client.post("/sessions/refresh", json={"refresh_token": gone["refresh_token"]})
        assert refreshed.status_code == 401


async def test_using_a_reset_link_ends_every_session(client):
    profile, _ = await sign_up_and_in(client)
    sessions = [await sign_in(client, profile["email"]) for _ in range(2)]
    await client.post("/password-resets", json={"email": profile["email"]})
    [event] = await outbox(client, "password_reset.requested", profile["email"])
    confirmed = await client.post(
        "/password-resets/confirm",
        json={"token": token_of(event["data"]["reset_url"]), "new_password": "a fresh start passphrase"},
    )
    assert confirmed.status_code == 204
    for session in sessions:
        assert (await client.get("/me", headers=bearer(session))).status_code == 401
        refreshed = await client.post("/sessions/refresh", json={"refresh_token": session["refresh_token"]})
        assert refreshed.status_code == 401


async def test_a_new_reset_link_replaces_the_previous_one(client):
    profile, _ = await sign_up_and_in(client)
    for _ in range(2):
        await from_new_address(client, "POST", "/password-resets", json={"email": profile["email"]})
    older, newer = await outbox(client, "password_reset.requested", profile["email"])
    stale = await client.post(
        "/password-resets/confirm",
        json={"token": token_of(older["data"]["reset_url"]), "new_password": "a fresh start passphrase"},
    )
    assert stale.status_code == 400
    fresh = await client.post(
        "/password-resets/confirm",
        json={"token": token_of(newer["data"]["reset_url"]), "new_password": "a fresh start passphrase"},
    )
    assert fresh.status_code == 204


async def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(client):
    profile, headers = await sign_up_and_in(client)
    other = await sign_in(client, profile["email"])
    wrong = await client.post(
        "/me/password",
        json={"current_password": "not my password at all", "new_password": "a newer passphrase"},
        headers=headers,
    )
    assert wrong.status_code == 403 and wrong.json()["errors"][0]["field"] == "current_password"
    weak = await client.post(
        "/me/password", json={"current_password": PASSWORD, "new_password": "Password1234"}, headers=headers
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "new_password"
    changed = await client.post(
        "/me/password", json={"current_password": PASSWORD, "new_password": "a newer passphrase"}, headers=headers
    )
    assert changed.status_code == 200
    assert (await client.get("/me", headers=bearer(changed.json()))).status_code == 200
    assert (await client.get("/me", headers=headers)).status_code == 401
    assert (await client.post("/sessions/refresh", json={"refresh_token": other["refresh_token"]})).status_code == 401
    assert (await client.post("/sessions", json={"email": profile["email"], "password": PASSWORD})).status_code == 401
    await sign_in(client, profile["email"], "a newer passphrase")


async def test_repeated_failures_lock_the_account_for_a_while_whatever_the_address(client):
    profile, _ = await sign_up_and_in(client)
    for _ in range(5):
        failed = await from_new_address(
            client, "POST", "/sessions", json={"email": profile["email"], "password": "wrong passphrase!"}
        )
        assert failed.status_code == 401
    locked = await from_new_address(client, "POST", "/sessions", json={"email": profile["email"], "password": PASSWORD})
    assert locked.status_code == 429
    assert locked.headers["content-type"] == "application/problem+json"
    assert 0 < int(locked.headers["retry-after"]) <= 900 and locked.json()["retry_after"] > 0
    # An address with no account is limited the same way, so a 429 reveals nothing.
    for unknown in (f"nobody.{uuid.uuid4().hex[:6]}@example.org", f"not an email {uuid.uuid4().hex[:6]}"):
        answers = [
            (
                await from_new_address(
                    client, "POST", "/sessions", json={"email": unknown, "password": "wrong passphrase!"}
                )
            ).status_code
            for _ in range(6)
        ]
        assert answers == [401] * 5 + [429]


async def test_a_successful_sign_in_clears_the_account_failure_count(client):
    profile, _ = await sign_up_and_in(client)
    for _ in range(3):
        await client.post("/sessions", json={"email": profile["email"], "password": "wrong passphrase!"})
    await sign_in(client, profile["email"])
    for _ in range(4):
        assert (
            await client.post("/sessions", json={"email": profile["email"], "password": "wrong passphrase!"})
        ).status_code == 401


async def test_failures_from_one_client_address_are_throttled_across_accounts(make_database):
    async with (
        running_identity(await make_database("identity"), signin_ip_limit=3) as client,
        client_at(client, "10.0.0.7") as guesser,
    ):
        for _ in range(3):
            unknown = f"guess.{uuid.uuid4().hex[:6]}@example.org"
            response = await guesser.post("/sessions", json={"email": unknown, "password": "a guessed passphrase"})
            assert response.status_code == 401
        blocked = await guesser.post("/sessions", json={"email": "admin@example.org", "password": "admin passphrase 1"})
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
        # The same account from another address is fine.
        assert (
            await from_new_address(
                client, "POST", "/sessions", json={"email": "admin@example.org", "password": "admin passphrase 1"}
            )
        ).status_code == 200


async def test_an_address_the_client_claims_changes_neither_its_throttle_bucket_nor_its_audit_entries(make_database):
    async with (
        running_identity(await make_database("identity"), signin_ip_limit=3) as client,
        client_at(client, "10.0.0.7") as guesser,
    ):
        for n in range(3):
            claimed = {"X-Real-IP": f"192.0.2.{n + 1}", "X-Forwarded-For": f"198.51.100.{n + 1}"}
            unknown = f"guess.{uuid.uuid4().hex[:6]}@example.org"
            response = await guesser.post(
                "/sessions", json={"email": unknown, "password": "a guessed passphrase"}, headers=claimed
            )
            assert response.status_code == 401
        blocked = await guesser.post(
            "/sessions",
            json={"email": "admin@example.org", "password": "admin passphrase 1"},
            headers={"X-Real-IP": "203.0.113.9", "X-Forwarded-For": "203.0.113.9"},
        )
        assert blocked.status_code == 429
        async with client.app.state.pool.acquire() as conn:
            events = await conn.fetch("SELECT kind, client_ip FROM security_events WHERE kind LIKE 'sign_in.%'")
        assert sorted(e["kind"] for e in events) == ["sign_in.failed"] * 3 + ["sign_in.throttled"]
        assert {e["client_ip"] for e in events} == {"10.0.0.7"}


async def test_sign_ups_from_one_client_address_are_throttled_before_any_hashing(make_database, monkeypatch):
    async with running_identity(await make_database("identity"), signup_ip_limit=2) as client:
        async with client_at(client) as room:
            answers = [await room.post("/users", json=signup_body()) for _ in range(2)]
            assert [a.status_code for a in answers] == [201, 201]
            hashed = []
            monkeypatch.setattr(passwords, "hash_password", lambda password: hashed.append(password))
            refused = await room.post("/users", json=signup_body())
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
            assert refused.json()["detail"].startswith("too many sign-ups from this address") and hashed == []
            monkeypatch.undo()
        assert (await from_new_address(client, "POST", "/users", json=signup_body())).status_code == 201


async def test_verification_emails_are_throttled_per_account(make_database):
    async with running_identity(await make_database("identity"), verification_email_limit=2) as client:
        profile, headers = await sign_up_and_in(client)
        work = f"work.{uuid.uuid4().hex[:6]}@hospital.example.org"
        assert (await client.post("/me/emails", json={"email": work}, headers=headers)).status_code == 201
        assert (await client.post(f"/me/emails/{work}/verification", headers=headers)).status_code == 202
        again = await client.post(f"/me/emails/{work}/verification", headers=headers)
        assert again.status_code == 429 and "verification emails" in again.json()["detail"]
        other = await client.post("/me/emails", json={"email": f"x.{work}"}, headers=headers)
        assert other.status_code == 429
        emails = (await client.get("/me/emails", headers=headers)).json()
        assert f"x.{work}" not in [e["email"] for e in emails]  # refused whole: no address without its link
        assert len(await outbox(client, "email.verification_requested", profile["id"])) == 2


async def test_reset_requests_are_throttled_per_email_with_retry_after(client):
    email = f"someone.{uuid.uuid4().hex[:6]}@example.org"
    answers = [await from_new_address(client, "POST", "/password-resets", json={"email": email}) for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    assert int(answers[-1].headers["retry-after"]) > 0


async def test_an_unknown_email_is_checked_against_a_hash_too(client, monkeypatch):
    checked = []
    original = passwords.verify_password

    async def spy(stored_hash, password):
        checked.append(stored_hash)
        return await original(stored_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)
    response = await client.post("/sessions", json={"email": "no.such.person@example.org", "password": "whatever!!!!"})
    assert response.status_code == 401 and checked == [None]  # None: the dummy hash, same cost as a real one


async def test_the_sign_up_email_signs_in_before_verification_but_an_added_one_does_not(client):
    body = signup_body()
    created = (await client.post("/users", json=body)).json()
    session = await sign_in(client, body["email"])
    added = await client.post(
        "/me/emails", json={"email": f"other.{uuid.uuid4().hex[:6]}@example.org"}, headers=bearer(session)
    )
    assert added.status_code == 201
    unverified = next(e["email"] for e in added.json() if not e["primary"])
    refused = await client.post("/sessions", json={"email": unverified, "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["errors"][0]["field"] == "email"
    assert refused.json()["title"] == "Email not verified"
    assert refused.json()["detail"].startswith("confirm this address with the link sent to it")
    wrong = await client.post("/sessions", json={"email": unverified, "password": "wrong passphrase!"})
    assert wrong.status_code == 401  # without the password nothing is said about the address
    assert created["email_addresses"][0]["verified"] is False


async def test_housekeeping_drops_throttle_rows_past_every_window(client):
    async with client.app.state.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO throttle_hits (scope, key, at) VALUES "
            "('sign_in.ip', 'stale', now() - interval '2 hours'), ('sign_in.ip', 'fresh', now())"
        )
        purged = await housekeeping.purge_expired(conn, client.app.state.settings)
        left = {r["key"] for r in await conn.fetch("SELECT key FROM throttle_hits WHERE key IN ('stale', 'fresh')")}
    assert purged["throttle_hits"] >= 1 and left == {"fresh"}
