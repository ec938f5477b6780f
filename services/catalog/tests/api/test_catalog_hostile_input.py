"""Nothing a client sends gives a 5xx: text PostgreSQL cannot store, controls, bidirectional overrides in names and
titles, and 100 KB strings are each a 422 naming the field; rules across fields name the field a form must mark."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from catalog_factories import MINT, make_activity, make_session

STAFF = MINT.headers(uuid.uuid4(), roles=("staff",))
LEARNER = MINT.headers(uuid.uuid4())

# Refused in every kind of text.
UNSTORABLE = {
    "NUL": "ab\x00cd",
    "lone surrogate": "x\udfffy",
    "BEL": "ring\x07",
    "escape sequence": "\x1b[31mred",
    "C1 control": "next\x85line",
    "100 KB": "x" * 100_000,
}
# Refused in one-line text (names, titles, places) and identifiers, kept in paragraphs.
LINE_ONLY = {"right-to-left override": "\u202eevil", "isolate": "\u2066isolated\u2069", "line break": "two\nlines"}


def activity(**overrides) -> dict:
    start = datetime.now(UTC) + timedelta(days=7)
    return {
        "title": "Cardiology Update",
        "format": "live_course",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
        "location": "Main Campus",
        "fees": {"physician": 25000},
        "credit_designations": [{"credit_type": "AMA_PRA_1", "max_credits": "7.25"}],
        **overrides,
    }


async def send(client, method: str, url: str, body: dict, headers: dict):
    # ASCII JSON: a lone surrogate travels as its \\u escape, as a browser's JSON.stringify would send it.
    return await client.request(
        method, url, content=json.dumps(body), headers={**headers, "content-type": "application/json"}
    )


def refused_fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [e["field"] for e in response.json()["errors"]]


@pytest.fixture(scope="module")
async def places(client):
    """A published activity and a session of it, for the routes that need one."""
    async with client.app.state.pool.acquire() as conn:
        activity_id = await make_activity(conn)
        session_id = await make_session(conn, activity_id)
    return {"activity": activity_id, "session": session_id}


@pytest.mark.parametrize("bad", [*UNSTORABLE, *LINE_ONLY])
@pytest.mark.parametrize("field", ["title", "location"])
async def test_an_activitys_title_and_place_refuse_hostile_text(client, field, bad):
    text = {**UNSTORABLE, **LINE_ONLY}[bad]
    response = await send(client, "POST", "/activities", activity(**{field: text}), STAFF)
    assert refused_fields(response) == [field]


@pytest.mark.parametrize("bad", UNSTORABLE)
async def test_a_description_refuses_what_cannot_be_stored_or_printed(client, bad):
    response = await send(client, "POST", "/activities", activity(description=UNSTORABLE[bad]), STAFF)
    assert refused_fields(response) == ["description"]


async def test_text_that_is_kept_is_normalised_and_a_description_keeps_right_to_left_writing_and_paragraphs(client):
    response = await send(
        client,
        "POST",
        "/activities",
        activity(title="  Cafe\u0301 Rounds ", location="", description="\u202bשלום\u202c\r\nSecond paragraph"),
        STAFF,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["title"], created["location"]) == ("Caf\u00e9 Rounds", None)
    assert created["description"] == "\u202bשלום\u202c\nSecond paragraph"


@pytest.mark.parametrize("bad", [*UNSTORABLE, *LINE_ONLY])
@pytest.mark.parametrize(
    ("where", "field"),
    [
        (lambda v: {"fees": {v: 100}}, "fees"),
        (
            lambda v: {"credit_designations": [{"credit_type": v, "max_credits": "1"}]},
            "credit_designations.0.credit_type",
        ),
        (lambda v: {"moc_boards": [v]}, "moc_boards.0"),
        (lambda v: {"format": v}, "format"),
    ],
)
async def test_identifiers_refuse_anything_but_their_own_characters(client, where, field, bad):
    response = await send(client, "POST", "/activities", activity(**where({**UNSTORABLE, **LINE_ONLY}[bad])), STAFF)
    assert all(f.startswith(field) for f in refused_fields(response))


@pytest.mark.parametrize("bad", [*UNSTORABLE, *LINE_ONLY])
async def test_a_sessions_title_refuses_hostile_text(client, places, bad):
    start = datetime.now(UTC)
    body = {
        "title": {**UNSTORABLE, **LINE_ONLY}[bad],
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }
    response = await send(client, "POST", f"/activities/{places['activity']}/sessions", body, STAFF)
    assert refused_fields(response) == ["title"]


@pytest.mark.parametrize("bad", [*UNSTORABLE, *LINE_ONLY])
async def test_an_event_code_refuses_hostile_text_and_records_no_use(client, bad):
    learner = uuid.uuid4()
    response = await send(
        client, "POST", "/attendance/event-code", {"code": {**UNSTORABLE, **LINE_ONLY}[bad]}, MINT.headers(learner)
    )
    assert refused_fields(response) == ["code"]
    async with client.app.state.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM event_code_uses WHERE learner_id = $1", learner) == 0


@pytest.mark.parametrize("bad", [*UNSTORABLE, *LINE_ONLY])
async def test_an_attendee_category_refuses_hostile_text(client, places, bad):
    body = {"attendee_category": {**UNSTORABLE, **LINE_ONLY}[bad]}
    response = await send(client, "POST", f"/activities/{places['activity']}/registrations", body, LEARNER)
    assert refused_fields(response) == ["attendee_category"]


@pytest.mark.parametrize(
    "address",
    [
        "ja\x00ne@example.org",
        "jane@exa\x00mple.org",
        "jane\x07@example.org",
        "\x85jane@example.org",
        "jane@example.org\x1f",
        "\u202ejane@example.org",
        "ja\udfffne@example.org",
        "j" * 100_000 + "@example.org",
    ],
)
async def test_an_attendees_address_with_a_control_character_is_refused_by_its_index(client, places, address):
    body = {"emails": ["lee@example.org", address]}
    response = await send(client, "POST", f"/sessions/{places['session']}/attendance", body, STAFF)
    assert refused_fields(response) == ["emails.1"]


# 60 KB: the longest query a client library sends (httpx stops at 64 KB, a gateway sooner).
@pytest.mark.parametrize("bad", ["ab\x00cd", "ring\x07", "next\x85line", "\u202eevil", "two\nlines", "x" * 60_000])
@pytest.mark.parametrize(("name", "field"), [("q", "q"), ("format", "format.0"), ("credit_type", "credit_type.0")])
async def test_the_catalog_search_refuses_hostile_text_in_its_parameters(client, name, field, bad):
    response = await client.get("/activities", params={name: bad})
    assert refused_fields(response) == [field]


async def test_bytes_that_are_not_utf_8_in_a_search_are_searched_as_replacement_characters(client):
    response = await client.get("/activities?q=%ED%A0%80%FF")
    assert response.status_code == 200 and response.json() == []


# Rules across fields: each names the field a form must mark, never `body`.


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"starts_at": "2027-05-02T09:00:00Z", "ends_at": "2027-05-01T17:00:00Z"}, "ends_at"),
        (
            {"starts_at": "2027-05-02T09:00:00Z", "ends_at": None, "available_until": "2027-05-01T00:00:00Z"},
            "available_until",
        ),
        (
            {"registration_opens_at": "2027-04-02T00:00:00Z", "registration_closes_at": "2027-04-01T00:00:00Z"},
            "registration_closes_at",
        ),
        (
            {
                "starts_at": "2027-05-01T09:00:00Z",
                "ends_at": "2027-05-01T17:00:00Z",
                "registration_opens_at": "2027-05-02T00:00:00Z",
            },
            "registration_opens_at",
        ),
        (
            {
                "starts_at": "2027-05-01T09:00:00Z",
                "ends_at": "2027-05-01T17:00:00Z",
                "registration_closes_at": "2027-05-03T00:00:00Z",
            },
            "registration_closes_at",
        ),
        ({"fees": {"physician": 25000, "guest": -1}}, "fees.guest"),
        ({"fees": {"physician": 3_000_000_000}}, "fees.physician"),
        (
            {
                "credit_designations": [
                    {"credit_type": "AMA_PRA_1", "max_credits": "2"},
                    {"credit_type": "ANCC", "max_credits": "2"},
                    {"credit_type": "AMA_PRA_1", "max_credits": "1"},
                ]
            },
            "credit_designations.2.credit_type",
        ),
        ({"moc_boards": ["ABIM", "ABIM"]}, "moc_boards.1"),
        ({"starts_at": "9999-12-31T23:00:00Z", "ends_at": None}, "starts_at"),
    ],
)
async def test_an_activitys_rules_across_fields_name_the_field_to_mark(client, fields, named):
    response = await send(client, "POST", "/activities", activity(**fields), STAFF)
    assert refused_fields(response) == [named]


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "named"),
    [
        ("2027-05-01T10:00:00Z", "2027-05-01T09:00:00Z", "ends_at"),
        ("2027-05-01T10:00:00Z", "2027-05-01T10:00:00Z", "ends_at"),
        # Its code would be valid until a date past the calendar's end: refused, not a 500.
        ("9999-12-31T10:00:00Z", "9999-12-31T11:00:00Z", "starts_at"),
    ],
)
async def test_a_sessions_rules_across_fields_name_the_field_to_mark(client, places, starts_at, ends_at, named):
    body = {"title": "Rounds", "starts_at": starts_at, "ends_at": ends_at}
    response = await send(client, "POST", f"/activities/{places['activity']}/sessions", body, STAFF)
    assert named in refused_fields(response)
