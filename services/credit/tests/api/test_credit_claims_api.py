"""A learner claims credit through the HTTP API, against a real PostgreSQL: the completion date of each format, the
claimable list the portal shows, and text no client can make the service fail with."""

import json
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest

from credit import repository
from credit.config import Settings
from credit.main import create_app
from devstack.testing import TokenMint, running_app
from opencme_kit.auth import TokenVerifier

AMA, ANCC = "AMA_PRA_1", "ANCC"
EVALUATION = {"overall_rating": 4, "objectives_met": True, "free_of_commercial_bias": True}
TODAY = datetime.now(UTC).date()
STATEMENT = "Acme Clinic designates this enduring material for a maximum of 2 AMA PRA Category 1 Credits™."
mint = TokenMint()

# What a client must never get a 5xx for, in any text field: what PostgreSQL cannot store (NUL, lone surrogates),
# C0 and C1 controls, an escape sequence and a string far over any bound.
UNSTORABLE_OR_CONTROL = ["\x00", "ab\x00cd", "\ud800", "x\udfffy", "\x07", "\x1b[31mred", "\x85", "x" * 100_000]
# ...and, in a one-line field (a reason), bidirectional controls and line breaks as well.
NOT_ONE_LINE = [*UNSTORABLE_OR_CONTROL, "\u202eevil", "\u2066isolated\u2069", "two\nlines"]


def short(text):
    """A test id for a hostile string: its repr, cut short."""
    return repr(text)[:20]


@pytest.fixture(scope="module")
async def client(make_database):
    app = create_app(Settings(database_url=await make_database("credit")))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client


def day_end(day):
    return datetime.combine(day, time(23, 0), tzinfo=UTC)


async def make_activity(
    client,
    *,
    format="live_course",
    starts_at=None,
    ends_at=None,
    available_until=None,
    claim_window_days=30,
    moc_boards=("ABIM",),
):
    activity_id = uuid.uuid4()
    async with client.app.state.pool.acquire() as conn:
        await repository.upsert_activity(
            conn,
            id=activity_id,
            title="Sepsis Update",
            format=format,
            starts_at=starts_at,
            ends_at=ends_at,
            location="Room 1" if ends_at else None,
            provider_name="Acme Clinic",
            designations=[
                {"credit_type": AMA, "max_credits": "2", "statement": STATEMENT},
                {"credit_type": ANCC, "max_credits": "1.5", "statement": "Acme Clinic designates ... ANCC"},
            ],
            claim_window_days=claim_window_days,
            available_until=available_until,
            moc_boards=list(moc_boards),
            requires_event_code=False,
            published_at=datetime.now(UTC),
        )
    return activity_id


async def live_course(client, *, ended_days_ago=2):
    ends_at = datetime.now(UTC) - timedelta(days=ended_days_ago)
    return await make_activity(client, starts_at=ends_at - timedelta(hours=8), ends_at=ends_at)


async def register(client, learner_id, activity_id):
    async with client.app.state.pool.acquire() as conn:
        await repository.insert_registration(
            conn, registration_id=uuid.uuid4(), learner_id=learner_id, activity_id=activity_id, email="jane@example.org"
        )


async def registered_for_live_course(client):
    learner, activity_id = uuid.uuid4(), await live_course(client)
    await register(client, learner, activity_id)
    return learner, activity_id


def claim(client, learner_id, activity_id, **body):
    # Sent as ASCII JSON, so a lone surrogate reaches the service as the escape a client would send.
    payload = {"activity_id": str(activity_id), "credits": {AMA: "1"}, "evaluation": EVALUATION, **body}
    return client.post(
        "/claims",
        headers={**mint.headers(learner_id), "content-type": "application/json"},
        content=json.dumps(payload).encode(),
    )


def the_fields(response):
    return [e["field"] for e in response.json()["errors"]]


async def claimable(client, learner_id):
    response = await client.get("/claimable", headers=mint.headers(learner_id))
    assert response.status_code == 200, response.text
    return response.json()


# --- completion dates ----------------------------------------------------------------------------------------------


async def test_enduring_material_whose_availability_ended_is_refused_with_today_and_claimed_on_its_last_day(client):
    learner = uuid.uuid4()
    activity_id = await make_activity(
        client, format="enduring", available_until=day_end(TODAY - timedelta(days=1)), moc_boards=()
    )

    refused = await claim(client, learner, activity_id)
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == ["completed_on"]
    assert f"available until {(TODAY - timedelta(days=1)).isoformat()}" in refused.json()["detail"]

    last_day = (TODAY - timedelta(days=1)).isoformat()
    accepted = await claim(client, learner, activity_id, completed_on=last_day)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["completed_on"] == last_day
    [listed] = (await client.get("/transcript", headers=mint.headers(learner))).json()["claims"]
    assert listed["completed_on"] == last_day


@pytest.mark.parametrize("format", ["text_based", "journal_based", "webcast", "enduring"])
async def test_self_paced_material_takes_the_learners_completion_date_within_its_availability(client, format):
    learner = uuid.uuid4()
    activity_id = await make_activity(
        client,
        format=format,
        starts_at=datetime.now(UTC) - timedelta(days=20),
        available_until=datetime.now(UTC) + timedelta(days=100),
    )
    for completed_on in (TODAY + timedelta(days=1), TODAY - timedelta(days=21)):
        refused = await claim(client, learner, activity_id, completed_on=completed_on.isoformat())
        assert refused.status_code == 422, refused.text
        assert the_fields(refused) == ["completed_on"]

    accepted = await claim(client, learner, activity_id, completed_on=(TODAY - timedelta(days=5)).isoformat())
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["completed_on"] == (TODAY - timedelta(days=5)).isoformat()


async def test_self_paced_material_completes_today_when_the_claim_gives_no_date(client):
    activity_id = await make_activity(client, format="webcast", available_until=datetime.now(UTC) + timedelta(days=9))
    accepted = await claim(client, uuid.uuid4(), activity_id)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["completed_on"] == TODAY.isoformat()


async def test_a_declared_completion_outside_the_window_is_refused_naming_it(client):
    activity_id = await make_activity(client, format="text_based", claim_window_days=30)
    refused = await claim(client, uuid.uuid4(), activity_id, completed_on=(TODAY - timedelta(days=31)).isoformat())
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == ["completed_on"]
    assert f"closed on {(TODAY - timedelta(days=1)).isoformat()}" in refused.json()["detail"]


async def test_a_live_course_completes_on_its_last_day_whatever_the_claim_says(client):
    learner, activity_id = await registered_for_live_course(client)
    ended = (TODAY - timedelta(days=2)).isoformat()
    refused = await claim(client, learner, activity_id, completed_on=TODAY.isoformat())
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == ["completed_on"] and ended in refused.json()["detail"]
    accepted = await claim(client, learner, activity_id, completed_on=ended)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["completed_on"] == ended


# --- the claimable list --------------------------------------------------------------------------------------------


async def test_the_claimable_list_gives_the_portal_everything_a_claim_form_needs(client):
    learner, activity_id = await registered_for_live_course(client)
    [item] = await claimable(client, learner)
    ended = TODAY - timedelta(days=2)
    assert item == {
        "activity_id": str(activity_id),
        "title": "Sepsis Update",
        "format": "live_course",
        "completed_on": ended.isoformat(),
        "completed_on_editable": False,
        "completed_on_earliest": ended.isoformat(),
        "window_closes": (ended + timedelta(days=30)).isoformat(),
        "window_extended": False,
        "designations": {AMA: "2", ANCC: "1.5"},
        "credit_designations": [
            {"credit_type": AMA, "max_credits": "2", "statement": STATEMENT},
            {"credit_type": ANCC, "max_credits": "1.5", "statement": "Acme Clinic designates ... ANCC"},
        ],
        "moc_boards": ["ABIM"],
        "evaluation_required": True,
    }


async def test_the_claimable_list_offers_the_days_a_learner_may_give_for_self_paced_material(client):
    learner = uuid.uuid4()
    ended = TODAY - timedelta(days=3)
    activity_id = await make_activity(
        client,
        format="journal_based",
        starts_at=datetime.now(UTC) - timedelta(days=400),
        available_until=day_end(ended),
    )
    await register(client, learner, activity_id)
    [item] = await claimable(client, learner)
    assert (item["completed_on"], item["completed_on_editable"], item["completed_on_earliest"]) == (
        ended.isoformat(),
        True,
        (TODAY - timedelta(days=30)).isoformat(),
    )
    assert item["window_closes"] == (ended + timedelta(days=30)).isoformat()


# --- hostile text --------------------------------------------------------------------------------------------------


async def test_a_nul_in_the_evaluation_comment_is_refused_naming_it(client):
    learner, activity_id = await registered_for_live_course(client)
    refused = await claim(client, learner, activity_id, evaluation={**EVALUATION, "comments": "great\x00talk"})
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == ["evaluation.comments"]
    assert refused.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("text", UNSTORABLE_OR_CONTROL, ids=short)
async def test_the_evaluation_comment_refuses_what_cannot_be_stored_or_printed(client, text):
    learner, activity_id = await registered_for_live_course(client)
    refused = await claim(client, learner, activity_id, evaluation={**EVALUATION, "comments": text})
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == ["evaluation.comments"]


async def test_the_evaluation_comment_keeps_paragraphs_and_right_to_left_writing(client):
    learner, activity_id = await registered_for_live_course(client)
    comments = "\u202bשלום\u202c\r\nsecond paragraph\twith a tab"
    accepted = await claim(client, learner, activity_id, evaluation={**EVALUATION, "comments": comments})
    assert accepted.status_code == 201, accepted.text
    async with client.app.state.pool.acquire() as conn:
        stored = await conn.fetchval("SELECT evaluation FROM claims WHERE id = $1", uuid.UUID(accepted.json()["id"]))
    assert stored["comments"] == "\u202bשלום\u202c\nsecond paragraph\twith a tab"


@pytest.mark.parametrize("text", [*UNSTORABLE_OR_CONTROL, "AMA_PRA_1\n", "ama_pra_1"], ids=short)
async def test_a_credit_type_must_be_a_code(client, text):
    learner, activity_id = await registered_for_live_course(client)
    refused = await claim(client, learner, activity_id, credits={text: "1"})
    assert refused.status_code == 422, refused.text
    [field] = the_fields(refused)
    assert field.startswith("credits.")


@pytest.mark.parametrize("text", [*UNSTORABLE_OR_CONTROL, "\u202eABIM", "ABIM\n"], ids=short)
async def test_a_moc_board_must_be_a_code(client, text):
    learner, activity_id = await registered_for_live_course(client)
    refused = await claim(client, learner, activity_id, moc_boards=[text], share_permission=True)
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == ["moc_boards.0"]


@pytest.mark.parametrize("text", ["\x00", "\ud800", "2026-01-01\x00", "x" * 100_000], ids=short)
async def test_a_completion_date_must_be_a_date(client, text):
    learner, activity_id = await registered_for_live_course(client)
    refused = await claim(client, learner, activity_id, completed_on=text)
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == ["completed_on"]


@pytest.mark.parametrize("text", NOT_ONE_LINE, ids=short)
async def test_a_correction_reason_is_one_line_of_storable_text(client, text):
    learner, activity_id = await registered_for_live_course(client)
    made = await claim(client, learner, activity_id)
    assert made.status_code == 201, made.text
    refused = await client.post(
        f"/claims/{made.json()['id']}/correction",
        headers={**mint.headers(uuid.uuid4(), roles=("support",)), "content-type": "application/json"},
        content=json.dumps({"credits": {AMA: "2"}, "reason": text}).encode(),
    )
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == ["reason"]


@pytest.mark.parametrize("text", NOT_ONE_LINE, ids=short)
async def test_an_extension_reason_is_one_line_of_storable_text(client, text):
    activity_id = await live_course(client, ended_days_ago=40)
    refused = await client.put(
        f"/learners/{uuid.uuid4()}/extensions/{activity_id}",
        headers={**mint.headers(uuid.uuid4(), roles=("support",)), "content-type": "application/json"},
        content=json.dumps({"until": (TODAY + timedelta(days=9)).isoformat(), "reason": text}).encode(),
    )
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == ["reason"]


# As a query string carries them: NUL, a lone surrogate's UTF-8-style bytes, C1 control, and as long as a URL goes.
@pytest.mark.parametrize("query", ["%00", "%ED%A0%80", "%C2%85", "2026-01-01%00", "x" * 60_000], ids=lambda q: q[:20])
async def test_the_transcripts_dates_must_be_dates(client, query):
    response = await client.get(f"/transcript?date_from={query}", headers=mint.headers(uuid.uuid4()))
    assert response.status_code == 422, response.text
    assert the_fields(response) == ["date_from"]


# --- rules across fields name the field a form marks ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"moc_boards": ["ABIM"], "share_permission": False}, "share_permission"),
        ({"moc_boards": ["ABP"], "share_permission": True}, "moc_boards"),
        ({"credits": {AMA: "2.25"}}, f"credits.{AMA}"),
        ({"credits": {"ACPE": "1"}}, "credits.ACPE"),
        ({"completed_on": TODAY.isoformat()}, "completed_on"),  # a live course completes on its last day
    ],
)
async def test_a_claim_that_breaks_a_rule_across_its_fields_names_the_field(client, body, field):
    learner, activity_id = await registered_for_live_course(client)
    refused = await claim(client, learner, activity_id, **body)
    assert refused.status_code == 422, refused.text
    assert the_fields(refused) == [field]


async def test_a_transcript_range_ending_before_it_starts_names_date_to(client):
    response = await client.get(
        "/transcript",
        params={"date_from": TODAY.isoformat(), "date_to": (TODAY - timedelta(days=1)).isoformat()},
        headers=mint.headers(uuid.uuid4()),
    )
    assert response.status_code == 422, response.text
    assert the_fields(response) == ["date_to"]


# --- a claim sent again ----------------------------------------------------------------------------------------------


def claim_with_key(client, learner_id, activity_id, key, **body):
    payload = {"activity_id": str(activity_id), "credits": {AMA: "1"}, "evaluation": EVALUATION, **body}
    # As bytes: a client may send any octets, UTF-8 included.
    return client.post("/claims", headers={**mint.headers(learner_id), "Idempotency-Key": key.encode()}, json=payload)


async def test_a_claim_sent_again_with_its_idempotency_key_answers_as_the_first_time_and_is_made_once(client):
    learner, activity_id = await registered_for_live_course(client)
    key = str(uuid.uuid4())
    first = await claim_with_key(client, learner, activity_id, key)
    again = await claim_with_key(client, learner, activity_id, key)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert len((await client.get("/transcript", headers=mint.headers(learner))).json()["claims"]) == 1
    # Without the key, the same claim again is the refusal it always was.
    assert (await claim(client, learner, activity_id)).status_code == 409


async def test_an_idempotency_key_sent_with_another_claim_is_refused_naming_it(client):
    learner, activity_id = await registered_for_live_course(client)
    key = str(uuid.uuid4())
    assert (await claim_with_key(client, learner, activity_id, key)).status_code == 201
    other = await claim_with_key(client, learner, activity_id, key, credits={AMA: "2"})
    assert other.status_code == 422 and the_fields(other) == ["Idempotency-Key"]


@pytest.mark.parametrize("key", ["short", "with space inside", "x" * 256, "caf\u00e9-key-1"])
async def test_a_malformed_idempotency_key_is_refused_naming_it(client, key):
    learner, activity_id = await registered_for_live_course(client)
    response = await claim_with_key(client, learner, activity_id, key)
    assert response.status_code == 422 and the_fields(response) == ["Idempotency-Key"], response.text
