"""Merging two accounts of one learner: the survivor takes over the merged account's board reports.

The map of merged accounts, its rules (chains, repeats, conflicts) and the per-learner lock are the kit's
(opencme_kit.merges); what moves, and what a move releases, is board reporting's own.
"""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from board_reporting import repository, service
from opencme_contracts.events import AccountMerged
from opencme_kit import db
from opencme_kit.merges import record_merge

log = logging.getLogger(__name__)


async def merge_accounts(*, conn: db.Connection, merge: AccountMerged, now: datetime) -> list[asyncpg.Record]:
    """Moves the merged learner's reports to the survivor and weighs the held ones against the survivor's profile.

    Statuses stay as they are (an accepted report stays accepted); a held or rejected report is released as a newer
    profile would release it, so whichever of this and the survivor's profile.updated comes last releases it. A merge
    seen again moves nothing; a merge into itself, round a chain, or of an account already merged elsewhere raises
    Rejected (the event goes to the dead-letter topic). Returns the reports whose status changed.
    """
    async with conn.transaction():
        # Holds both accounts' locks until commit, so no claim or profile change of either comes in between.
        recorded = await record_merge(
            conn, merged_id=merge.merged_user_id, surviving_id=merge.surviving_user_id, merged_at=merge.merged_at
        )
        if recorded.repeated:
            log.info("merge of %s into %s seen again: nothing to move", recorded.merged_id, recorded.surviving_id)
            return []
        # The survivor is the end of the chain: a survivor merged away itself already hands everything on.
        survivor = recorded.surviving_id
        moved = await repository.move_reports(conn, from_id=recorded.merged_id, to_id=survivor)
        log.info(
            "merged %s into %s: %d board reports moved",
            recorded.merged_id,
            survivor,
            moved,
            extra={"ctx_learner_id": str(survivor)},
        )
        return await service.release_waiting(conn, survivor, now)
