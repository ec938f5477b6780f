from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from devstack.fake_board import create_app

DEVSTACK_SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def board() -> TestClient:
    return TestClient(create_app())


def make_report(
    *, action: str = "add", credit_id: str = "CR-1", credits: float = 1.25, permission: bool = True, **learner: Any
) -> dict[str, Any]:
    return {
        "ProviderOrganization": "Example Medical School CME",
        "Module": {"moduleID": "ACT-2026-0042"},
        "Status": "Completed",
        "CompletedDateTime": "2026-03-14T15:00:00Z",
        "LearnerRecordAction": action,
        "Learner": {
            "BoardCode": "ABIM",
            "BoardID": "123456",
            "FirstName": "Ada",
            "LastName": "Lovelace",
            "BirthMonth": 12,
            "BirthDay": 10,
            **learner,
        },
        "CreditCertificate": [
            {
                "UniqueID": [{"value": "C-2026-000123", "domain": "cme.example.org"}],
                "CreditReceived": {"activityCertification": "MOC-II", "unit": "Point", "credits": credits},
                "CreditID": credit_id,
            }
        ],
        "PermissionToShare": permission,
    }


def status_of(board: TestClient, board_id: str = "123456") -> dict[str, Any]:
    params = {"boardCode": "ABIM", "boardID": board_id, "moduleID": "ACT-2026-0042"}
    return board.get("/learner-status", params=params).json()


def test_matched_learner_is_accepted_and_recorded(board: TestClient) -> None:
    answer = board.post("/learner-reports", json=make_report())

    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "accepted" and body["reportID"].startswith("PARS-")
    status = status_of(board)
    assert status["status"] == "Completed"
    [credit] = status["credits"]
    assert (credit["CreditID"], credit["credits"], credit["reportID"]) == ("CR-1", 1.25, body["reportID"])


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        (make_report(BoardID="NOMATCH-1"), "learner not matched"),
        (make_report(BirthMonth=None, BirthDay=None), "birth month and day"),
        (make_report(BirthDay=None), "birth month and day"),
        (make_report(permission=False), "permission"),
    ],
)
def test_unmatched_learner_or_no_permission_is_rejected_with_a_reason(board: TestClient, report, reason) -> None:
    answer = board.post("/learner-reports", json=report)

    assert answer.status_code == 200
    assert answer.json()["status"] == "rejected"
    assert reason in answer.json()["reason"]
    assert status_of(board, report["Learner"]["BoardID"])["status"] == "NotFound"


def test_control_fail_answers_503_for_the_next_n_reports_then_content_decides_again(board: TestClient) -> None:
    assert board.post("/_control", json={"mode": "fail", "count": 2}).json() == {"mode": "fail", "remaining": 2}

    first, second = (board.post("/learner-reports", json=make_report()) for _ in range(2))
    assert first.status_code == second.status_code == 503
    assert first.headers["retry-after"] == "1"
    assert board.post("/learner-reports", json=make_report()).json()["status"] == "accepted"
    assert board.get("/_control").json() == {"mode": None, "remaining": 0}
    assert [r["statusCode"] for r in board.get("/_reports").json()] == [503, 503, 200]


def test_control_overrides_content_both_ways(board: TestClient) -> None:
    board.post("/_control", json={"mode": "reject"})
    assert board.post("/learner-reports", json=make_report()).json()["status"] == "rejected"

    board.post("/_control", json={"mode": "accept", "count": 1})
    assert board.post("/learner-reports", json=make_report(BoardID="NOMATCH-9")).json()["status"] == "accepted"
    assert (
        board.post("/learner-reports", json=make_report(BoardID="NOMATCH-9", credit_id="CR-2")).json()["status"]
        == "rejected"
    )


def test_same_credit_added_twice_is_recorded_once_and_answered_as_already_recorded(board: TestClient) -> None:
    first = board.post("/learner-reports", json=make_report()).json()
    again = board.post("/learner-reports", json=make_report()).json()

    assert first == {"status": "accepted", "reportID": first["reportID"], "alreadyRecorded": False}
    assert again == {"status": "accepted", "reportID": first["reportID"], "alreadyRecorded": True}
    assert len(status_of(board)["credits"]) == 1
    assert len(board.get("/_reports").json()) == 2

    other_credit = board.post("/learner-reports", json=make_report(credit_id="CR-2")).json()
    assert other_credit["alreadyRecorded"] is False and other_credit["reportID"] != first["reportID"]
    assert len(status_of(board)["credits"]) == 2


def test_delete_action_removes_the_record_and_is_idempotent(board: TestClient) -> None:
    board.post("/learner-reports", json=make_report())

    assert board.post("/learner-reports", json=make_report(action="delete")).json()["deleted"] == 1
    assert status_of(board)["status"] == "NotFound"
    assert board.post("/learner-reports", json=make_report(action="delete")).json()["deleted"] == 0


@pytest.mark.parametrize(
    "breakage",
    [
        lambda r: r.pop("Status"),
        lambda r: r.update(Status="InProgress"),
        lambda r: r.update(LearnerRecordAction="update"),
        lambda r: r.update(CompletedDateTime="2026-03-14T15:00:00"),  # no time zone
        lambda r: r.update(CreditCertificate=[]),
        lambda r: r["CreditCertificate"][0]["CreditReceived"].update(credits=0.3),
        lambda r: r["CreditCertificate"][0]["CreditReceived"].update(unit="Hours"),
        lambda r: r["Learner"].update(BirthMonth=13),
        lambda r: r["Module"].pop("moduleID"),
        lambda r: r.update(Unexpected="field"),
    ],
)
def test_malformed_report_is_refused_with_422(board: TestClient, breakage) -> None:
    report = make_report()
    breakage(report)

    assert board.post("/learner-reports", json=report).status_code == 422
    assert board.get("/_reports").json() == []


def test_reports_log_shows_what_was_received_and_answered_and_can_be_cleared(board: TestClient) -> None:
    board.post("/learner-reports", json=make_report(BoardID="NOMATCH-1"))
    board.post("/_control", json={"mode": "fail", "count": 5})

    [entry] = board.get("/_reports").json()
    assert entry["report"]["Learner"]["BoardID"] == "NOMATCH-1"
    assert entry["answer"]["status"] == "rejected"

    assert board.delete("/_reports").json() == {"cleared": 1}
    assert board.get("/_reports").json() == []
    assert board.get("/_control").json() == {"mode": None, "remaining": 0}


def test_cli_serves_on_the_given_port_and_stops_cleanly_on_sigint() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(DEVSTACK_SRC), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.fake_board", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                answer = httpx.post(f"http://127.0.0.1:{port}/learner-reports", json=make_report())
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "fake board did not start"
                time.sleep(0.1)
        assert answer.json()["status"] == "accepted"
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=15)[0].decode()
    assert process.returncode == 0, output


def test_faults_down_answers_503_records_nothing_and_lists_the_attempt_until_cleared(board: TestClient) -> None:
    assert board.put("/_faults", json={"down": True}).json()["down"] is True
    down = board.post("/learner-reports", json=make_report())
    assert down.status_code == 503 and "down" in down.json()["reason"]
    assert status_of(board)["status"] == "NotFound"
    assert [r["statusCode"] for r in board.get("/_reports").json()] == [503]

    board.put("/_faults", json={})
    back = board.post("/learner-reports", json=make_report())
    assert back.json() == {**back.json(), "status": "accepted", "alreadyRecorded": False}


def test_faults_error_rate_fails_about_that_share_and_latency_delays_every_answer(board: TestClient) -> None:
    board.put("/_faults", json={"error_rate": 0.3})
    answers = [board.post("/learner-reports", json=make_report(credit_id=f"CR-{i}")).status_code for i in range(200)]
    assert 30 <= answers.count(503) <= 90 and answers.count(200) == 200 - answers.count(503)

    board.put("/_faults", json={"latency_seconds": 0.3})
    started = time.monotonic()
    assert board.post("/learner-reports", json=make_report(credit_id="CR-slow")).status_code == 200
    assert time.monotonic() - started >= 0.3
    # A report is listed as it arrived, before the latency, and as it was answered, after it: the fault-injection
    # suite times retries by arrivals, which a slow answer cannot bring closer together.
    slow = board.get("/_reports").json()[-1]
    waited = datetime.fromisoformat(slow["answeredAt"]) - datetime.fromisoformat(slow["receivedAt"])
    assert waited.total_seconds() >= 0.3


def test_faults_are_refused_out_of_range_and_cleared_with_the_reports(board: TestClient) -> None:
    assert board.put("/_faults", json={"error_rate": 1.5}).status_code == 422
    board.put("/_faults", json={"down": True, "latency_seconds": 1})
    board.delete("/_reports")
    assert board.get("/_faults").json() == {"down": False, "error_rate": 0.0, "latency_seconds": 0.0}
