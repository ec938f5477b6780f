"""What a merge of two learner accounts does to the catalog, and how a merged learner's requests reach the survivor.

The merged account can no longer sign in, but an access token it already holds stays valid for up to 15 minutes, and
the merge reaches the catalog through Kafka, so a request can arrive on either side of it. Every use case that records
something for a learner therefore asks `owner_for`, which resolves the id through `merged_accounts` under a
per-learner lock that the merge takes too: whichever commits first, nothing new is left on a merged id.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import asyncpg

from catalog import cancellations, repository
from opencme_contracts import events
from opencme_kit.messaging import Rejected

log = logging.getLogger(__name__)


async def owner_for(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """The learner whose records `learner_id` makes (its survivor once merged), locked until the transaction ends."""
    if not conn.is_in_transaction():
        raise RuntimeError("owner_for must run inside the transaction that records for the learner")
    locked = learner_id
    while True:
        await repository.lock_learner(conn, locked)
        # Re-read under the lock: a merge of the survivor may have committed while we waited for it.
        owner = await repository.survivor_of(conn, learner_id)
        if owner == locked:
            return owner
        locked = owner


async def merge_accounts(conn: asyncpg.Connection, event: events.AccountMerged) -> None:
    """Moves registrations, attendance and event-code uses of the merged learner to the survivor.

    Safe to apply again: a second pass finds nothing left on the merged id and emits nothing.
    """
    merged = event.merged_user_id
    if merged == event.surviving_user_id:
        raise Rejected(f"account {merged} cannot be merged into itself")
    earlier = await owner_for(conn, merged)
    # The survivor may itself have been merged since (the later merge can arrive first): follow it to the end.
    survivor = await owner_for(conn, event.surviving_user_id)
    if survivor == merged:
        raise Rejected(f"account {event.surviving_user_id} was merged into {merged}; merging back would make a cycle")
    if earlier not in (merged, survivor):
        raise Rejected(f"account {merged} was already merged into {earlier}, not {survivor}")

    await repository.record_merge(conn, merged_id=merged, surviving_id=survivor, merged_at=event.merged_at)
    duplicates = await repository.cancel_duplicate_registrations(
        conn, merged_id=merged, surviving_id=survivor, at=datetime.now(UTC)
    )
    for duplicate in duplicates:
        # Names and is keyed by the merged id: the move to the survivor comes after the cancel.
        await cancellations.publish_cancelled(conn, duplicate)
    registrations = await repository.move_registrations(conn, merged_id=merged, surviving_id=survivor)
    attendance = await repository.move_attendance(conn, merged_id=merged, surviving_id=survivor)
    code_uses = await repository.move_code_uses(conn, merged_id=merged, surviving_id=survivor)
    log.info(
        "merged learner %s into %s: %d registrations (%d duplicates cancelled), %d attendance, %d code uses",
        merged,
        survivor,
        registrations,
        len(duplicates),
        attendance,
        code_uses,
    )
