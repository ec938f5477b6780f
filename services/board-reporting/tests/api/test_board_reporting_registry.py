"""Admins edit the board registry over HTTP against a real PostgreSQL; a claim made afterwards uses the change."""

import json
import uuid
from datetime import timedelta

import pytest
from board_reporting_factories import claimed, deliver, registered

from board_reporting.config import Settings
from board_reporting.main import create_app
from devstack.testing import TokenMint, running_app
from opencme_kit.auth import TokenVerifier

mint = TokenMint()
ADMIN_ID = uuid.uuid4()
ADMIN = mint.headers(ADMIN_ID, roles=("admin",))
NEW_BOARD = {
    "code": "ABPMR",
    "name": "American Board of Physical Medicine and Rehabilitation",
    "mode": "report",
    "deadline_days": 30,
}


@pytest.fixture(scope="module")
async def client(make_database):
    app = create_app(Settings(database_url=await make_database("board_registry")))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client


async def boards(client) -> dict[str, dict]:
    return {b["code"]: b for b in (await client.get("/boards")).json()}


async def test_an_admin_adds_a_board_listed_at_once_and_recorded_with_who_added_it(client):
    response = await client.post("/boards", json=NEW_BOARD, headers=ADMIN)

    assert response.status_code == 201, response.text
    assert response.json() == NEW_BOARD | {"self_report_instructions": None}
    assert (await boards(client))["ABPMR"]["deadline_days"] == 30
    [change] = (await client.get("/boards/abpmr/changes", headers=ADMIN)).json()
    assert change["changed_by"] == str(ADMIN_ID) and change["before"] is None and change["after"]["code"] == "ABPMR"
    assert change["changed_by_name"] is None  # no profile of theirs has reached board reporting yet
    await deliver(client.app.state.pool, registered(ADMIN_ID, first_name="Ada", last_name="Okafor"))
    [change] = (await client.get("/boards/abpmr/changes", headers=ADMIN)).json()
    assert change["changed_by_name"] == "Ada Okafor"
    again = await client.post("/boards", json=NEW_BOARD | {"code": "ABPMR"}, headers=ADMIN)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "code"


async def test_a_new_deadline_applies_to_claims_from_then_on_without_a_restart(client):
    edited = await client.patch("/boards/ABIM", json={"deadline_days": 30}, headers=ADMIN)
    assert edited.status_code == 200, edited.text
    assert edited.json()["deadline_days"] == 30 and edited.json()["name"] == "American Board of Internal Medicine"

    learner = uuid.uuid4()
    claim = claimed(learner, boards=("ABIM",))
    await deliver(client.app.state.pool, registered(learner), claim)

    [report] = (await client.get("/reports/mine", headers=mint.headers(learner))).json()
    assert report["due_by"] == (claim.data.claimed_at + timedelta(days=30)).date().isoformat()
    [change, *_] = (await client.get("/boards/ABIM/changes", headers=ADMIN)).json()
    assert change["before"]["deadline_days"] == 60 and change["after"]["deadline_days"] == 30


async def test_a_board_turned_to_self_report_needs_its_instructions_naming_the_field(client):
    response = await client.patch("/boards/ABO", json={"mode": "self_report"}, headers=ADMIN)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "self_report_instructions"
    assert (await boards(client))["ABO"]["mode"] == "report"  # nothing written


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (NEW_BOARD | {"code": "abx"}, "code"),
        (NEW_BOARD | {"code": "ABX", "name": ""}, "name"),
        (NEW_BOARD | {"code": "ABX", "name": "two\nlines"}, "name"),
        (NEW_BOARD | {"code": "ABX", "mode": "fax"}, "mode"),
        (NEW_BOARD | {"code": "ABX", "deadline_days": 0}, "deadline_days"),
        (NEW_BOARD | {"code": "ABX", "deadline_days": None}, "deadline_days"),
        (NEW_BOARD | {"code": "ABX", "colour": "red"}, "colour"),
    ],
    ids=["lower-case code", "empty name", "two-line name", "unknown mode", "zero days", "no deadline", "unknown field"],
)
async def test_a_board_that_does_not_hold_is_a_422_naming_the_field(client, body, field):
    response = await client.post("/boards", json=body, headers=ADMIN)

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert "ABX" not in await boards(client)


async def test_editing_an_unknown_board_is_a_404(client):
    response = await client.patch("/boards/NOPE", json={"deadline_days": 5}, headers=ADMIN)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        mint.headers(uuid.uuid4()),
        mint.headers(uuid.uuid4(), roles=("staff",)),
        mint.headers(uuid.uuid4(), roles=("support",)),
    ],
    ids=["anonymous", "learner", "coordinator", "help desk"],
)
async def test_only_admins_may_change_the_registry(client, headers):
    added = await client.post("/boards", json=NEW_BOARD | {"code": "ABQ"}, headers=headers)
    edited = await client.patch("/boards/ABA", json={"deadline_days": 5}, headers=headers)
    changes = await client.get("/boards/ABA/changes", headers=headers)

    expected = 401 if not headers else 403
    assert (added.status_code, edited.status_code, changes.status_code) == (expected, expected, expected)
    assert (await boards(client))["ABA"]["deadline_days"] == 60 and "ABQ" not in await boards(client)


async def test_each_change_is_announced_as_board_updated_keyed_by_the_code(client):
    await client.post("/boards", json=NEW_BOARD | {"code": "ABANN"}, headers=ADMIN)
    await client.patch("/boards/ABANN", json={"name": "American Board of Announcements"}, headers=ADMIN)
    await client.patch("/boards/ABANN", json={"name": "American Board of Announcements"}, headers=ADMIN)  # no change

    async with client.app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT payload FROM outbox WHERE topic = 'board.updated' AND message_key = $1 ORDER BY id", "ABANN"
        )
    names = [json.loads(r["payload"])["data"]["name"] for r in rows]
    assert names == [NEW_BOARD["name"], "American Board of Announcements"]
