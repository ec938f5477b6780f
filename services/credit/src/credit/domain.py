"""Claim rules, free of I/O: who may claim, until when, and how much; and the refusals they raise.

A refusal carries no HTTP status: its kind (the kit's `errors`) says what went wrong, and the kit's one problem handler
turns it into problem+json naming the field and the reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from opencme_kit import errors

STEP = Decimal("0.25")
# Formats that need a registration or recorded attendance before claiming (a board review even as self-study).
LIVE_FORMATS = frozenset({"live_course", "grand_rounds", "board_review"})
# Enduring and online material: completed whenever the learner finishes it while it is available.
SELF_PACED_FORMATS = frozenset({"text_based", "journal_based", "webcast", "enduring"})


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
    starts_at: datetime | None
    ends_at: datetime | None
    claim_window_days: int
    designations: dict[str, tuple[Decimal, str]]  # credit type -> (maximum, designation statement)
    moc_boards: frozenset[str]
    requires_event_code: bool
    available_until: datetime | None
    cancelled_at: datetime | None = field(default=None, kw_only=True)  # the catalog cancelled it (activity.cancelled)


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


@dataclass(frozen=True)
class Claimable:
    """An activity as the claimable list offers it today: the completion date to propose (a live activity's own; for
    self-paced material the latest day the learner may give), the earliest one a claim made today accepts (None: no
    earliest), whether the learner gives it, and when the window closes for the proposed date."""

    completed_on: date
    completed_on_earliest: date | None
    completed_on_editable: bool
    window_closes: date
    window_extended: bool


def self_paced(activity: ClaimableActivity) -> bool:
    """Enduring and online material is completed when the learner finishes it; live activities on a date. A board
    review is live when it has an end date and self-study otherwise."""
    return activity.format in SELF_PACED_FORMATS or (activity.format == "board_review" and activity.ends_at is None)


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def availability(activity: ClaimableActivity) -> tuple[date | None, date | None]:
    """The first and last day self-paced material can be completed (None: open): from its start to the end of its
    availability, or its end date when it sets no availability."""
    last = activity.available_until or activity.ends_at
    if activity.cancelled_at is not None:  # a cancellation ends the availability that day
        last = min(last, activity.cancelled_at) if last else activity.cancelled_at
    return (_day(activity.starts_at) if activity.starts_at else None, _day(last) if last else None)


def cancelled_refusal(activity: ClaimableActivity, participation: Participation) -> NotEligible | None:
    """Why a cancelled live activity may not be claimed, or None: it is claimable only for attendance recorded (by an
    event code or by staff, for the part that took place). Self-paced material stays claimable for a completion up to
    the day it was cancelled (availability() ends there)."""
    if activity.cancelled_at is None or participation.attended_on is not None or self_paced(activity):
        return None
    return NotEligible(
        "activity_id",
        f"this activity was cancelled on {_day(activity.cancelled_at).isoformat()}; credit can be claimed only "
        "when your attendance was recorded",
    )


def live_completion(activity: ClaimableActivity, participation: Participation) -> date | None:
    """A live activity is completed on the day attended (the latest session recorded), or else on its last day (its
    start when it gives no end); None when it has no date at all."""
    if participation.attended_on:
        return participation.attended_on
    last = activity.ends_at or activity.starts_at
    return _day(last) if last else None


def latest_completion(activity: ClaimableActivity, participation: Participation, today: date) -> date | None:
    """The latest completion date a claim made today may record: a live activity's own; for self-paced material
    today, or its last available day once that has passed. None when nothing can be completed yet."""
    if not self_paced(activity):
        return live_completion(activity, participation)
    first, last = availability(activity)
    latest = min(today, last) if last else today
    return None if first and latest < first else latest


def window_closes(activity: ClaimableActivity, completed_on: date, extension_until: date | None) -> date:
    """The claim window runs `claim_window_days` from the completion (that day is the last one); a support extension
    for the learner moves it later, never earlier."""
    closes = completed_on + timedelta(days=activity.claim_window_days)
    return max(closes, extension_until) if extension_until else closes


def claimable(activity: ClaimableActivity, participation: Participation, *, today: date) -> Claimable | None:
    """What a claim made today may record, or None when none would be accepted (not completed yet, or the window has
    closed for every completion date the learner could give). Eligibility is decide_claim's."""
    if cancelled_refusal(activity, participation) is not None:
        return None
    if activity.requires_event_code and participation.attended_on is None:
        return None  # registered only: the session's event code unlocks claiming (decide_claim refuses it)
    latest = latest_completion(activity, participation, today)
    if latest is None or latest > today:
        return None
    closes = window_closes(activity, latest, participation.extension_until)
    if today > closes:
        return None
    extended = closes != window_closes(activity, latest, None)
    earliest: date | None = latest
    if self_paced(activity):
        first, _ = availability(activity)
        if participation.extension_until is not None and today <= participation.extension_until:
            earliest = first  # an extension in force today keeps the window open whatever day it was completed
        else:  # the window runs from the completion: an earlier one is claimable today down to that many days ago
            earliest = today - timedelta(days=activity.claim_window_days)
            earliest = max(earliest, first) if first else earliest
    return Claimable(
        completed_on=latest,
        completed_on_earliest=earliest,
        completed_on_editable=self_paced(activity),
        window_closes=closes,
        window_extended=extended,
    )


def decide_completion(
    activity: ClaimableActivity, participation: Participation, *, given: date | None, today: date
) -> date:
    """The completion date a claim records; raises ClaimRefused naming `completed_on` (or the activity, when a live
    one is not over yet).

    Live activities complete on their own date (live_completion): the claim may repeat it, not change it. Self-paced
    material completes on the day the learner gives (today when they give none), which must lie within its
    availability and not in the future: material that left the catalog yesterday cannot have been completed today.
    """
    if not self_paced(activity):
        completed_on = live_completion(activity, participation)
        if completed_on is None:
            raise ClaimRefused(
                "activity_id", "this activity has no date yet; credit can be claimed once your attendance is recorded"
            )
        if given is not None and given != completed_on:
            raise ClaimRefused(
                "completed_on",
                f"this activity was completed on {completed_on.isoformat()} (the day attended, or its last day); "
                "leave completed_on out",
            )
        if today < completed_on:
            raise ClaimRefused(
                "activity_id", f"credit can be claimed from {completed_on.isoformat()}, after the activity"
            )
        return completed_on
    completed_on = given or today
    first, last = availability(activity)
    if completed_on > today:
        raise ClaimRefused("completed_on", f"must not be in the future (today is {today.isoformat()})")
    if first and completed_on < first:
        raise ClaimRefused(
            "completed_on", f"this activity is available from {first.isoformat()}; it cannot be completed earlier"
        )
    if last and completed_on > last:
        raise ClaimRefused(
            "completed_on",
            f"this activity was available until {last.isoformat()}; give the day you completed it, "
            f"on or before {last.isoformat()}",
        )
    return completed_on


def decide_extension(activity: ClaimableActivity, participation: Participation, *, until: date, today: date) -> date:
    """Checks a support extension to `until`; returns the learner's normal window close, or raises ExtensionRefused.

    Only a later deadline is an extension: the normal close, from the latest completion the learner could claim with
    today, ignores any extension in force, so re-granting may also shorten an earlier extension, as long as it stays
    beyond the normal window."""
    if until < today:
        raise ExtensionRefused("until", f"must not be in the past (today is {today.isoformat()})")
    completed_on = latest_completion(activity, participation, today) or today
    normal = window_closes(activity, completed_on, None)
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
    completed_on: date | None = None,
    today: date,
) -> tuple[date, list[DecidedCredit]]:
    """Checks a claim; returns the completion date and the credits to record, or raises NotEligible/ClaimRefused.

    `completed_on` is the completion date the learner gives (self-paced material; see decide_completion)."""
    if (refusal := cancelled_refusal(activity, participation)) is not None:
        raise refusal
    if activity.requires_event_code and participation.attended_on is None:
        raise NotEligible("activity_id", "enter the session's event code first; it unlocks claiming credit")
    if activity.format in LIVE_FORMATS and not (participation.registered or participation.attended_on):
        raise NotEligible(
            "activity_id",
            "no registration or attendance for this activity is recorded under your "
            "account; if you registered with another email, add and verify it in your profile",
        )
    completed = decide_completion(activity, participation, given=completed_on, today=today)
    closes = window_closes(activity, completed, participation.extension_until)
    if today > closes:
        # The learner's own date closed it: that is the field to mark.
        field = "completed_on" if completed_on is not None and self_paced(activity) else "activity_id"
        raise ClaimRefused(
            field, f"the claim window closed on {closes.isoformat()}; contact support if you need an exception"
        )
    return completed, decide_credits(
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
