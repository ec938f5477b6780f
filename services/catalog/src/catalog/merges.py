"""What a merge of two learner accounts does to the catalog: the merged learner's registrations, attendance and
event-code uses move to the survivor.

Recording the merge, resolving a learner's current account and the per-learner lock are the kit's
(`opencme_kit.merges`): every use case here that records something for a learner asks `owner_of` in its transaction,
so nothing new is left on a merged id whichever commits first.
"""

from __future__ import annotations

import logging

from catalog import attendance_repository, registrations, registrations_repository
from opencme_contracts import events
from opencme_kit import db
from opencme_kit.clock import utcnow
from opencme_kit.merges import record_merge

log = logging.getLogger(__name__)


async def merge_accounts(conn: db.Connection, event: events.AccountMerged) -> None:
    """Moves registrations, attendance and event-code uses of the merged learner to the survivor.

    A merge seen again moves nothing; one that contradicts the merges recorded is rejected (record_merge).
    """
    merge = await record_merge(
        conn, merged_id=event.merged_user_id, surviving_id=event.surviving_user_id, merged_at=event.merged_at
    )
    if merge.repeated:
        log.info("merge of learner %s into %s seen before; nothing to move", merge.merged_id, merge.surviving_id)
        return
    merged, survivor = merge.merged_id, merge.surviving_id  # the survivor is the end of any chain
    duplicates = await registrations_repository.cancel_duplicate_registrations(
        conn, merged_id=merged, surviving_id=survivor, at=utcnow()
    )
    for duplicate in duplicates:
        # Names and is keyed by the merged id: the move to the survivor comes after the cancel.
        await registrations.publish_cancelled(conn, duplicate)
    moved = await registrations_repository.move_registrations(conn, merged_id=merged, surviving_id=survivor)
    attendance = await attendance_repository.move_attendance(conn, merged_id=merged, surviving_id=survivor)
    code_uses = await attendance_repository.move_code_uses(conn, merged_id=merged, surviving_id=survivor)
    log.info(
        "merged learner %s into %s: %d registrations (%d duplicates cancelled), %d attendance, %d code uses",
        merged,
        survivor,
        moved,
        len(duplicates),
        attendance,
        code_uses,
    )
