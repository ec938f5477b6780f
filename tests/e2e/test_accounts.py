"""Account emails end to end: every link identity creates reaches the mailbox it belongs to through Kafka,
notifications and real SMTP, and works once, through the gateway."""

from __future__ import annotations

import uuid

import httpx
import pytest
from e2e_helpers import link_token, mail_to, sign_in, sign_up

pytestmark = pytest.mark.e2e


async def test_sign_up_added_address_and_password_reset_links_arrive_by_email_and_work_once(stack):
    run = uuid.uuid4().hex[:6]
    home, work, stranger = f"sam.{run}@example.org", f"s.lee.{run}@hospital.example.org", f"nobody.{run}@example.org"
    password, new_password = "correct horse battery staple", "a different long passphrase"

    async with (
        httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30) as client,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.config.smtp_http_port}", timeout=10) as sink,
    ):
        await sign_up(client, home, password, first_name="Sam", last_name="Lee")
        signup_mail = await mail_to(sink, home, "Confirm your email")
        signup_token = link_token(signup_mail["text"], "/verify-email")
        verified = await client.post(f"/api/identity/email-verifications/{signup_token}")
        assert verified.status_code == 204, verified.text

        # An added address gets its own link, at that address; until it is used the address cannot sign in.
        learner = await sign_in(client, home, password)
        added = await client.post("/api/identity/me/emails", json={"email": work}, headers=learner)
        assert added.status_code == 201, added.text
        unconfirmed = await client.post("/api/identity/sessions", json={"email": work, "password": password})
        assert unconfirmed.status_code == 403
        work_mail = await mail_to(sink, work, "Confirm your email")
        assert "Hello Sam," in work_mail["text"]
        token = link_token(work_mail["text"], "/verify-email")
        assert (await client.post(f"/api/identity/email-verifications/{token}")).status_code == 204
        assert (await client.post(f"/api/identity/email-verifications/{token}")).status_code == 400
        await sign_in(client, work, password)

        # Forgot password, asked with the added address: the link goes there, works once and ends every session.
        asked = await client.post("/api/identity/password-resets", json={"email": work})
        assert asked.status_code == 202, asked.text
        reset_mail = await mail_to(sink, work, "Reset your")
        reset_token = link_token(reset_mail["text"], "/reset-password")
        confirm = {"token": reset_token, "new_password": new_password}
        assert (await client.post("/api/identity/password-resets/confirm", json=confirm)).status_code == 204
        assert (await client.post("/api/identity/password-resets/confirm", json=confirm)).status_code == 400
        assert (await client.get("/api/identity/me", headers=learner)).status_code == 401
        await sign_in(client, home, new_password)

        # An address without an account is told so, in the FAQ's words; the answer to the asker is the same.
        unknown = await client.post("/api/identity/password-resets", json={"email": stranger})
        assert unknown.status_code == asked.status_code and unknown.json() == asked.json()
        no_account = await mail_to(sink, stranger, "Password reset request")
        assert "a password could not be found for the email you entered" in no_account["text"]
