"""Account merges: the help desk merged two accounts of one person, so the survivor gets the merged one's history.

The kit (`opencme_kit.merges`) keeps the map of merged accounts and the per-learner lock; what is credit's own is what
moves. Events about the merged learner may arrive after `account.merged`, and a token of the merged account stays
valid for a few minutes: everything that records something for a learner asks the kit's `owner_of`, so it lands on the
survivor.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from credit import claim_events, merges_repository
from credit.config import SERVICE
from opencme_kit import db, merges, outbox


async def merge_accounts(
    conn: db.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID, merged_at: datetime
) -> None:
    """Moves the merged learner's registrations, attendance, extensions and claims to the survivor.

    Where both accounts claimed the same activity the survivor's claim stands and the merged account's one is
    revoked (kept for audit, announced as `credit.revoked`), so the credit is not counted twice. A merge into itself,
    back along a chain, or of an account already merged elsewhere raises `Rejected` (the event goes to the DLQ).
    """
    merge = await merges.record_merge(conn, merged_id=merged_id, surviving_id=surviving_id, merged_at=merged_at)
    if merge.repeated:  # moved when first seen; writers since then went to the survivor
        return
    survivor = merge.surviving_id
    revoked = await merges_repository.revoke_duplicate_claims(conn, merged_id=merged_id, surviving_id=survivor)
    await merges_repository.move_learner_records(conn, merged_id=merged_id, surviving_id=survivor)
    for claim in revoked:
        await outbox.emit(conn, claim_events.revoked(claim), producer=SERVICE, subject=survivor)
