"""The thin journey through the gateway: sign up, publish, register, claim, certificate, board report, email."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from e2e_helpers import sign_in, sign_up, until
from pypdf import PdfReader

from devstack.stack import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.e2e


async def test_learner_journey_from_sign_up_to_certificate_board_report_and_email(stack, infra):
    gateway = stack.config.gateway_url
    sink = f"http://127.0.0.1:{stack.config.smtp_http_port}"
    run = uuid.uuid4().hex[:6]
    learner_email, staff_email = f"jane.{run}@example.org", f"casey.{run}@example.org"
    password = "correct horse battery staple"
    correlation_id = f"e2e-{run}"

    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        # Identity: a staff member made by the configured admin, and a learner with an ABIM diplomate id.
        staff_id = await sign_up(client, staff_email, password, first_name="Casey", last_name="Coordinator")
        admin = await sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        granted = await client.post(f"/api/identity/users/{staff_id}/roles", json={"role": "staff"}, headers=admin)
        assert granted.status_code == 200, granted.text
        staff = await sign_in(client, staff_email, password)
        learner_id = await sign_up(
            client,
            learner_email,
            password,
            first_name="Jane",
            last_name="Doe",
            degree="MD",
            board_ids={"ABIM": f"AB{run}"},
            birth_month=4,
            birth_day=30,
        )
        learner = await sign_in(client, learner_email, password)

        # Catalog: a live course ending in a moment, so it can be registered for now and claimed right after.
        now = datetime.now(UTC)
        created = await client.post(
            "/api/catalog/activities",
            headers=staff,
            json={
                "title": f"Heart Failure Update {run}",
                "format": "live_course",
                "starts_at": (now - timedelta(hours=2)).isoformat(),
                "ends_at": (now + timedelta(seconds=3)).isoformat(),
                "location": "Main Campus",
                "fees": {"physician": 25000},
                "credit_designations": [
                    {"credit_type": "AMA_PRA_1", "max_credits": "2"},
                    {"credit_type": "MOC_ABIM", "max_credits": "2"},
                ],
                "moc_boards": ["ABIM"],
            },
        )
        assert created.status_code == 201, created.text
        activity_id = created.json()["id"]
        assert (await client.post(f"/api/catalog/activities/{activity_id}/publish", headers=staff)).status_code == 200
        refused = await client.post("/api/catalog/activities", headers=learner, json={})
        assert refused.status_code in (403, 422)

        registration = await client.post(
            f"/api/catalog/activities/{activity_id}/registrations",
            headers=learner,
            json={"attendee_category": "physician"},
        )
        assert registration.status_code == 201, registration.text
        assert registration.json()["fee_cents"] == 25000

        # Credit learns of the registration from Kafka, then takes the claim.
        async def claimable():
            response = await client.get("/api/credit/claimable", headers=learner)
            return [a for a in response.json() if a["activity_id"] == activity_id]

        await until(claimable, what="the registration to reach the credit service")
        await asyncio.sleep(max(0.0, (now + timedelta(seconds=3) - datetime.now(UTC)).total_seconds()))
        claim = await client.post(
            "/api/credit/claims",
            headers={**learner, "X-Correlation-ID": correlation_id},
            json={
                "activity_id": activity_id,
                "credits": {"AMA_PRA_1": "1.75", "MOC_ABIM": "1.75"},
                "evaluation": {"overall_rating": 5, "objectives_met": True, "free_of_commercial_bias": True},
                "moc_boards": ["ABIM"],
                "share_permission": True,
            },
        )
        assert claim.status_code == 201, claim.text
        assert claim.headers["x-correlation-id"] == correlation_id

        # Certificates: rendered and frozen from credit.claimed; downloadable by the learner only.
        async def certificate():
            response = await client.get("/api/certificates/certificates/mine", headers=learner)
            return response.json()

        [cert] = await until(certificate, what="the certificate")
        pdf = await client.get(f"/api/certificates/certificates/{cert['id']}/pdf", headers=learner)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert "Jane Doe" in text and "1.75" in text and cert["number"] in text
        stranger = await sign_in(client, staff_email, password)
        assert (
            await client.get(f"/api/certificates/certificates/{cert['id']}/pdf", headers=stranger)
        ).status_code == 404
        verified = await client.get(f"/api/certificates/verify/{cert['verification_code']}")
        assert verified.status_code == 200 and verified.json()["valid"] is True

        # Board reporting: ABIM MOC points reported to the (fake) board and accepted.
        async def accepted_report():
            response = await client.get("/api/board-reporting/reports/mine", headers=learner)
            return [r for r in response.json() if r["status"] == "accepted"]

        [report] = await until(accepted_report, what="the ABIM report to be accepted")
        assert report["board_code"] == "ABIM"

    # Notifications: the certificate email reached the SMTP server, with a link and no attachment.
    async with httpx.AsyncClient(base_url=sink, timeout=10) as mail:

        async def certificate_mail():
            listing = (await mail.get("/messages", params={"to": learner_email})).json()
            return [m for m in listing if "ertificate" in m["subject"]]

        [message] = await until(certificate_mail, what="the certificate email")
        detail = (await mail.get(f"/messages/{message['id']}")).json()
        assert f"/certificates/{cert['id']}" in detail["text"]
        assert detail["attachments"] == []

    # The correlation id of the claim request travelled with every event it caused.
    consumer = AIOKafkaConsumer(
        "certificate.issued",
        bootstrap_servers=infra.kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=f"e2e-{run}",
    )
    await consumer.start()
    try:

        async def issued_event():
            batch = await consumer.getmany(timeout_ms=500)
            events = [json.loads(r.value) for rs in batch.values() for r in rs]
            return [e for e in events if e["subject"] == learner_id]

        [event] = await until(issued_event, timeout=20, what="certificate.issued on Kafka")
    finally:
        await consumer.stop()
    assert event["correlation_id"] == correlation_id
