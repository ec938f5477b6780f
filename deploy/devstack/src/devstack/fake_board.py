"""Fake certifying-board endpoint, shaped after ACCME's (PARS) draft learner-report web service.

It answers like a board does: accepted, rejected with a reason (learner not matched, no permission to share), or a
transient failure (503). Tests and demos steer it through `/_control` and read what it received from `/_reports`;
the fault-injection suite makes it unavailable, failing or slow through `/_faults`.

Content rules, unless `/_control` forces an answer:
- `PermissionToShare` false → rejected;
- `BoardID` empty or starting with "NOMATCH", or birth month/day missing → rejected, learner not matched;
- otherwise accepted. Adding the same (BoardCode, BoardID, moduleID, CreditID) again is accepted once more and answered
  with the first report's ID and `alreadyRecorded: true`; it is not recorded twice.

    python -m devstack.fake_board --port 8126
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import signal
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

HOST = "127.0.0.1"


# Field names follow ACCME's schema (PascalCase); model class names differ from them because pydantic cannot tell a
# field called `Module` from a type called `Module`.
class _Strict(BaseModel):
    # Unknown fields are refused so that a typo in our board client fails here, not at the real board.
    model_config = ConfigDict(extra="forbid")


class ModuleRef(_Strict):
    moduleID: str = Field(min_length=1)


class LearnerIdentity(_Strict):
    BoardCode: str = Field(min_length=1)
    BoardID: str
    FirstName: str = Field(min_length=1)
    LastName: str = Field(min_length=1)
    BirthMonth: int | None = Field(None, ge=1, le=12)
    BirthDay: int | None = Field(None, ge=1, le=31)


class UniqueIdentifier(_Strict):
    value: str = Field(min_length=1)
    domain: str = Field(min_length=1)


class Credit(_Strict):
    activityCertification: str = Field(min_length=1)
    unit: Literal["Point"]
    credits: float = Field(gt=0, allow_inf_nan=False)

    @field_validator("credits")
    @classmethod
    def in_quarter_steps(cls, credits: float) -> float:
        if (credits * 4) != int(credits * 4):
            raise ValueError("credits are reported in 0.25 steps")
        return credits


class CreditEntry(_Strict):
    UniqueID: list[UniqueIdentifier] = Field(min_length=1)
    CreditReceived: Credit
    CreditID: str = Field(min_length=1)


class LearnerReport(_Strict):
    ProviderOrganization: str = Field(min_length=1)
    Module: ModuleRef
    Status: Literal["Completed"]
    CompletedDateTime: AwareDatetime
    LearnerRecordAction: Literal["add", "delete"]
    Learner: LearnerIdentity
    CreditCertificate: list[CreditEntry] = Field(min_length=1)
    PermissionToShare: bool


class Control(_Strict):
    mode: Literal["accept", "reject", "fail"]
    count: int = Field(1, ge=1)


class Faults(_Strict):
    """How the board misbehaves, whatever the report: `down` answers every report 503 (as the load balancer in front
    of a board that is down does); otherwise a share `error_rate` of them is answered 503 at random; every answer
    comes after `latency_seconds`. A faulted report is listed in `/_reports` but never recorded."""

    down: bool = False
    error_rate: float = Field(0.0, ge=0, le=1)
    latency_seconds: float = Field(0.0, ge=0, le=60)


RecordKey = tuple[str, str, str, str]  # BoardCode, BoardID, moduleID, CreditID


@dataclass
class FakeBoard:
    forced_mode: str | None = None
    forced_remaining: int = 0
    faults: Faults = field(default_factory=Faults)
    reports: list[dict[str, Any]] = field(default_factory=list)
    recorded: dict[RecordKey, dict[str, Any]] = field(default_factory=dict)

    def receive(self, report: LearnerReport, received_at: datetime) -> tuple[int, dict[str, Any]]:
        """Answer a report that arrived at `received_at` (before any fault latency), and list it."""
        status_code, answer = self._answer(report)
        self.reports.append(
            {
                "receivedAt": received_at.isoformat(),
                "answeredAt": datetime.now(UTC).isoformat(),
                "report": report.model_dump(mode="json"),
                "statusCode": status_code,
                "answer": answer,
            }
        )
        return status_code, answer

    def _answer(self, report: LearnerReport) -> tuple[int, dict[str, Any]]:
        if self.faults.down:
            return 503, {"status": "unavailable", "reason": "board service down (fault)"}
        if self.faults.error_rate and random.random() < self.faults.error_rate:
            return 503, {"status": "unavailable", "reason": "board service failed (fault)"}
        forced = self._take_forced()
        if forced == "fail":
            return 503, {"status": "unavailable", "reason": "board service temporarily unavailable (forced)"}
        if forced == "reject":
            return 200, {"status": "rejected", "reason": "rejected by test control"}
        if forced is None and (reason := rejection_reason(report)):
            return 200, {"status": "rejected", "reason": reason}
        if report.LearnerRecordAction == "delete":
            return 200, self._delete(report)
        return 200, self._add(report)

    def _take_forced(self) -> str | None:
        if self.forced_remaining <= 0:
            return None
        self.forced_remaining -= 1
        mode = self.forced_mode
        if self.forced_remaining == 0:
            self.forced_mode = None
        return mode

    def _add(self, report: LearnerReport) -> dict[str, Any]:
        keys = _keys(report)
        if all(key in self.recorded for key in keys):
            return {"status": "accepted", "reportID": self.recorded[keys[0]]["reportID"], "alreadyRecorded": True}
        report_id = _new_report_id()
        for key, credit in zip(keys, report.CreditCertificate, strict=False):
            self.recorded.setdefault(
                key,
                {
                    "reportID": report_id,
                    "CreditID": credit.CreditID,
                    "activityCertification": credit.CreditReceived.activityCertification,
                    "unit": credit.CreditReceived.unit,
                    "credits": credit.CreditReceived.credits,
                    "CompletedDateTime": report.CompletedDateTime.isoformat(),
                },
            )
        return {"status": "accepted", "reportID": report_id, "alreadyRecorded": False}

    def _delete(self, report: LearnerReport) -> dict[str, Any]:
        deleted = sum(self.recorded.pop(key, None) is not None for key in _keys(report))
        return {"status": "accepted", "reportID": _new_report_id(), "deleted": deleted}

    def learner_status(self, board_code: str, board_id: str, module_id: str) -> dict[str, Any]:
        credits = [
            record
            for (code, bid, module, _), record in self.recorded.items()
            if (code, bid, module) == (board_code.upper(), board_id, module_id)
        ]
        return {
            "boardCode": board_code,
            "boardID": board_id,
            "moduleID": module_id,
            "status": "Completed" if credits else "NotFound",
            "credits": credits,
        }


def rejection_reason(report: LearnerReport) -> str | None:
    learner = report.Learner
    if not report.PermissionToShare:
        return "learner did not give permission to share this completion with the board"
    if not learner.BoardID or learner.BoardID.startswith("NOMATCH"):
        return "learner not matched: no diplomate with this board ID"
    if learner.BirthMonth is None or learner.BirthDay is None:
        return "learner not matched: birth month and day are required"
    return None


def _keys(report: LearnerReport) -> list[RecordKey]:
    learner = report.Learner
    return [
        (learner.BoardCode.upper(), learner.BoardID, report.Module.moduleID, credit.CreditID)
        for credit in report.CreditCertificate
    ]


def _new_report_id() -> str:
    return f"PARS-{uuid.uuid4().hex[:16].upper()}"


def create_app() -> FastAPI:
    board = FakeBoard()
    app = FastAPI(title="Fake certifying board (ACCME PARS-style)", description=__doc__.split("\n\n")[0])
    app.state.board = board

    @app.post("/learner-reports")
    async def save_learner_report(report: LearnerReport) -> JSONResponse:
        """Save (add) or delete a learner's completion record."""
        received_at = datetime.now(UTC)
        if board.faults.latency_seconds:
            await asyncio.sleep(board.faults.latency_seconds)
        status_code, answer = board.receive(report, received_at)
        headers = {"Retry-After": "1"} if status_code == 503 else None
        return JSONResponse(answer, status_code=status_code, headers=headers)

    @app.get("/learner-status")
    async def get_learner_status(
        boardCode: str = Query(min_length=1),
        boardID: str = Query(min_length=1),
        moduleID: str = Query(min_length=1),
    ) -> dict[str, Any]:
        """What the board has recorded for this learner and activity (getLearnerStatus)."""
        return board.learner_status(boardCode, boardID, moduleID)

    @app.post("/_control")
    async def set_control(control: Control) -> dict[str, Any]:
        """Force the next `count` reports to be accepted, rejected or failed (503), whatever their content."""
        board.forced_mode, board.forced_remaining = control.mode, control.count
        return {"mode": board.forced_mode, "remaining": board.forced_remaining}

    @app.get("/_control")
    async def get_control() -> dict[str, Any]:
        """The forced answer still pending, if any."""
        return {"mode": board.forced_mode, "remaining": board.forced_remaining}

    @app.get("/_faults")
    async def get_faults() -> Faults:
        """How the board misbehaves now."""
        return board.faults

    @app.put("/_faults")
    async def set_faults(faults: Faults) -> Faults:
        """Make the board unavailable, failing a share of reports, or slow (all off: `{}`)."""
        board.faults = faults
        return board.faults

    @app.get("/_reports")
    async def list_reports() -> list[dict[str, Any]]:
        """Every report received, oldest first, with the answer given."""
        return board.reports

    @app.delete("/_reports")
    async def reset() -> dict[str, int]:
        """Forget received reports, recorded completions and any forced answer."""
        cleared = len(board.reports)
        board.reports.clear()
        board.recorded.clear()
        board.forced_mode, board.forced_remaining = None, 0
        board.faults = Faults()
        return {"cleared": cleared}

    return app


def _interrupt(signum: int, frame: Any) -> None:
    # uvicorn restores this handler after its graceful shutdown and re-raises the signal; end quietly with status 0.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.fake_board", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8126)
    parser.add_argument("--host", default=HOST, help="address to bind (loopback unless in a container)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    with contextlib.suppress(KeyboardInterrupt):
        # Idle connections kept longer than httpx's clients pool them (5 s), as the SMTP sink's HTTP side does.
        uvicorn.Server(uvicorn.Config(create_app(), host=args.host, port=args.port, timeout_keep_alive=75)).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
