"""An account merge end to end: the help desk merges a duplicate account through the gateway, and account.merged moves
the duplicate's registration, claim, certificate and board report to the surviving account in every service."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from e2e_helpers import sign_in, sign_up, until

from devstack.stack import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.e2e


async def test_a_merge_moves_registrations_claims_certificates_and_board_reports_to_the_survivor(stack):
    run = uuid.uuid4().hex[:6]
    password = "correct horse battery staple"
    survivor_email, duplicate_email = f"ana.ruiz.{run}@example.org", f"a.ruiz.{run}@hospital.example.org"

    async with httpx.AsyncClient(base_url=stack.config.gateway_url, timeout=30) as client:
        admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        helper_id = await sign_up(client, f"help.{run}@example.org", password, first_name="Hal", last_name="Desk")
        for role in ("staff", "support"):
            granted = await client.post(f"/api/identity/users/{helper_id}/roles", json={"role": role}, headers=admin)
            assert granted.status_code == 200, granted.text
        desk = await sign_in(client, f"help.{run}@example.org", password)
        survivor_id = await sign_up(
            client,
            survivor_email,
            password,
            first_name="Ana",
            last_name="Ruiz",
            degree="MD",
            board_ids={"ABIM": f"S{run}"},
            birth_month=2,
            birth_day=14,
        )
        duplicate_id = await sign_up(
            client,
            duplicate_email,
            password,
            first_name="Ana",
            last_name="Ruiz",
            degree="MD",
            board_ids={"ABIM": f"S{run}"},
            birth_month=2,
            birth_day=14,
        )
        duplicate = await sign_in(client, duplicate_email, password)

        # The duplicate account attends, claims, gets its certificate and its ABIM report accepted.
        now = datetime.now(UTC)
        created = await client.post(
            "/api/catalog/activities",
            headers=desk,
            json={
                "title": f"Sepsis Update {run}",
                "format": "live_course",
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(seconds=2)).isoformat(),
                "location": "Main Campus",
                "fees": {"physician": 0},
                "credit_designations": [
                    {"credit_type": "AMA_PRA_1", "max_credits": "1"},
                    {"credit_type": "MOC_ABIM", "max_credits": "1"},
                ],
                "moc_boards": ["ABIM"],
            },
        )
        assert created.status_code == 201, created.text
        activity_id = created.json()["id"]
        assert (await client.post(f"/api/catalog/activities/{activity_id}/publish", headers=desk)).status_code == 200
        registered = await client.post(
            f"/api/catalog/activities/{activity_id}/registrations",
            headers=duplicate,
            json={"attendee_category": "physician"},
        )
        assert registered.status_code == 201, registered.text

        async def claimable():
            return [
                a
                for a in (await client.get("/api/credit/claimable", headers=duplicate)).json()
                if a["activity_id"] == activity_id
            ]

        await until(claimable, what="the registration to reach credit")
        await asyncio.sleep(max(0.0, (now + timedelta(seconds=2) - datetime.now(UTC)).total_seconds()))
        claim = await client.post(
            "/api/credit/claims",
            headers=duplicate,
            json={
                "activity_id": activity_id,
                "credits": {"AMA_PRA_1": "1", "MOC_ABIM": "1"},
                "evaluation": {"overall_rating": 4, "objectives_met": True, "free_of_commercial_bias": True},
                "moc_boards": ["ABIM"],
                "share_permission": True,
            },
        )
        assert claim.status_code == 201, claim.text

        async def accepted(headers):
            reports = (await client.get("/api/board-reporting/reports/mine", headers=headers)).json()
            return [r for r in reports if r["status"] == "accepted"]

        async def certificates(headers):
            return (await client.get("/api/certificates/certificates/mine", headers=headers)).json()

        await until(lambda: accepted(duplicate), what="the duplicate's ABIM report to be accepted")
        [certificate] = await until(lambda: certificates(duplicate), what="the duplicate's certificate")

        # The help desk merges the duplicate into the survivor.
        merged = await client.post(
            "/api/identity/merges",
            headers=desk,
            json={
                "surviving_user_id": survivor_id,
                "merged_user_id": duplicate_id,
                "reason": f"Same physician registered twice (ticket {run})",
            },
        )
        assert merged.status_code == 201, merged.text
        # The duplicate account is gone: its (never verified) address moved to the survivor and signs in nowhere.
        refused = await client.post("/api/identity/sessions", json={"email": duplicate_email, "password": password})
        assert refused.status_code in (401, 403), refused.text
        survivor = await sign_in(client, survivor_email, password)

        async def registrations():
            mine = (await client.get("/api/catalog/registrations/mine", headers=survivor)).json()
            return [r for r in mine if r["activity_id"] == activity_id]

        async def transcript():
            body = (await client.get("/api/credit/transcript", headers=survivor)).json()
            return body if any(c["activity_id"] == activity_id for c in body["claims"]) else None

        assert await until(registrations, what="the registration to move to the survivor")
        moved = await until(transcript, what="the claim to move to the survivor")
        assert [c["activity_id"] for c in moved["claims"]] == [activity_id] and Decimal(
            moved["totals"]["AMA_PRA_1"]
        ) == 1
        assert [c["id"] for c in await until(lambda: certificates(survivor), what="the certificate to move")] == [
            certificate["id"]
        ]
        pdf = await client.get(f"/api/certificates/certificates/{certificate['id']}/pdf", headers=survivor)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        [report] = await until(lambda: accepted(survivor), what="the board report to move")
        assert report["board_code"] == "ABIM"
