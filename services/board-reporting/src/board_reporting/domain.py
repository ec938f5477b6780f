"""Board-reporting rules, free of I/O: the status a claim's report starts in, when it is due, what a profile change
releases, how retries back off, and the PARS-style record a board receives."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any, Literal

from opencme_contracts.events import BoardReportStatus
from opencme_kit import errors

UNIQUE_ID_DOMAIN = "opencme"
FALLBACK_CREDIT_TYPE = "AMA_PRA_1"
QUARTER = Decimal("0.25")

# Our own statuses: the event's, plus 'withdrawn' (a revoked claim's report that was never recorded by the board), which
# BoardReportStatusChanged does not accept, so a withdrawal is not announced.
ReportStatus = Literal[BoardReportStatus, "withdrawn"]
# Reports of a revoked claim that the board has not recorded: withdrawn. The board may hold the others.
_WITHDRAWABLE = frozenset({"held", "queued", "rejected", "failed", "self_report"})
_AT_THE_BOARD = frozenset({"submitted", "accepted"})


@dataclass(frozen=True)
class Board:
    code: str
    name: str
    mode: Literal["report", "self_report"]
    deadline_days: int | None
    self_report_instructions: str | None = None


@dataclass(frozen=True)
class Learner:
    first_name: str
    last_name: str
    board_ids: Mapping[str, str]
    birth_month: int | None
    birth_day: int | None

    def board_id(self, board_code: str) -> str | None:
        """The learner's diplomate ID at `board_code`; profiles may spell the code in any case."""
        for code, value in self.board_ids.items():
            if code.upper() == board_code.upper() and value and value.strip():
                return value.strip()
        return None


@dataclass(frozen=True)
class Decision:
    """Where a new report starts."""

    status: BoardReportStatus
    reason: str | None
    due_by: date | None
    credit_type: str | None
    credits: Decimal | None


@dataclass(frozen=True)
class BoardAnswer:
    """What a board said to one submission.

    transient: unavailable, timed out or unreachable (retry); invalid: the board refused the request itself (a 4xx),
    which resubmitting the same record cannot fix.
    """

    outcome: Literal["accepted", "rejected", "transient", "invalid"]
    board_report_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Transition:
    status: ReportStatus
    reason: str | None = None
    next_attempt_at: datetime | None = None
    last_error: str | None = None


def due_date(board: Board, claimed_at: datetime) -> date | None:
    """The claim date (UTC) plus the board's deadline; self-reported boards have no deadline of ours."""
    if board.mode != "report" or board.deadline_days is None:
        return None
    return claimed_at.astimezone(UTC).date() + timedelta(days=board.deadline_days)


def quarter_points(amount: Decimal) -> Decimal:
    """Boards take points in 0.25 steps; claims already are, but never report more than was claimed."""
    return (amount / QUARTER).to_integral_value(rounding=ROUND_FLOOR) * QUARTER


def credit_to_report(board_code: str, credits: Mapping[str, Decimal]) -> tuple[str, Decimal] | None:
    """The claim's MOC points for this board (credit type MOC_<BOARD>, in any case), else its AMA PRA Category 1
    credit: boards that accept AMA credit for MOC count it point for point. None when neither is there."""
    by_type = {credit_type.upper(): amount for credit_type, amount in credits.items()}
    for credit_type in (f"MOC_{board_code.upper()}", FALLBACK_CREDIT_TYPE):
        amount = by_type.get(credit_type)
        if amount is not None and (points := quarter_points(amount)) > 0:
            return credit_type, points
    return None


def _valid_birthday(month: int | None, day: int | None) -> bool:
    if month is None or day is None:
        return False
    try:
        date(2000, month, day)  # a leap year, so 29 February is a birthday
    except ValueError:
        return False
    return True


def missing_for(learner: Learner | None, board_code: str) -> list[str]:
    """What the board needs to match the learner that the profile lacks; a learner we know nothing of lacks all."""
    missing = []
    if learner is None or learner.board_id(board_code) is None:
        missing.append(f"{board_code} board (diplomate) ID")
    if learner is None or not _valid_birthday(learner.birth_month, learner.birth_day):
        missing.append("birth month and day")
    return missing


def hold_reason(missing: list[str]) -> str:
    return f"add your {' and '.join(missing)} to your profile so that the board can match you"


def decide(
    board: Board,
    learner: Learner | None,
    *,
    share_permission: bool,
    credits: Mapping[str, Decimal],
    claimed_at: datetime,
) -> Decision | None:
    """The report a claim gets for `board`; None when the learner did not allow sharing (nothing is reported)."""
    due_by = due_date(board, claimed_at)
    credit = credit_to_report(board.code, credits)
    credit_type, points = credit if credit else (None, None)
    if board.mode == "self_report":
        # The board takes reports from the participant only; the reason carries the instructions to send them.
        return Decision("self_report", board.self_report_instructions, due_by, credit_type, points)
    if not share_permission:
        return None
    if credit is None:
        return Decision(
            "failed",
            f"the claim has no {board.code} MOC points or AMA PRA Category 1 credit to report",
            due_by,
            None,
            None,
        )
    if missing := missing_for(learner, board.code):
        return Decision("held", hold_reason(missing), due_by, credit_type, points)
    return Decision("queued", None, due_by, credit_type, points)


def learner_identity(learner: Learner, board_code: str) -> dict[str, Any]:
    """The record's `Learner` part: what the board matches a diplomate on."""
    return {
        "BoardCode": board_code,
        "BoardID": learner.board_id(board_code) or "",
        "FirstName": learner.first_name,
        "LastName": learner.last_name,
        "BirthMonth": learner.birth_month,
        "BirthDay": learner.birth_day,
    }


def after_profile_change(
    status: str, board_code: str, learner: Learner, sent: Mapping[str, Any] | None
) -> Transition | None:
    """A held or rejected report once the learner's profile changed; None when it stays as it is.

    A rejected report goes back to the board only when what the board matches on changed: the same record would be
    rejected again.
    """
    if status not in ("held", "rejected"):
        return None
    if missing := missing_for(learner, board_code):
        return Transition("held", hold_reason(missing))
    if status == "rejected" and sent is not None and dict(sent) == learner_identity(learner, board_code):
        return None
    return Transition("queued")


def backoff_seconds(attempt: int, *, base: float, cap: float, jitter: float) -> float:
    """The wait after the `attempt`-th failed try: doubling from `base` up to `cap`, then "equal jitter" (between half
    and all of it, `jitter` uniform in [0, 1)) so reports failed by one outage do not all come back at once."""
    ceiling = min(cap, base * math.pow(2, min(attempt - 1, 60)))
    return ceiling / 2 + ceiling / 2 * jitter


def after_answer(
    answer: BoardAnswer, *, attempts: int, max_attempts: int, now: datetime, base: float, cap: float, jitter: float
) -> Transition:
    """Where a submitted report goes after the board's answer to its `attempts`-th submission."""
    if answer.outcome == "accepted":
        return Transition("accepted")
    if answer.outcome == "rejected":
        return Transition("rejected", answer.reason or "rejected by the board without a reason")
    if answer.outcome == "invalid":
        return Transition(
            "failed", "the board could not process our record; the help desk can see why", last_error=answer.reason
        )
    if attempts >= max_attempts:
        return Transition(
            "failed", f"the board could not be reached after {attempts} attempts", last_error=answer.reason
        )
    delay = backoff_seconds(attempts, base=base, cap=cap, jitter=jitter)
    return Transition("queued", None, now + timedelta(seconds=delay), last_error=answer.reason)


def on_revocation(status: str) -> Literal["withdraw", "flag"] | None:
    """What revoking a claim does to one of its reports: `withdraw` those the board has not recorded, `flag` those
    it has or may have (submitted, accepted) for support to correct at the board; None when already withdrawn."""
    if status in _WITHDRAWABLE:
        return "withdraw"
    if status in _AT_THE_BOARD:
        return "flag"
    return None


def needs_board_correction(status: str, *, revoked: bool) -> bool:
    return revoked and status in _AT_THE_BOARD


def withdrawal_reason(status: str, revoked_reason: str) -> str:
    reason = f"the claim was revoked ({revoked_reason}), so it is not reported"
    if status == "self_report":  # the learner may have reported it already: only they can take it back
        return f"{reason}; if you already reported it to the board yourself, remove it there"
    return reason


def after_revoked_answer(transition: Transition, revoked_reason: str) -> Transition:
    """The board's answer to a report whose claim was revoked while it was being sent.

    Accepted stays accepted (support corrects it at the board); any other answer means the board did not record it,
    so the report is withdrawn rather than retried or left for the learner to fix.
    """
    if transition.status == "accepted":
        return transition
    return Transition("withdrawn", withdrawal_reason("submitted", revoked_reason), last_error=transition.last_error)


def build_record(
    *,
    report_id: uuid.UUID,
    claim_id: uuid.UUID,
    activity_id: uuid.UUID,
    completed_on: date,
    board_code: str,
    credits: Decimal,
    learner: Learner,
    provider: str,
) -> dict[str, Any]:
    """The learner report in the shape of ACCME's draft PARS JSON schema.

    CreditID is the report's own id, stable across retries, so a board that already recorded it does not count it twice.
    """
    return {
        "ProviderOrganization": provider,
        "Module": {"moduleID": str(activity_id)},
        "Status": "Completed",
        "CompletedDateTime": datetime(completed_on.year, completed_on.month, completed_on.day, tzinfo=UTC).isoformat(),
        "LearnerRecordAction": "add",
        "Learner": learner_identity(learner, board_code),
        "CreditCertificate": [
            {
                "UniqueID": [{"value": str(claim_id), "domain": UNIQUE_ID_DOMAIN}],
                "CreditReceived": {"activityCertification": board_code, "unit": "Point", "credits": float(credits)},
                "CreditID": str(report_id),
            }
        ],
        "PermissionToShare": True,
    }


# The board registry, as admins edit it (registry.py): a board we report to has a deadline; a board whose participants
# report themselves has the instructions the learner is emailed (board_report.status_changed carries them).


def check_board(board: Board) -> None:
    """Raises errors.Invalid naming the field a board needs for its mode."""
    if board.mode == "report" and board.deadline_days is None:
        raise errors.Invalid("deadline_days", "required when we report to the board: within how many days of claiming")
    if board.mode == "self_report" and not (board.self_report_instructions or "").strip():
        raise errors.Invalid(
            "self_report_instructions", "required when participants report themselves: the learner is emailed them"
        )
