"""Changing one's mind and correcting mistakes, end to end through the gateway: a learner cancels a registration (the
cancellation email arrives) and registers again; support extends nothing but corrects the claim; the old certificate is
revoked and a new one issued with the corrected credits; the transcript PDF and a bundle of certificates reflect it."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from e2e_helpers import mail_to, sign_in, sign_up, until
from pypdf import PdfReader

from devstack.stack import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.e2e

EVALUATION = {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True}


async def test_cancel_register_again_claim_correct_and_print_the_transcript(stack):
    run = uuid.uuid4().hex[:6]
    password = "correct horse battery staple"
    learner_email = f"lee.park.{run}@example.org"

    async with (
        httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30) as client,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{stack.config.smtp_http_port}", timeout=10) as sink,
    ):
        admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        desk_id = await sign_up(client, f"desk.{run}@example.org", password, first_name="Dee", last_name="Desk")
        for role in ("staff", "support"):
            granted = await client.post(f"/api/identity/users/{desk_id}/roles", json={"role": role}, headers=admin)
            assert granted.status_code == 200, granted.text
        desk = await sign_in(client, f"desk.{run}@example.org", password)
        await sign_up(client, learner_email, password, first_name="Lee", last_name="Park", degree="RN")
        learner = await sign_in(client, learner_email, password)

        # A course starting in a few seconds: cancelled before it starts, then registered for again (the cancellation
        # email comes in between: 12 s leave room for a busy CI machine).
        now = datetime.now(UTC)
        starts, ends = now + timedelta(seconds=12), now + timedelta(seconds=14)
        created = await client.post(
            "/api/catalog/activities",
            headers=desk,
            json={
                "title": f"Wound Care {run}",
                "format": "live_course",
                "starts_at": starts.isoformat(),
                "ends_at": ends.isoformat(),
                "location": "Room 4",
                "fees": {"nurse": 0},
                "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "3"}],
            },
        )
        assert created.status_code == 201, created.text
        activity_id = created.json()["id"]
        assert (await client.post(f"/api/catalog/activities/{activity_id}/publish", headers=desk)).status_code == 200
        first = await client.post(
            f"/api/catalog/activities/{activity_id}/registrations", headers=learner, json={"attendee_category": "nurse"}
        )
        assert first.status_code == 201, first.text
        cancelled = await client.post(f"/api/catalog/registrations/{first.json()['id']}/cancel", headers=learner)
        assert cancelled.status_code == 200, cancelled.text
        notice = await mail_to(sink, learner_email, "Registration cancelled")
        assert first.json()["number"] in notice["text"]
        again = await client.post(
            f"/api/catalog/activities/{activity_id}/registrations", headers=learner, json={"attendee_category": "nurse"}
        )
        assert again.status_code == 201, again.text

        async def claimable():
            return [
                a
                for a in (await client.get("/api/credit/claimable", headers=learner)).json()
                if a["activity_id"] == activity_id
            ]

        await until(claimable, what="the new registration to reach credit")
        await asyncio.sleep(max(0.0, (ends - datetime.now(UTC)).total_seconds()))
        claim = await client.post(
            "/api/credit/claims",
            headers=learner,
            json={"activity_id": activity_id, "credits": {"AMA_PRA_1": "3"}, "evaluation": EVALUATION},
        )
        assert claim.status_code == 201, claim.text

        async def current_certificates():
            return (await client.get("/api/certificates/certificates/mine", headers=learner)).json()

        [original] = await until(current_certificates, what="the first certificate")

        # The learner left early: support corrects the claim to 1.5 credits.
        corrected = await client.post(
            f"/api/credit/claims/{claim.json()['id']}/correction",
            headers=desk,
            json={"credits": {"AMA_PRA_1": "1.5"}, "reason": f"left at the break ({run})"},
        )
        assert corrected.status_code == 201, corrected.text

        async def revoked_and_replaced():
            # credit.revoked and credit.claimed travel on different topics: either may be applied first.
            listed = {c["id"]: c for c in await current_certificates()}
            valid = [c for c in listed.values() if not c["revoked"]]
            return valid if listed[original["id"]]["revoked"] and len(valid) == 1 else None

        [new] = await until(revoked_and_replaced, what="the old certificate revoked and the corrected one issued")
        old_check = (await client.get(f"/api/certificates/verify/{original['verification_code']}")).json()
        new_check = (await client.get(f"/api/certificates/verify/{new['verification_code']}")).json()
        assert old_check["revoked"] is True and new_check["valid"] is True
        assert [Decimal(c["amount"]) for c in new_check["credits"]] == [Decimal("1.5")]

        transcript = (await client.get("/api/credit/transcript", headers=learner)).json()
        assert Decimal(transcript["totals"]["AMA_PRA_1"]) == Decimal("1.5")
        pdf = await client.get("/api/certificates/transcript.pdf", headers=learner)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert f"Wound Care {run}" in text and new["number"] in text and original["number"] not in text
        bundle = await client.post("/api/certificates/certificates/bundle", headers=learner, json={"ids": [new["id"]]})
        assert bundle.status_code == 200 and bundle.content.startswith(b"%PDF")
        refused = await client.post(
            "/api/certificates/certificates/bundle", headers=learner, json={"ids": [original["id"]]}
        )
        assert refused.status_code == 409  # a revoked certificate is never printed as valid
