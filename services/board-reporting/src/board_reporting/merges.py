"""Merging two accounts of one learner: the survivor takes over the merged account's board reports."""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from board_reporting import repository, service
from opencme_contracts.events import AccountMerged
from opencme_kit.messaging import Rejected

log = logging.getLogger(__name__)


async def merge_accounts(*, conn: asyncpg.Connection, merge: AccountMerged, now: datetime) -> list[asyncpg.Record]:
    """Moves the merged learner's reports to the survivor and weighs the held ones against the survivor's profile.

    Statuses stay as they are (an accepted report stays accepted); a held or rejected report is released as a newer
    profile would release it, so whichever of this and the survivor's profile.updated comes last releases it. A merge
    seen twice, or of an account we never saw, still leaves the mapping that sends later events to the survivor.
    Returns the reports whose status changed.
    """
    async with conn.transaction():
        # The merged id first, as a claim of it locks it before its survivor: the two never wait on each other.
        await repository.lock_learner(conn, merge.merged_user_id)
        # A survivor merged away itself already (a chain seen out of order) hands everything on to its own survivor.
        survivor = await repository.lock_and_resolve(conn, merge.surviving_user_id)
        if survivor == merge.merged_user_id:
            raise Rejected(f"merging {merge.merged_user_id} into {merge.surviving_user_id} would merge it into itself")
        await repository.record_merge(
            conn, merged_id=merge.merged_user_id, surviving_id=survivor, merged_at=merge.merged_at
        )
        moved = await repository.move_reports(conn, from_id=merge.merged_user_id, to_id=survivor)
        log.info(
            "merged %s into %s: %d board reports moved",
            merge.merged_user_id,
            survivor,
            moved,
            extra={"ctx_learner_id": str(survivor)},
        )
        return await service.release_waiting(conn, survivor, now)
