"""Issuing and serving certificates against a real PostgreSQL, events applied through the inbox."""

import io
import uuid
from datetime import UTC, datetime, timedelta

from certificates_testing import MINT, claimed, merged, registered, renamed
from pypdf import PdfReader


async def my_certificates(client, learner):
    response = await client.get("/certificates/mine", headers=MINT.headers(learner))
    assert response.status_code == 200
    return response.json()


async def test_a_claim_gets_one_frozen_certificate_however_often_it_is_delivered(service):
    learner, now = uuid.uuid4(), datetime.now(UTC)
    await service.consumer.deliver(registered(learner, now - timedelta(days=30)))
    claim = claimed(learner, now)
    await service.consumer.deliver(claim)
    await service.consumer.deliver(claim)
    [certificate] = await my_certificates(service, learner)
    assert certificate["learner_name"] == "Jane Doe"
    assert certificate["credits"] == [
        {
            "credit_type": "AMA_PRA_1",
            "label": "AMA PRA Category 1 Credit™",
            "amount": "1.00",
            "printed_label": "AMA PRA Category 1 Credit™",
            "printed": "1 AMA PRA Category 1 Credit™",
        }
    ]
    pdf = await service.get(f"/certificates/{certificate['id']}/pdf", headers=MINT.headers(learner))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Jane Doe" in text and certificate["number"] in text and certificate["verification_code"] in text
    async with service.app.state.pool.acquire() as conn:
        issued = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE topic = 'certificate.issued' AND message_key = $1", str(learner)
        )
    assert issued == 1


async def test_a_claim_before_the_profile_is_known_waits_and_is_issued_when_it_arrives(service):
    learner, now = uuid.uuid4(), datetime.now(UTC)
    await service.consumer.deliver(claimed(learner, now))
    assert await my_certificates(service, learner) == []
    await service.consumer.deliver(registered(learner, now - timedelta(days=3)))
    [certificate] = await my_certificates(service, learner)
    assert certificate["learner_name"] == "Jane Doe"


async def test_a_name_change_shows_on_later_certificates_and_never_on_earlier_ones(service):
    learner, now = uuid.uuid4(), datetime.now(UTC)
    await service.consumer.deliver(registered(learner, now - timedelta(days=30)))
    await service.consumer.deliver(claimed(learner, now - timedelta(days=10)))
    # The name change took effect before the second claim but arrives after the first certificate.
    await service.consumer.deliver(renamed(learner, 2, now - timedelta(days=5), "Smith"))
    await service.consumer.deliver(claimed(learner, now))
    names = sorted(c["learner_name"] for c in await my_certificates(service, learner))
    assert names == ["Jane Doe", "Jane Smith"]


async def test_another_learner_cannot_see_or_download_a_certificate(service):
    learner, now = uuid.uuid4(), datetime.now(UTC)
    await service.consumer.deliver(registered(learner, now - timedelta(days=1)))
    await service.consumer.deliver(claimed(learner, now))
    [certificate] = await my_certificates(service, learner)
    intruder = MINT.headers(uuid.uuid4())
    assert (await service.get(f"/certificates/{certificate['id']}", headers=intruder)).status_code == 404
    assert (await service.get(f"/certificates/{certificate['id']}/pdf", headers=intruder)).status_code == 404
    support = MINT.headers(uuid.uuid4(), roles=("learner", "support"))
    assert (await service.get(f"/certificates/{certificate['id']}/pdf", headers=support)).status_code == 200


async def test_the_public_verification_page_confirms_a_certificate_by_its_code(service):
    learner, now = uuid.uuid4(), datetime.now(UTC)
    await service.consumer.deliver(registered(learner, now - timedelta(days=1)))
    await service.consumer.deliver(claimed(learner, now))
    [certificate] = await my_certificates(service, learner)
    verified = await service.get(f"/verify/{certificate['verification_code'].lower()}")
    assert verified.status_code == 200
    assert verified.json()["valid"] is True and verified.json()["learner_name"] == "Jane Doe"
    assert (await service.get("/verify/AAAA-BBBB-CCCC")).status_code == 404


async def test_the_public_verification_answers_what_a_person_needs_to_read_as_the_certificate_printed_it(service):
    learner, now = uuid.uuid4(), datetime.now(UTC)
    await service.consumer.deliver(registered(learner, now - timedelta(days=1)))
    claim = claimed(learner, now, title="Sepsis Update", credits={"AMA_PRA_1": "1.75", "MOC_ABIM": "1.00"})
    await service.consumer.deliver(claim)
    [certificate] = await my_certificates(service, learner)
    code = certificate["verification_code"]

    for typed in (code, code.lower(), code.replace("-", ""), code.replace("-", " ")):
        response = await service.get(f"/verify/{typed}")
        assert response.status_code == 200, typed
    body = response.json()

    yesterday = now - timedelta(days=1)  # the factory's activity took place the day before the claim
    assert body == {
        "valid": True,
        "status": "valid",
        "superseded_by_number": None,
        "replaces_certificate_number": None,
        "revoked": False,
        "certificate_number": certificate["number"],
        "verification_code": code,
        "learner_name": "Jane Doe",
        "learner_degree": "MD",
        "activity_title": "Sepsis Update",
        "activity_format": "Grand rounds (regularly scheduled series)",
        "activity_dates": f"{yesterday:%B} {yesterday.day}, {yesterday.year}",
        "activity_location": "Auditorium A",
        "credits": [
            {
                "credit_type": "AMA_PRA_1",
                "label": "AMA PRA Category 1 Credit™",
                "amount": "1.75",
                "printed_label": "AMA PRA Category 1 Credits™",
                "printed": "1.75 AMA PRA Category 1 Credits™",
            },
            {
                "credit_type": "MOC_ABIM",
                "label": "ABIM MOC point",
                "amount": "1.00",
                "printed_label": "ABIM MOC point",
                "printed": "1 ABIM MOC point",
            },
        ],
        "provider_name": "Acme Clinic",
        "issued_at": certificate["issued_at"],
        "issued_on": datetime.fromisoformat(certificate["issued_at"]).date().isoformat(),
    }


async def certificate_text(service, learner, **claim) -> tuple[dict, list[str]]:
    """The learner's certificate for one claim (keyword arguments of `claimed`), and its PDF's text lines."""
    now = datetime.now(UTC)
    await service.consumer.deliver(registered(learner, now - timedelta(days=1)))
    await service.consumer.deliver(claimed(learner, now, **claim))
    [certificate] = await my_certificates(service, learner)
    pdf = await service.get(f"/certificates/{certificate['id']}/pdf", headers=MINT.headers(learner))
    return certificate, PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().splitlines()


async def test_the_certificate_links_to_the_portals_verification_page_whole_on_one_line(service):
    certificate, lines = await certificate_text(service, uuid.uuid4())
    url = f"https://cme.example.org/verify/{certificate['verification_code']}"  # the portal's page, not the API
    assert any(url in line for line in lines), lines
    assert not any("/api/" in line for line in lines)


async def test_an_online_activity_is_completed_and_a_live_one_participated_in(service):
    _, webcast = await certificate_text(service, uuid.uuid4(), activity_format="webcast", credits={"AMA_PRA_1": "1.00"})
    text = " ".join(webcast)
    assert "Jane Doe, MD completed Sepsis Grand Rounds Webcast" in text
    assert "and is awarded 1 AMA PRA Category 1 Credit™." in text
    _, live = await certificate_text(service, uuid.uuid4(), credits={"MOC_ABIM": "1.75"})
    text = " ".join(live)
    assert "Jane Doe, MD participated in Sepsis Grand Rounds" in text
    assert "and is awarded 1.75 ABIM MOC points." in text


async def test_after_a_merge_the_survivor_lists_and_downloads_the_merged_accounts_certificate_and_others_cannot(
    service,
):
    merged_away, survivor, now = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    await service.consumer.deliver(registered(merged_away, now - timedelta(days=30), last_name="Roe"))
    await service.consumer.deliver(claimed(merged_away, now - timedelta(days=2)))
    [certificate] = await my_certificates(service, merged_away)
    before = await service.get(f"/certificates/{certificate['id']}/pdf", headers=MINT.headers(merged_away))

    await service.consumer.deliver(registered(survivor, now - timedelta(days=1)))
    await service.consumer.deliver(merged(merged_away, survivor))

    [listed] = await my_certificates(service, survivor)
    assert listed == certificate  # same certificate, same frozen content: "Jane Roe", not the survivor's "Jane Doe"
    for path in (f"/certificates/{certificate['id']}", f"/certificates/{certificate['id']}/pdf"):
        assert (await service.get(path, headers=MINT.headers(survivor))).status_code == 200
        assert (await service.get(path, headers=MINT.headers(uuid.uuid4()))).status_code == 404
        # The merged account is disabled; a token it still holds no longer reaches the moved certificate.
        assert (await service.get(path, headers=MINT.headers(merged_away))).status_code == 404
    after = await service.get(f"/certificates/{certificate['id']}/pdf", headers=MINT.headers(survivor))
    assert after.content == before.content
    assert await my_certificates(service, merged_away) == []
    verified = await service.get(f"/verify/{certificate['verification_code']}")
    assert verified.json()["valid"] is True and verified.json()["learner_name"] == "Jane Roe"
