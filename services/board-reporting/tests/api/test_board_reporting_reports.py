"""The office's report of board reports per board and status, for claims made in a period, against a real PostgreSQL
(the reports come from credit's events through the real consumer); for the office only."""

import uuid
from datetime import UTC, datetime

import pytest
from board_reporting_factories import claimed, deliver, registered

from board_reporting.config import Settings
from board_reporting.main import create_app
from devstack.testing import TokenMint, running_app
from opencme_kit.auth import TokenVerifier

mint = TokenMint()
STAFF = mint.headers(uuid.uuid4(), roles=("staff",))
MARCH = {"from": "2031-03-01", "to": "2031-03-31"}


@pytest.fixture(scope="module")
async def client(make_database):
    app = create_app(Settings(database_url=await make_database("board_office_reports")))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client


async def report(client, headers=STAFF, **params) -> dict:
    answer = await client.get("/office/reports/board-reports", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_reports_of_claims_made_in_the_period_are_counted_per_board_and_status(client):
    activity, other = uuid.uuid4(), uuid.uuid4()
    identified, unidentified, late = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await deliver(
        client.app.state.pool,
        registered(identified),
        registered(unidentified, board_ids={}),
        registered(late),
        claimed(identified, claimed_at=datetime(2031, 3, 3, tzinfo=UTC), boards=("ABIM", "ABS"), activity_id=activity),
        claimed(unidentified, claimed_at=datetime(2031, 3, 31, 23, tzinfo=UTC), activity_id=activity),
        claimed(late, claimed_at=datetime(2031, 4, 1, tzinfo=UTC), activity_id=activity),
        claimed(late, claimed_at=datetime(2031, 3, 10, tzinfo=UTC), activity_id=other),
    )

    answer = await report(client, **MARCH, activity_id=str(activity))
    assert [(r["board_code"], r["status"], r["reports"]) for r in answer["rows"]] == [
        ("ABIM", "held", 1),
        ("ABIM", "queued", 1),
        ("ABS", "self_report", 1),
    ]
    assert answer["rows"][0]["board_name"] == "American Board of Internal Medicine"

    every_activity = await report(client, **MARCH)
    assert sum(r["reports"] for r in every_activity["rows"]) == 4


async def test_the_report_is_for_the_office_only(client):
    path = "/office/reports/board-reports"
    assert (await client.get(path, params=MARCH)).status_code == 401
    for roles in ((), ("support",)):
        refused = await client.get(path, params=MARCH, headers=mint.headers(uuid.uuid4(), roles=roles))
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await report(client, headers=mint.headers(uuid.uuid4(), roles=("admin",)), **MARCH)) is not None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2031-03-02", "to": "2031-03-01"}, "to"),
        ({"from": "2031-03-01"}, "to"),
        ({**MARCH, "activity_id": "ABIM"}, "activity_id"),
    ],
)
async def test_a_bad_period_is_refused_naming_the_field(client, params, field):
    refused = await client.get("/office/reports/board-reports", params=params, headers=STAFF)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == [field]
