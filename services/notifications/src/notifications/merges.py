"""What a merge of two learner accounts (account.merged) does to notifications: the merged learner's delivery log,
registrations, claim-window projection and preferences move to the survivor, and mail parked for the merged learner
goes to the survivor's address. The merged account's recipient row stays: it is that account's last known name and
address, and a late identity event about the account itself may still update it.

The map of merged accounts, its rules (chains, repeats, conflicts) and the per-learner locks are the kit's
(opencme_kit.merges): events about the merged learner that arrive after the merge are recorded for its survivor
because every handler asks `owner_of` for the learner it records for.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from notifications import merge_repository, reminder_repository, repository, service
from notifications.config import Settings
from opencme_contracts import events
from opencme_kit import db
from opencme_kit.merges import record_merge

_RANK = {"sent": 0, "queued": 1, "waiting_for_recipient": 1}  # anything else (cancelled, failed) ranks last


@dataclass(frozen=True)
class HeldReminder:
    message_id: uuid.UUID
    status: str


def reminder_to_keep(
    surviving: HeldReminder | None, merged: HeldReminder | None
) -> tuple[uuid.UUID | None, list[uuid.UUID]]:
    """One claim-window reminder per learner and activity, even when both accounts hold one: keep the one that already
    went out (the learner has read it), else one still on its way, the survivor's first; the other is withdrawn
    (withdrawing one that went out does nothing). Returns (kept, withdrawn)."""
    held = [r for r in (surviving, merged) if r is not None]
    if not held:
        return None, []
    keep = min(held, key=lambda r: _RANK.get(r.status, 2))  # min is stable: the survivor's wins a tie
    return keep.message_id, [r.message_id for r in held if r is not keep]


def _held(message_id: uuid.UUID | None, status: str | None) -> HeldReminder | None:
    return HeldReminder(message_id, status or "") if message_id is not None else None


async def account_merged(conn: db.Connection, event: events.AccountMerged, *, settings: Settings) -> None:
    """Record the merge (the kit raises Rejected for a merge into itself, a cycle or a contradicting merge) and move
    what the merged learner holds here to the end of the survivor's chain (B into C seen before A into B: to C)."""
    merge = await record_merge(
        conn, merged_id=event.merged_user_id, surviving_id=event.surviving_user_id, merged_at=event.merged_at
    )
    if merge.repeated:
        return  # moved when first seen; what came for the merged learner since was recorded for its survivor
    merged, surviving = merge.merged_id, merge.surviving_id
    await merge_repository.move_history(conn, merged, surviving)
    await merge_repository.move_participations(conn, merged, surviving)
    await _combine_shared_participations(conn, merged, surviving)
    await _stricter_preferences(conn, merged, surviving)
    # Parked mail moved with the log: it goes to the survivor's primary address now, or when that becomes known.
    await service.release_waiting(conn, surviving, settings=settings)


async def _combine_shared_participations(conn: db.Connection, merged: uuid.UUID, surviving: uuid.UUID) -> None:
    for shared in await merge_repository.shared_participations(conn, merged, surviving):
        kept, withdrawn = reminder_to_keep(
            _held(shared["surviving_reminder"], shared["surviving_status"]),
            _held(shared["merged_reminder"], shared["merged_status"]),
        )
        await repository.cancel_unsent(
            conn, withdrawn, reason="not sent: the learner's merged account already has a reminder for this activity"
        )
        if shared["claimed_at"] is not None and kept is not None:
            await repository.cancel_unsent(conn, [kept], reason="not sent: the credit was claimed before it went out")
        await merge_repository.combine_participation(
            conn, merged, surviving, shared["activity_id"], reminder_message_id=kept
        )


async def _stricter_preferences(conn: db.Connection, merged: uuid.UUID, surviving: uuid.UUID) -> None:
    """A learner who opted out of reminders on either account stays opted out: a reminder they said no to is worse
    than one they have to switch back on."""
    survivor_takes_reminders = await reminder_repository.takes_reminders(conn, surviving)
    if await merge_repository.take_preferences(conn, merged) is False and survivor_takes_reminders:
        await reminder_repository.set_preferences(conn, surviving, reminders=False)
        survivor_takes_reminders = False
    if not survivor_takes_reminders:
        unsent = await reminder_repository.unsent_reminders_of(conn, surviving)
        await repository.cancel_unsent(conn, unsent, reason="not sent: the learner opted out of reminders")
