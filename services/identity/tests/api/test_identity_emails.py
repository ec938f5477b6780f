"""More than one email: add, verify by link, make primary, remove; each change that others see is published."""

import uuid
from datetime import datetime, timedelta

from identity_testing import bearer, outbox, sign_in, sign_up_and_in, verification_token


def another_email() -> str:
    return f"Work.{uuid.uuid4().hex[:8]}@Hospital.example.org"


async def add_and_verify(client, headers) -> str:
    me = (await client.get("/me", headers=headers)).json()
    email = another_email()
    added = await client.post("/me/emails", json={"email": email}, headers=headers)
    assert added.status_code == 201, added.text
    assert email.lower() in [e["email"] for e in added.json() if not e["verified"]]
    token = await verification_token(client, me["id"], email)
    assert (await client.post(f"/email-verifications/{token}")).status_code == 204
    return email.lower()


async def test_adding_an_email_publishes_its_verification_link_and_no_answer_carries_it(client):
    profile, headers = await sign_up_and_in(client)
    email = another_email()
    added = await client.post("/me/emails", json={"email": email}, headers=headers)
    [requested] = await outbox(client, "email.verification_requested", profile["id"])
    data = requested["data"]
    assert data["user_id"] == profile["id"] and data["email"] == email.lower()
    assert data["verify_url"].startswith("https://cme.example.org/verify-email?token=")
    expires = datetime.fromisoformat(data["expires_at"]) - datetime.fromisoformat(data["requested_at"])
    assert expires == timedelta(hours=48)
    assert added.status_code == 201 and (await verification_token(client, profile["id"], email)) not in added.text


async def test_a_new_link_voids_the_old_one_and_goes_to_the_address(client):
    profile, headers = await sign_up_and_in(client)
    email = another_email().lower()
    await client.post("/me/emails", json={"email": email}, headers=headers)
    old = await verification_token(client, profile["id"], email)
    resent = await client.post(f"/me/emails/{email}/verification", headers=headers)
    assert resent.status_code == 202, resent.text
    new = await verification_token(client, profile["id"], email)
    assert new != old and len(await outbox(client, "email.verification_requested", profile["id"])) == 2
    assert (await client.post(f"/email-verifications/{old}")).status_code == 400
    assert (await client.post(f"/email-verifications/{new}")).status_code == 204
    # The sign-up address can ask for a new link too (its first one came in user.registered).
    again = await client.post(f"/me/emails/{profile['email']}/verification", headers=headers)
    assert again.status_code == 202
    signup_token = await verification_token(client, profile["id"], profile["email"])
    assert (await client.post(f"/email-verifications/{signup_token}")).status_code == 204
    verified = await client.post(f"/me/emails/{email}/verification", headers=headers)
    assert verified.status_code == 409 and verified.json()["errors"][0]["field"] == "email"


async def test_an_added_email_is_verified_by_its_link_then_signs_in_and_is_published(client):
    profile, headers = await sign_up_and_in(client)
    email = await add_and_verify(client, headers)
    [verified] = await outbox(client, "email.verified", profile["id"])
    assert verified["data"]["email"] == email
    [updated] = await outbox(client, "profile.updated", profile["id"])
    assert updated["data"]["profile"]["verified_emails"] == [email] and updated["data"]["version"] == 2
    session = await sign_in(client, email)
    me = (await client.get("/me", headers=bearer(session))).json()
    assert me["id"] == profile["id"] and me["email"] == profile["email"]  # the primary address is unchanged


async def test_a_verification_link_works_once(client):
    profile, headers = await sign_up_and_in(client)
    email = another_email()
    await client.post("/me/emails", json={"email": email}, headers=headers)
    link = await verification_token(client, profile["id"], email)
    assert (await client.post(f"/email-verifications/{link}")).status_code == 204
    again = await client.post(f"/email-verifications/{link}")
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "token"


async def test_an_address_of_another_account_cannot_be_added(client):
    other, _ = await sign_up_and_in(client)
    _, headers = await sign_up_and_in(client)
    taken = await client.post("/me/emails", json={"email": other["email"].upper()}, headers=headers)
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "email"


async def test_only_a_verified_address_becomes_primary_and_the_change_is_published(client):
    profile, headers = await sign_up_and_in(client)
    unverified = another_email().lower()
    await client.post("/me/emails", json={"email": unverified}, headers=headers)
    refused = await client.post(f"/me/emails/{unverified}/primary", headers=headers)
    assert refused.status_code == 409
    verified = await add_and_verify(client, headers)
    made = await client.post(f"/me/emails/{verified}/primary", headers=headers)
    assert made.status_code == 200, made.text
    assert [e["email"] for e in made.json() if e["primary"]] == [verified]
    events = await outbox(client, "profile.updated", profile["id"])
    assert events[-1]["data"]["profile"]["primary_email"] == verified
    assert [e["data"]["version"] for e in events] == sorted({e["data"]["version"] for e in events})


async def test_the_primary_and_the_last_verified_address_cannot_be_removed(client):
    profile, headers = await sign_up_and_in(client)
    assert (await client.delete(f"/me/emails/{profile['email']}", headers=headers)).status_code == 409
    verified = await add_and_verify(client, headers)
    # The sign-up address was never verified: the added one is the account's only verified address.
    assert (await client.delete(f"/me/emails/{verified}", headers=headers)).status_code == 409
    spare = another_email().lower()
    await client.post("/me/emails", json={"email": spare}, headers=headers)
    assert (await client.delete(f"/me/emails/{spare}", headers=headers)).status_code == 204
    emails = (await client.get("/me/emails", headers=headers)).json()
    assert {e["email"] for e in emails} == {profile["email"], verified}


async def test_a_removed_address_can_no_longer_be_verified_with_an_old_link(client):
    profile, headers = await sign_up_and_in(client)
    email = another_email().lower()
    await client.post("/me/emails", json={"email": email}, headers=headers)
    link = await verification_token(client, profile["id"], email)
    assert (await client.delete(f"/me/emails/{email}", headers=headers)).status_code == 204
    assert (await client.post(f"/email-verifications/{link}")).status_code == 400


async def test_emails_of_another_learner_cannot_be_touched(client):
    other, _ = await sign_up_and_in(client)
    _, headers = await sign_up_and_in(client)
    for response in (
        await client.delete(f"/me/emails/{other['email']}", headers=headers),
        await client.post(f"/me/emails/{other['email']}/primary", headers=headers),
    ):
        assert response.status_code == 404
