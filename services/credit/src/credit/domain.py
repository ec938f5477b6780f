"""Claim rules, free of I/O: who may claim, until when, and how much; and the refusals they raise.

A refusal carries no HTTP status: its kind (the kit's `errors`) says what went wrong, and the kit's one problem handler
turns it into problem+json naming the field and the reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from opencme_kit import errors

STEP = Decimal("0.25")
LIVE_FORMATS = frozenset({"live_course", "grand_rounds", "board_review"})


class ClaimRefused(errors.Invalid):
    """A claim breaks a rule: the claim window, the amounts or the MOC boards."""

    title = "Claim refused"


class NotEligible(errors.Forbidden):
    """The learner may not claim this activity: no registration or attendance is recorded, or no event code."""

    title = "Claim refused"


class AlreadyClaimed(errors.Conflict):
    """One claim per learner and activity: a claim is corrected by support, never made twice."""

    title = "Already claimed"

    def __init__(self) -> None:
        super().__init__(
            "activity_id", "you have already claimed credit for this activity; support can correct a claim"
        )


class ExtensionRefused(errors.Invalid):
    """A claim-window extension that would not extend the window."""

    title = "Extension refused"


class CorrectionRefused(errors.Invalid):
    """A correction breaks a claim's amount or MOC rules."""

    title = "Correction refused"


class NothingToCorrect(errors.Conflict):
    """A correction that changes neither the credits nor the MOC boards."""

    title = "Correction refused"


class ClaimRevoked(errors.Conflict):
    """Only the standing claim can be corrected; a revoked one was replaced (by a correction) or merged away."""

    title = "Claim revoked"

    def __init__(self, revoked_reason: str) -> None:
        super().__init__(
            "claim_id", f"this claim was revoked ({revoked_reason}); only a standing claim can be corrected"
        )


@dataclass(frozen=True)
class ClaimableActivity:
    format: str
    ends_at: datetime | None
    claim_window_days: int
    designations: dict[str, tuple[Decimal, str]]  # credit type -> (maximum, designation statement)
    moc_boards: frozenset[str]
    requires_event_code: bool
    available_until: datetime | None


@dataclass(frozen=True)
class Participation:
    registered: bool
    attended_on: date | None
    extension_until: date | None


@dataclass(frozen=True)
class DecidedCredit:
    credit_type: str
    amount: Decimal
    statement: str

    def stored(self) -> dict[str, str]:
        """As a claim row keeps it (JSON)."""
        return {"credit_type": self.credit_type, "amount": str(self.amount), "statement": self.statement}


@dataclass(frozen=True)
class Activity(ClaimableActivity):
    """An activity as catalog published it: what the rules read, and what a claim's event tells about it."""

    id: uuid.UUID
    title: str
    starts_at: datetime | None
    location: str | None
    provider_name: str


@dataclass(frozen=True)
class Claim:
    """A learner's claim as recorded. It is never edited: a correction or a merge revokes it (kept for audit)."""

    id: uuid.UUID
    learner_id: uuid.UUID
    activity_id: uuid.UUID
    credits: tuple[DecidedCredit, ...]
    evaluation: dict[str, Any]
    completed_on: date
    claimed_at: datetime
    moc_boards: tuple[str, ...]
    share_permission: bool
    corrects_claim_id: uuid.UUID | None = None
    corrected_by: uuid.UUID | None = None  # the support user who made this claim as a correction
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


def completion_date(activity: ClaimableActivity, participation: Participation, today: date) -> date:
    """Live activities complete on the day attended (or their last day); enduring material when the learner finishes,
    which is when they claim."""
    if activity.format in LIVE_FORMATS:
        if participation.attended_on:
            return participation.attended_on
        if activity.ends_at:
            return activity.ends_at.date()
    return today


def window_closes(activity: ClaimableActivity, completed_on: date, extension_until: date | None) -> date:
    closes = completed_on + timedelta(days=activity.claim_window_days)
    return max(closes, extension_until) if extension_until else closes


def decide_extension(activity: ClaimableActivity, participation: Participation, *, until: date, today: date) -> date:
    """Checks a support extension to `until`; returns the learner's normal window close, or raises ExtensionRefused.

    Only a later deadline is an extension: the normal close ignores any extension in force, so re-granting may also
    shorten an earlier extension, as long as it stays beyond the normal window."""
    if until < today:
        raise ExtensionRefused("until", f"must not be in the past (today is {today.isoformat()})")
    normal = window_closes(activity, completion_date(activity, participation, today), None)
    if until <= normal:
        raise ExtensionRefused("until", f"must be later than the normal claim window close, {normal.isoformat()}")
    return normal


def decide_claim(
    activity: ClaimableActivity,
    participation: Participation,
    *,
    requested: dict[str, Decimal],
    moc_boards: set[str],
    share_permission: bool,
    today: date,
) -> tuple[date, list[DecidedCredit]]:
    """Checks a claim; returns the completion date and the credits to record, or raises NotEligible/ClaimRefused."""
    if activity.requires_event_code and participation.attended_on is None:
        raise NotEligible("activity_id", "enter the session's event code first; it unlocks claiming credit")
    if activity.format in LIVE_FORMATS and not (participation.registered or participation.attended_on):
        raise NotEligible(
            "activity_id",
            "no registration or attendance for this activity is recorded under your "
            "account; if you registered with another email, add and verify it in your profile",
        )
    completed_on = completion_date(activity, participation, today)
    if today < completed_on:
        raise ClaimRefused("activity_id", f"credit can be claimed from {completed_on.isoformat()}, after the activity")
    closes = window_closes(activity, completed_on, participation.extension_until)
    if today > closes:
        raise ClaimRefused(
            "activity_id", f"the claim window closed on {closes.isoformat()}; contact support if you need an exception"
        )
    return completed_on, decide_credits(
        activity, requested=requested, moc_boards=moc_boards, share_permission=share_permission
    )


def decide_credits(
    activity: ClaimableActivity, *, requested: dict[str, Decimal], moc_boards: set[str], share_permission: bool
) -> list[DecidedCredit]:
    """The amount and MOC rules of every claim and correction: designated types only, positive 0.25 steps up to
    each maximum, approved boards with permission to share."""
    if not requested:
        raise ClaimRefused("credits", "claim at least one credit type")
    decided = []
    for credit_type, amount in sorted(requested.items()):
        if credit_type not in activity.designations:
            offered = ", ".join(sorted(activity.designations))
            raise ClaimRefused(f"credits.{credit_type}", f"this activity does not offer it; it offers {offered}")
        maximum, statement = activity.designations[credit_type]
        # The maximum before the step: a huge amount (1e400) makes the remainder itself an invalid operation.
        if amount > maximum:
            raise ClaimRefused(f"credits.{credit_type}", f"at most {maximum} can be claimed for this activity")
        if amount <= 0 or amount % STEP != 0:
            raise ClaimRefused(f"credits.{credit_type}", "claim a positive amount in steps of 0.25")
        decided.append(DecidedCredit(credit_type, amount.quantize(Decimal("0.01")), statement))
    unknown_boards = moc_boards - activity.moc_boards
    if unknown_boards:
        raise ClaimRefused(
            "moc_boards", f"this activity is not approved for MOC with {', '.join(sorted(unknown_boards))}"
        )
    if moc_boards and not share_permission:
        raise ClaimRefused("share_permission", "reporting to your board needs your permission to share your completion")
    return decided


def decide_correction(
    activity: ClaimableActivity,
    *,
    current: dict[str, Decimal],
    current_boards: set[str],
    requested: dict[str, Decimal],
    moc_boards: set[str],
    share_permission: bool,
) -> list[DecidedCredit]:
    """Checks support's correction of a standing claim with the claim's own amount rules (CorrectionRefused);
    refuses one that changes nothing (NothingToCorrect). The claim window does not apply: support corrects after the
    fact."""
    try:
        decided = decide_credits(
            activity, requested=requested, moc_boards=moc_boards, share_permission=share_permission
        )
    except ClaimRefused as refused:
        if refused.field == "share_permission":  # not the corrector's to give: only the learner can
            raise CorrectionRefused(
                "moc_boards", "the learner has not given permission to share their completion with a board"
            ) from refused
        raise CorrectionRefused(refused.field, refused.reason) from refused
    unchanged = {c.credit_type: c.amount for c in decided} == {
        k: v.quantize(Decimal("0.01")) for k, v in current.items()
    }
    if unchanged and moc_boards == current_boards:
        raise NothingToCorrect("credits", "the correction changes nothing: credits and MOC boards are as claimed")
    return decided


def totals(claims: list[dict[str, Decimal]]) -> dict[str, Decimal]:
    summed: dict[str, Decimal] = {}
    for credits in claims:
        for credit_type, amount in credits.items():
            summed[credit_type] = summed.get(credit_type, Decimal(0)) + amount
    return dict(sorted(summed.items()))
