"""Transcript (JSON and PDF) and bundles of certificate PDFs, against a real PostgreSQL; certificates are issued by
delivering events through the real inbox handlers."""

import io
import uuid
from datetime import UTC, datetime

import pytest
from certificates_testing import MINT, claimed, merged, registered, renamed, revoked
from pypdf import PdfReader

from certificates import repository

SUPPORT = ("learner", "support")


def day(year: int, month: int, dom: int) -> datetime:
    return datetime(year, month, dom, 15, tzinfo=UTC)


async def learner_with(service, *claims: dict) -> tuple[uuid.UUID, list[dict]]:
    """A learner registered in 2020 with a certificate per claim (keyword arguments of `claimed`), listed oldest
    first, and the claim envelopes in the same order."""
    learner = uuid.uuid4()
    await service.consumer.deliver(registered(learner, day(2020, 1, 1)))
    envelopes = []
    for spec in claims:
        envelope = claimed(learner, **spec)
        await service.consumer.deliver(envelope)
        envelopes.append(envelope)
    response = await service.get("/certificates/mine", headers=MINT.headers(learner))
    by_claim = {c["claim_id"]: c for c in response.json()}
    return learner, [(by_claim[str(e.data.claim_id)], e) for e in envelopes]


def pdf_text(content: bytes) -> tuple[int, list[str]]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), [page.extract_text() for page in reader.pages]


async def test_a_bundle_joins_the_frozen_pdfs_unchanged_in_the_order_asked(service):
    learner, [(first, _), (second, _)] = await learner_with(
        service, {"at": day(2024, 3, 5), "title": "Sepsis Update"}, {"at": day(2025, 6, 1), "title": "Stroke Care"}
    )
    singles = [
        (await service.get(f"/certificates/{c['id']}/pdf", headers=MINT.headers(learner))).content
        for c in (second, first)
    ]
    response = await service.post(
        "/certificates/bundle", json={"ids": [second["id"], first["id"]]}, headers=MINT.headers(learner)
    )
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pages, texts = pdf_text(response.content)
    assert pages == sum(pdf_text(single)[0] for single in singles) == 2
    assert second["number"] in texts[0] and "Stroke Care" in texts[0]
    assert first["number"] in texts[1] and "Sepsis Update" in texts[1]
    assert texts == [pdf_text(single)[1][0] for single in singles]


async def test_a_bundle_with_an_id_not_the_callers_is_refused_whole_without_saying_which(service):
    learner, [(own, _)] = await learner_with(service, {"at": day(2025, 1, 10)})
    stranger, [(theirs, _)] = await learner_with(service, {"at": day(2025, 1, 11)})
    for ids in ([own["id"], theirs["id"]], [own["id"], str(uuid.uuid4())]):
        response = await service.post("/certificates/bundle", json={"ids": ids}, headers=MINT.headers(learner))
        assert response.status_code == 404
        assert ids[1] not in response.text and own["id"] not in response.text
    # The owner named as learner_id does not help a learner who is not support.
    response = await service.post(
        "/certificates/bundle",
        params={"learner_id": str(stranger)},
        json={"ids": [theirs["id"]]},
        headers=MINT.headers(learner),
    )
    assert response.status_code == 403 and response.json()["errors"][0]["field"] == "learner_id"


@pytest.mark.parametrize(
    ("ids", "reason"),
    [
        ([], "at least 1"),
        ([str(uuid.uuid4()) for _ in range(101)], "at most 100"),
        (["11111111-1111-1111-1111-111111111111"] * 2, "11111111-1111-1111-1111-111111111111"),
        (["not-a-uuid"], "UUID"),
    ],
)
async def test_a_bundle_needs_one_to_a_hundred_distinct_ids(service, ids, reason):
    response = await service.post("/certificates/bundle", json={"ids": ids}, headers=MINT.headers(uuid.uuid4()))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"].startswith("ids") and reason in error["reason"]


async def test_a_revoked_certificate_is_not_bundled_and_the_refusal_names_it(service):
    learner, [(valid, _), (withdrawn, claim)] = await learner_with(
        service, {"at": day(2025, 2, 1)}, {"at": day(2025, 2, 2)}
    )
    await service.consumer.deliver(revoked(claim))
    response = await service.post(
        "/certificates/bundle", json={"ids": [valid["id"], withdrawn["id"]]}, headers=MINT.headers(learner)
    )
    assert response.status_code == 409
    body = response.json()
    assert body["certificate_id"] == withdrawn["id"] and body["errors"][0]["field"] == "ids.1"
    assert withdrawn["id"] in body["detail"]


async def test_support_bundles_for_a_learner_named_by_learner_id(service):
    learner, [(certificate, _)] = await learner_with(service, {"at": day(2023, 9, 9)})
    support = MINT.headers(uuid.uuid4(), roles=SUPPORT)
    response = await service.post(
        "/certificates/bundle", params={"learner_id": str(learner)}, json={"ids": [certificate["id"]]}, headers=support
    )
    assert response.status_code == 200
    assert certificate["number"] in pdf_text(response.content)[1][0]
    # Without naming the learner, support's own (empty) records are meant: someone else's id is not found.
    unnamed = await service.post("/certificates/bundle", json={"ids": [certificate["id"]]}, headers=support)
    assert unnamed.status_code == 404


async def test_the_transcript_lists_valid_certificates_in_the_period_with_totals_per_credit_type(service):
    learner, certificates = await learner_with(
        service,
        {"at": day(2023, 12, 31), "title": "Old Course", "credits": {"AMA_PRA_1": "2.00"}},
        {"at": day(2024, 2, 1), "title": "Sepsis Update", "credits": {"AMA_PRA_1": "1.50", "MOC_ABIM": "1.50"}},
        {"at": day(2024, 8, 15), "title": "Stroke Care", "credits": {"AMA_PRA_1": "1.00"}},
        {"at": day(2024, 9, 1), "title": "Withdrawn Course", "credits": {"AMA_PRA_1": "5.00"}},
        {"at": day(2025, 1, 2), "title": "Next Year", "credits": {"ANCC": "3.00"}},
    )
    await service.consumer.deliver(revoked(certificates[3][1]))

    everything = await service.get("/transcript", headers=MINT.headers(learner))
    assert everything.status_code == 200
    body = everything.json()
    assert [r["activity_title"] for r in body["rows"]] == ["Old Course", "Sepsis Update", "Stroke Care", "Next Year"]
    assert body["totals"] == [
        {
            "credit_type": "AMA_PRA_1",
            "label": "AMA PRA Category 1 Credit™",
            "amount": "4.50",
            "printed_label": "AMA PRA Category 1 Credits™",
            "printed": "4.5 AMA PRA Category 1 Credits™",
        },
        {
            "credit_type": "MOC_ABIM",
            "label": "ABIM MOC point",
            "amount": "1.50",
            "printed_label": "ABIM MOC points",
            "printed": "1.5 ABIM MOC points",
        },
        {
            "credit_type": "ANCC",
            "label": "ANCC contact hour",
            "amount": "3.00",
            "printed_label": "ANCC contact hours",
            "printed": "3 ANCC contact hours",
        },
    ]
    stroke_care = body["rows"][2]["credits"]
    assert [(c["amount"], c["printed"]) for c in stroke_care] == [("1.00", "1 AMA PRA Category 1 Credit™")]
    assert body["learner_name"] == "Jane Doe" and body["provider_name"] == "Acme Clinic"

    in_2024 = (
        await service.get(
            "/transcript", params={"from": "2024-01-01", "to": "2024-12-31"}, headers=MINT.headers(learner)
        )
    ).json()
    assert [r["activity_title"] for r in in_2024["rows"]] == ["Sepsis Update", "Stroke Care"]
    assert in_2024["rows"][0]["completed_on"] == "2024-02-01"
    assert in_2024["rows"][0]["certificate_number"] == certificates[1][0]["number"]
    assert in_2024["rows"][0]["activity_format"] == "Grand rounds (regularly scheduled series)"
    assert [(t["credit_type"], t["amount"]) for t in in_2024["totals"]] == [("AMA_PRA_1", "2.50"), ("MOC_ABIM", "1.50")]
    since = (await service.get("/transcript", params={"from": "2024-08-15"}, headers=MINT.headers(learner))).json()
    assert [r["activity_title"] for r in since["rows"]] == ["Stroke Care", "Next Year"]


async def test_the_transcript_shows_the_current_name_and_only_the_callers_own_records(service):
    learner, _ = await learner_with(service, {"at": day(2024, 4, 4), "title": "Sepsis Update"})
    await service.consumer.deliver(renamed(learner, 2, day(2025, 1, 1), "Smith"))
    own = (await service.get("/transcript", headers=MINT.headers(learner))).json()
    assert own["learner_name"] == "Jane Smith" and len(own["rows"]) == 1

    other = (await service.get("/transcript", headers=MINT.headers(uuid.uuid4()))).json()
    assert other["rows"] == [] and other["totals"] == [] and other["learner_name"] is None
    for path in ("/transcript", "/transcript.pdf"):
        refused = await service.get(path, params={"learner_id": str(learner)}, headers=MINT.headers(uuid.uuid4()))
        assert refused.status_code == 403
    for_support = await service.get(
        "/transcript", params={"learner_id": str(learner)}, headers=MINT.headers(uuid.uuid4(), roles=SUPPORT)
    )
    assert for_support.status_code == 200 and for_support.json()["rows"] == own["rows"]


async def test_the_transcript_pdf_prints_titles_totals_name_and_provider(service):
    learner, _ = await learner_with(
        service,
        {"at": day(2024, 2, 1), "title": "Sepsis <Update>", "credits": {"AMA_PRA_1": "1.50"}},
        {"at": day(2024, 8, 15), "title": "Stroke Care", "credits": {"AMA_PRA_1": "1.00", "MOC_ABIM": "1.00"}},
    )
    response = await service.get("/transcript.pdf", params={"from": "2024-01-01"}, headers=MINT.headers(learner))
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pages, texts = pdf_text(response.content)
    text = "\n".join(texts)
    assert pages == 1
    for expected in (
        "Sepsis <Update>",
        "Stroke Care",
        "Jane Doe",
        "ACME CLINIC",
        "From January 1, 2024",
        "1.5 AMA PRA Category 1 Credits™",  # amounts as the provider states them, on rows and in totals
        "1 ABIM MOC point",
        "February 1, 2024",
        "AMA PRA Category 1 Credits™ 2.5",
        "ABIM MOC point 1",
    ):
        assert expected in text
    support = await service.get(
        "/transcript.pdf", params={"learner_id": str(learner)}, headers=MINT.headers(uuid.uuid4(), roles=SUPPORT)
    )
    assert support.status_code == 200 and "Stroke Care" in pdf_text(support.content)[1][0]


@pytest.mark.parametrize("path", ["/transcript", "/transcript.pdf"])
async def test_a_period_that_ends_before_it_starts_is_refused_naming_from(service, path):
    response = await service.get(
        path, params={"from": "2025-02-01", "to": "2025-01-31"}, headers=MINT.headers(uuid.uuid4())
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "from", "reason": "must not be after 'to' (2025-01-31)"}]
    malformed = await service.get(path, params={"to": "31/01/2025"}, headers=MINT.headers(uuid.uuid4()))
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "to"


async def cached_transcripts(service, learner: uuid.UUID) -> int:
    async with service.app.state.pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM transcript_cache WHERE learner_id = $1", learner)
    return count


async def test_a_transcript_printed_again_is_the_same_pdf_until_what_it_shows_changes(service):
    learner, _ = await learner_with(service, {"at": day(2024, 2, 1), "title": "Sepsis Update"})
    first = await service.get("/transcript.pdf", headers=MINT.headers(learner))
    again = await service.get("/transcript.pdf", headers=MINT.headers(learner))
    assert first.status_code == again.status_code == 200 and again.content == first.content
    assert await cached_transcripts(service, learner) == 1

    # A new certificate is another transcript: it shows, and the old PDF is not served for it.
    await service.consumer.deliver(claimed(learner, at=day(2024, 9, 1), title="Stroke Care"))
    updated = await service.get("/transcript.pdf", headers=MINT.headers(learner))
    assert "Stroke Care" in pdf_text(updated.content)[1][0] and "Sepsis Update" in pdf_text(updated.content)[1][0]
    # So is another period.
    period = await service.get("/transcript.pdf", params={"from": "2024-06-01"}, headers=MINT.headers(learner))
    assert "Sepsis Update" not in pdf_text(period.content)[1][0]
    assert await cached_transcripts(service, learner) == 3


async def test_only_the_newest_few_transcripts_of_a_learner_are_kept(service):
    learner, _ = await learner_with(service, {"at": day(2024, 2, 1)})
    for year in range(2014, 2025):
        response = await service.get("/transcript.pdf", params={"from": f"{year}-01-01"}, headers=MINT.headers(learner))
        assert response.status_code == 200
    assert await cached_transcripts(service, learner) == repository.TRANSCRIPTS_KEPT


async def sheets_of_strips(service, learner: uuid.UUID) -> int:
    async with service.app.state.pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM transcript_strips WHERE learner_id = $1", learner)
    return count


async def test_a_merge_drops_the_merged_accounts_cached_transcripts_and_gives_the_survivor_its_rows(service):
    duplicate, _ = await learner_with(service, {"at": day(2024, 2, 1), "title": "Sepsis Update"})
    survivor, _ = await learner_with(service, {"at": day(2024, 3, 1), "title": "Stroke Care"})
    assert (await service.get("/transcript.pdf", headers=MINT.headers(duplicate))).status_code == 200
    before = await service.get("/transcript.pdf", headers=MINT.headers(survivor))
    assert await sheets_of_strips(service, duplicate) == await sheets_of_strips(service, survivor) == 1
    await service.consumer.deliver(merged(duplicate, survivor))
    assert await cached_transcripts(service, duplicate) == 0
    # The duplicate's row is drawn already: the survivor's next print draws none.
    assert await sheets_of_strips(service, duplicate) == 0 and await sheets_of_strips(service, survivor) == 2
    after = await service.get("/transcript.pdf", headers=MINT.headers(survivor))
    assert after.content != before.content
    assert "Sepsis Update" in pdf_text(after.content)[1][0] and "Stroke Care" in pdf_text(after.content)[1][0]
    assert await sheets_of_strips(service, survivor) == 2
