"""Account merges: the help desk merged two accounts of one person, so the survivor gets the merged one's history.

Events about the merged learner come on other partitions than `account.merged` and may arrive after it, and a token
of the merged account stays valid for a few minutes; everything that records something for a learner goes through
`owner_of`, so it lands on the survivor.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from credit import claim_events, repository
from credit.config import SERVICE
from opencme_kit import outbox
from opencme_kit.messaging import Rejected


async def owner_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """The account that now owns records of `learner_id`: the learner, or the account it was merged into.

    Call inside the transaction that writes. It holds a shared lock on each id it resolves through until commit, and
    a merge holds the merged id's lock alone: either the merge waits and then moves what we wrote, or we wait and
    then see its mapping. Nothing is left behind on a merged account.
    """
    owner = learner_id
    await repository.lock_learner(conn, owner)
    while True:
        survivor = await repository.survivor_of(conn, learner_id) or learner_id
        if survivor == owner:
            return owner
        # The survivor may itself be merged while we look; its lock makes that merge wait or repoint us first.
        owner = survivor
        await repository.lock_learner(conn, owner)


async def reader_of(conn: asyncpg.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """Whose records a signed-in learner sees: a merged account's token still shows the survivor's history."""
    return await repository.survivor_of(conn, learner_id) or learner_id


async def merge_accounts(
    conn: asyncpg.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID, merged_at: datetime
) -> None:
    """Moves the merged learner's registrations, attendance, extensions and claims to the survivor.

    Where both accounts claimed the same activity the survivor's claim stands and the merged account's one is
    revoked (kept for audit, announced as `credit.revoked`), so the credit is not counted twice.
    """
    if merged_id == surviving_id:
        raise Rejected(f"account {merged_id} cannot be merged into itself")
    survivor = await owner_of(conn, surviving_id)
    if survivor == merged_id:
        raise Rejected(f"account {surviving_id} was itself merged into {merged_id}")
    await repository.lock_learner(conn, merged_id, exclusive=True)
    survivor = await repository.record_merge(conn, merged_id=merged_id, surviving_id=survivor, merged_at=merged_at)
    revoked = await repository.revoke_duplicate_claims(conn, merged_id=merged_id, surviving_id=survivor)
    await repository.move_learner_records(conn, merged_id=merged_id, surviving_id=survivor)
    for claim in revoked:
        await outbox.emit(conn, claim_events.revoked(claim, learner_id=survivor), producer=SERVICE, subject=survivor)
