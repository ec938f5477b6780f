"""Signing-key rotation without downtime: published first, signing later, old tokens verifying until retirement."""

import asyncio
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from identity_testing import admin_headers, bearer, running_identity, sign_in, sign_up_and_in

from identity import tokens
from opencme_kit.auth import TokenVerifier
from opencme_kit.problems import Problem


async def set_activation(client, kid, when):
    async with client.app.state.pool.acquire() as conn:
        await conn.execute("UPDATE signing_keys SET activates_at = $2 WHERE kid = $1", kid, when)


async def test_a_new_key_is_published_before_it_signs_and_old_tokens_verify_until_it_is_retired(make_database):
    async with running_identity(await make_database("identity")) as client:
        admin = await admin_headers(client)
        profile, _ = await sign_up_and_in(client)
        old_session = await sign_in(client, profile["email"])
        old_kid = jwt.get_unverified_header(old_session["access_token"])["kid"]

        keys = (await client.post("/signing-keys", headers=admin)).json()
        [new] = [k for k in keys if k["kid"] != old_kid]
        assert not new["signing"] and [k["kid"] for k in keys if k["signing"]] == [old_kid]
        published = (await client.get("/.well-known/jwks.json")).json()
        assert {k["kid"] for k in published["keys"]} == {old_kid, new["kid"]}
        # Until its time comes, the old key still signs: a verifier that has not refetched the JWKS keeps working.
        assert jwt.get_unverified_header((await sign_in(client, profile["email"]))["access_token"])["kid"] == old_kid

        await set_activation(client, new["kid"], datetime.now(UTC))
        new_session = await sign_in(client, profile["email"])
        assert jwt.get_unverified_header(new_session["access_token"])["kid"] == new["kid"]
        verifier = TokenVerifier.from_jwks((await client.get("/.well-known/jwks.json")).json())
        # Identity's own verifier refetches on an unknown key id at most once a second; in real time the key was
        # published SIGNING_KEY_PUBLISH_SECONDS before it signed, and the cache lives 30 s at most.
        await asyncio.sleep(1.1)
        for session in (old_session, new_session):
            await verifier.verify(session["access_token"])
            assert (await client.get("/me", headers=bearer(session))).status_code == 200

        # Tokens from the old key may live another 15 minutes: retiring it now is refused.
        early = await client.post(f"/signing-keys/{old_kid}/retire", headers=admin)
        assert early.status_code == 409 and "retire it in" in early.json()["detail"]
        assert (await client.post(f"/signing-keys/{new['kid']}/retire", headers=admin)).status_code == 409

        # A quarter of an hour later (the clock moved back instead): every token of the old key has expired.
        await set_activation(client, old_kid, datetime.now(UTC) - timedelta(minutes=30))
        await set_activation(client, new["kid"], datetime.now(UTC) - timedelta(minutes=16))
        retired = await client.post(f"/signing-keys/{old_kid}/retire", headers=admin)
        assert retired.status_code == 200, retired.text
        assert [k["kid"] for k in (await client.get("/.well-known/jwks.json")).json()["keys"]] == [new["kid"]]
        with pytest.raises(Problem):
            await TokenVerifier.from_jwks((await client.get("/.well-known/jwks.json")).json()).verify(
                old_session["access_token"]
            )
        audit = (await client.get("/audit", params={"kind": "signing_key.retired"}, headers=admin)).json()["items"]
        assert [e["detail"]["kid"] for e in audit] == [old_kid]


async def stored_pems(client) -> list[str]:
    async with client.app.state.pool.acquire() as conn:
        return [r["private_pem"] for r in await conn.fetch("SELECT private_pem FROM signing_keys ORDER BY created_at")]


async def test_with_a_passphrase_private_keys_are_stored_encrypted_and_sign_as_before(make_database):
    database_url = await make_database("identity")
    async with running_identity(database_url) as client:  # a development start: keys in the clear
        [clear] = await stored_pems(client)
        assert clear.startswith("-----BEGIN PRIVATE KEY-----")
    async with running_identity(database_url, signing_key_passphrase="a passphrase from the secret store") as client:
        admin = await admin_headers(client)
        await client.post("/signing-keys", headers=admin)
        pems = await stored_pems(client)
        # The key from before is encrypted at start; the new one is written encrypted.
        assert len(pems) == 2 and all(p.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----") for p in pems)
        profile, headers = await sign_up_and_in(client)
        assert (await client.get("/me", headers=headers)).json()["id"] == profile["id"]


async def test_a_wrong_or_missing_passphrase_stops_the_start_instead_of_failing_sign_ins(make_database):
    database_url = await make_database("identity")
    async with running_identity(database_url, signing_key_passphrase="the right passphrase"):
        pass
    for wrong in ("not the right one", None):
        with pytest.raises(tokens.SigningKeyError, match="SIGNING_KEY_PASSPHRASE"):
            async with running_identity(database_url, signing_key_passphrase=wrong):
                pass
