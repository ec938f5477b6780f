"""More than one email: add, verify by link, make primary, remove; each change that others see is published."""

import uuid

from identity_testing import CapturedTokens, bearer, outbox, sign_in, sign_up_and_in


def another_email() -> str:
    return f"Work.{uuid.uuid4().hex[:8]}@Hospital.example.org"


async def add_and_verify(client, headers, monkeypatch) -> str:
    captured = CapturedTokens(monkeypatch)
    email = another_email()
    added = await client.post("/me/emails", json={"email": email}, headers=headers)
    assert added.status_code == 201, added.text
    assert email.lower() in [e["email"] for e in added.json() if not e["verified"]]
    assert (await client.post(f"/email-verifications/{captured.last}")).status_code == 204
    return email.lower()


async def test_an_added_email_is_verified_by_its_link_then_signs_in_and_is_published(client, monkeypatch):
    profile, headers = await sign_up_and_in(client)
    email = await add_and_verify(client, headers, monkeypatch)
    [verified] = await outbox(client, "email.verified", profile["id"])
    assert verified["data"]["email"] == email
    [updated] = await outbox(client, "profile.updated", profile["id"])
    assert updated["data"]["profile"]["verified_emails"] == [email] and updated["data"]["version"] == 2
    session = await sign_in(client, email)
    me = (await client.get("/me", headers=bearer(session))).json()
    assert me["id"] == profile["id"] and me["email"] == profile["email"]  # the primary address is unchanged


async def test_a_verification_link_works_once(client, monkeypatch):
    _, headers = await sign_up_and_in(client)
    captured = CapturedTokens(monkeypatch)
    await client.post("/me/emails", json={"email": another_email()}, headers=headers)
    link = captured.last
    assert (await client.post(f"/email-verifications/{link}")).status_code == 204
    again = await client.post(f"/email-verifications/{link}")
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "token"


async def test_an_address_of_another_account_cannot_be_added(client):
    other, _ = await sign_up_and_in(client)
    _, headers = await sign_up_and_in(client)
    taken = await client.post("/me/emails", json={"email": other["email"].upper()}, headers=headers)
    assert taken.status_code == 409 and taken.json()["errors"][0]["field"] == "email"


async def test_only_a_verified_address_becomes_primary_and_the_change_is_published(client, monkeypatch):
    profile, headers = await sign_up_and_in(client)
    unverified = another_email().lower()
    await client.post("/me/emails", json={"email": unverified}, headers=headers)
    refused = await client.post(f"/me/emails/{unverified}/primary", headers=headers)
    assert refused.status_code == 409
    verified = await add_and_verify(client, headers, monkeypatch)
    made = await client.post(f"/me/emails/{verified}/primary", headers=headers)
    assert made.status_code == 200, made.text
    assert [e["email"] for e in made.json() if e["primary"]] == [verified]
    events = await outbox(client, "profile.updated", profile["id"])
    assert events[-1]["data"]["profile"]["primary_email"] == verified
    assert [e["data"]["version"] for e in events] == sorted({e["data"]["version"] for e in events})


async def test_the_primary_and_the_last_verified_address_cannot_be_removed(client, monkeypatch):
    profile, headers = await sign_up_and_in(client)
    assert (await client.delete(f"/me/emails/{profile['email']}", headers=headers)).status_code == 409
    verified = await add_and_verify(client, headers, monkeypatch)
    # The sign-up address was never verified: the added one is the account's only verified address.
    assert (await client.delete(f"/me/emails/{verified}", headers=headers)).status_code == 409
    spare = another_email().lower()
    await client.post("/me/emails", json={"email": spare}, headers=headers)
    assert (await client.delete(f"/me/emails/{spare}", headers=headers)).status_code == 204
    emails = (await client.get("/me/emails", headers=headers)).json()
    assert {e["email"] for e in emails} == {profile["email"], verified}


async def test_a_removed_address_can_no_longer_be_verified_with_an_old_link(client, monkeypatch):
    _, headers = await sign_up_and_in(client)
    captured = CapturedTokens(monkeypatch)
    email = another_email().lower()
    await client.post("/me/emails", json={"email": email}, headers=headers)
    link = captured.last
    assert (await client.delete(f"/me/emails/{email}", headers=headers)).status_code == 204
    assert (await client.post(f"/email-verifications/{link}")).status_code == 400


async def test_emails_of_another_learner_cannot_be_touched(client):
    other, _ = await sign_up_and_in(client)
    _, headers = await sign_up_and_in(client)
    for response in (await client.delete(f"/me/emails/{other['email']}", headers=headers),
                     await client.post(f"/me/emails/{other['email']}/primary", headers=headers)):
        assert response.status_code == 404
