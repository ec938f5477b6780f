"""The board-reporting HTTP API against a real PostgreSQL; reports are made through the consumer handlers."""

import uuid

import pytest
from board_reporting_factories import InMemoryBoard, claimed, deliver, merged, registered, revoked

from board_reporting import submission
from board_reporting.config import Settings
from board_reporting.main import create_app
from devstack.testing import TokenMint, running_app
from opencme_kit.auth import TokenVerifier

mint = TokenMint()


@pytest.fixture(scope="module")
async def client(make_database):
    app = create_app(Settings(database_url=await make_database("board_api")))
    async with running_app(app, jwks=mint.jwks(), verifier_factory=TokenVerifier.from_jwks) as client:
        client.app = app
        yield client


async def test_the_board_registry_is_public_with_the_faqs_policy(client):
    response = await client.get("/boards")
    assert response.status_code == 200
    boards = {b["code"]: b for b in response.json()}
    assert sorted(boards) == ["ABA", "ABIM", "ABO", "ABOHNS", "ABP", "ABPath", "ABS"]
    assert {b["mode"] for code, b in boards.items() if code != "ABS"} == {"report"}
    assert {b["deadline_days"] for code, b in boards.items() if code != "ABS"} == {60}
    assert boards["ABS"]["mode"] == "self_report"
    assert boards["ABS"]["self_report_instructions"].splitlines()[2].startswith("3. Keep your certificate")


async def test_a_learner_sees_only_their_own_reports_with_status_reason_and_due_date(client):
    ana, bo = uuid.uuid4(), uuid.uuid4()
    await deliver(
        client.app.state.pool,
        registered(ana, board_ids={}),
        claimed(ana, boards=("ABIM", "ABS")),
        registered(bo),
        claimed(bo, title="Someone else's course"),
    )
    response = await client.get("/reports/mine", headers=mint.headers(ana))
    assert response.status_code == 200
    reports = {r["board_code"]: r for r in response.json()}
    assert sorted(reports) == ["ABIM", "ABS"]
    held = reports["ABIM"]
    assert held["status"] == "held" and "ABIM board (diplomate) ID" in held["reason"]
    assert held["activity_title"] == "Sepsis Update 2026" and held["due_by"] and held["attempts"] == 0
    assert held["board_name"] == "American Board of Internal Medicine"
    assert "last_error" not in held
    assert reports["ABS"]["status"] == "self_report"


async def test_support_sees_a_learners_reports_with_their_technical_details(client):
    learner = uuid.uuid4()
    await deliver(client.app.state.pool, registered(learner), claimed(learner))
    response = await client.get(
        "/reports", params={"learner_id": str(learner)}, headers=mint.headers(uuid.uuid4(), roles=("support",))
    )
    assert response.status_code == 200
    (report,) = response.json()
    assert report["learner_id"] == str(learner) and report["status"] == "queued"
    assert {"last_error", "next_attempt_at", "board_report_id"} <= set(report)


async def test_support_sees_which_revoked_reports_need_a_correction_at_the_board(client):
    learner, old, sent, unsent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    pool = client.app.state.pool
    await deliver(pool, registered(learner), claimed(old, claim_id=sent, boards=("ABIM",)))
    await deliver(pool, merged(into=learner, merged_id=old))
    await submission.submit_due(pool, InMemoryBoard(), Settings(database_url="postgresql://unused"))
    await deliver(
        pool,
        claimed(learner, claim_id=unsent, title="Never sent"),
        revoked(learner, sent, reason="claimed in error"),
        revoked(learner, unsent, reason="duplicate"),
    )

    response = await client.get(
        "/reports", params={"learner_id": str(learner)}, headers=mint.headers(uuid.uuid4(), roles=("support",))
    )
    reports = {r["claim_id"]: r for r in response.json()}
    assert reports[str(sent)]["status"] == "accepted" and reports[str(sent)]["needs_board_correction"] is True
    assert reports[str(sent)]["revoked_reason"] == "claimed in error" and reports[str(sent)]["revoked_at"]
    assert reports[str(sent)]["merged_from"] == str(old)
    assert reports[str(unsent)]["status"] == "withdrawn" and reports[str(unsent)]["needs_board_correction"] is False

    mine = {r["claim_id"]: r for r in (await client.get("/reports/mine", headers=mint.headers(learner))).json()}
    assert mine[str(unsent)]["status"] == "withdrawn" and mine[str(unsent)]["revoked_reason"] == "duplicate"
    assert "needs_board_correction" not in mine[str(sent)]


async def test_a_merged_accounts_token_still_in_date_reads_the_survivors_reports(client):
    old, survivor = uuid.uuid4(), uuid.uuid4()
    await deliver(client.app.state.pool, registered(survivor), claimed(old), merged(into=survivor, merged_id=old))
    for caller in (old, survivor):
        (report,) = (await client.get("/reports/mine", headers=mint.headers(caller))).json()
        assert report["status"] == "queued"
    support = mint.headers(uuid.uuid4(), roles=("support",))
    (report,) = (await client.get("/reports", params={"learner_id": str(old)}, headers=support)).json()
    assert (report["learner_id"], report["merged_from"]) == (str(survivor), str(old))


async def test_a_learner_cannot_look_up_someone_elses_reports(client):
    response = await client.get(
        "/reports", params={"learner_id": str(uuid.uuid4())}, headers=mint.headers(uuid.uuid4())
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_support_must_name_the_learner(client):
    response = await client.get(
        "/reports", params={"learner_id": "nobody"}, headers=mint.headers(uuid.uuid4(), roles=("support",))
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "learner_id"


async def test_reports_need_a_signed_in_user(client):
    response = await client.get("/reports/mine")
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
