"""Pure rules of the claim-window reminder: when a learner's window to claim credit closes, and when to say so.

The dates are the ones the credit service enforces (notifications keeps its own projection of the same events and
cannot ask credit): an activity with a fixed date (live course, grand rounds, board review) is completed on the
latest day the learner's attendance was recorded, or else on the day it ends (UTC); the window closes
`claim_window_days` later, and that day is the last one credit can be claimed. Enduring material is completed when
the learner claims it, so its window never runs out unclaimed and it gets no reminder.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from notifications.domain import Planned
from notifications.wording import format_day

# Formats whose completion date is fixed before the learner claims (mirrors credit's live formats).
DATED_FORMATS = frozenset({"live_course", "grand_rounds", "board_review"})


@dataclass(frozen=True)
class Participation:
    learner_id: uuid.UUID
    activity_id: uuid.UUID
    title: str
    format: str
    ends_at: datetime | None
    claim_window_days: int
    attended_on: date | None
    registered: bool  # a confirmed registration that was not cancelled
    claimed: bool


def completed_on(p: Participation) -> date | None:
    """The day the learner completed the activity as credit counts it, or None when that is not fixed yet."""
    if p.format not in DATED_FORMATS:
        return None
    if p.attended_on is not None:
        return p.attended_on
    if p.registered and p.ends_at is not None:
        return p.ends_at.astimezone(UTC).date()
    return None


def window_closes(p: Participation) -> date | None:
    """The last day credit can be claimed, or None when no window is running for this learner."""
    completed = completed_on(p)
    return None if completed is None else completed + timedelta(days=p.claim_window_days)


def reminder_due(p: Participation, *, today: date, lead_days: int) -> date | None:
    """The closing date when a reminder should go out today: the learner took part (registered or attended), has not
    claimed, the activity is over and its window closes within `lead_days` (today included); None otherwise."""
    if p.claimed or not (p.registered or p.attended_on is not None):
        return None
    completed, closes = completed_on(p), window_closes(p)
    if completed is None or closes is None or completed > today:
        return None
    return closes if today <= closes <= today + timedelta(days=lead_days) else None


def reminder_expires(closes: date) -> datetime:
    """A reminder is not worth sending once the window has closed: the end of its last day (UTC, as credit counts)."""
    return datetime.combine(closes + timedelta(days=1), time(0), tzinfo=UTC)


def claim_url(portal_url: str, activity_id: uuid.UUID) -> str:
    return f"{portal_url.rstrip('/')}/activities/{activity_id}/claim"


def preferences_url(portal_url: str) -> str:
    return f"{portal_url.rstrip('/')}/preferences"


def plan_claim_window_closing(p: Participation, closes: date, *, portal_url: str) -> Planned:
    return Planned(
        "claim_window_closing",
        p.learner_id,
        None,
        {
            "activity_title": p.title,
            "closes_on": format_day(closes),
            "claim_url": claim_url(portal_url, p.activity_id),
            "preferences_url": preferences_url(portal_url),
        },
        expires_at=reminder_expires(closes),
    )


# A reminder has no causing event; its id in the cause column is derived from what it is about, so the messages
# table's uniqueness (cause, kind) also holds for it: one reminder per learner and activity, whoever queues it.
_REMINDER_NAMESPACE = uuid.UUID("6f1d3c52-9b7e-4f0a-8a51-2c5e3d1f0b7a")


def reminder_cause(learner_id: uuid.UUID, activity_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(_REMINDER_NAMESPACE, f"claim_window_closing:{learner_id}:{activity_id}")
