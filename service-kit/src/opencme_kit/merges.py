"""Merged accounts: which account holds a learner's records after the help desk merged two accounts of one person.

Identity announces a merge once (`account.merged`); every service that keeps records per learner follows the same
rules, written here once:

- The map is kept flat: a chain A into B, later B into C, ends on C whichever of the two merges arrives first.
- A merge seen again is a no-op; a merge that contradicts the map (A already merged elsewhere, or a cycle) is
  rejected (`Rejected`: the event goes to the dead-letter topic).
- Whoever records something for a learner asks `owner_of` inside its transaction. It locks each id along the way
  and reads the map again under each lock; a merge locks the merged id alone (exclusive) before it moves anything.
  Either the merge waits and then moves what was written, or the writer waits and then sees the survivor: nothing
  is ever left behind on a merged account.

Each service keeps only what is its own: what moves when two learners merge.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from . import db
from .db import Migrations
from .messaging import Rejected

# The merged_accounts table: services that consume account.merged list it before their own migrations.
SCHEMA = Migrations(resources.files(__package__) / "migrations" / "merged_accounts", prefix="kit/merged_accounts/")


@dataclass(frozen=True)
class Merge:
    """A merge as recorded: `surviving_id` is the account that holds the records now (the end of any chain)."""

    merged_id: uuid.UUID
    surviving_id: uuid.UUID
    repeated: bool  # the map already said so: nothing new to move


async def lock_learner(conn: db.Connection, learner_id: uuid.UUID, *, shared: bool = False) -> None:
    """Transaction-scoped lock on one learner's records.

    Exclusive by default: it also serialises a service's handlers for one learner (a claim and a profile change
    arriving on different topics). `shared=True` lets writers of one learner run side by side; a merge still waits
    for them.
    """
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    await conn.execute(f"SELECT {function}(hashtextextended('opencme.learner:' || $1::uuid::text, 0))", learner_id)


async def survivor_of(conn: db.Connection, learner_id: uuid.UUID) -> uuid.UUID:
    """The account holding `learner_id`'s records now: the learner itself, unless merged. Unlocked: for reads."""
    survivor: uuid.UUID = await conn.fetchval(
        "SELECT coalesce((SELECT surviving_id FROM merged_accounts WHERE merged_id = $1), $1::uuid)", learner_id
    )
    return survivor


async def owner_of(conn: db.Connection, learner_id: uuid.UUID, *, shared: bool = False) -> uuid.UUID:
    """The account that records made for `learner_id` belong to, locked until the transaction ends.

    Call inside the transaction that writes. A merged account's access token stays valid for a few minutes and events
    about it may arrive after the merge: what they record lands on the survivor.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("owner_of must run inside the transaction that records for the learner")
    locked: set[uuid.UUID] = set()
    owner = learner_id
    while owner not in locked:
        await lock_learner(conn, owner, shared=shared)
        locked.add(owner)
        # Read again under the lock: a merge of the id we hold may have committed while we waited for it.
        owner = await survivor_of(conn, learner_id)
    return owner


async def record_merge(
    conn: db.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID, merged_at: datetime
) -> Merge:
    """Map `merged_id` (and every account merged into it before) to the end of `surviving_id`'s chain.

    Holds the merged id's lock alone and the survivor's until the transaction ends, so the caller moves its records
    with no writer in between. Raises `Rejected` for a merge into itself, a cycle, or a merged id already mapped to
    another account.
    """
    if merged_id == surviving_id:
        raise Rejected(f"account {merged_id} cannot be merged into itself")
    if not conn.is_in_transaction():
        raise RuntimeError("record_merge must run inside the transaction that moves the merged learner's records")
    # The merged id first, as a writer for it locks it before its survivor: the two never wait on each other.
    await lock_learner(conn, merged_id)
    earlier = await survivor_of(conn, merged_id)
    survivor = await owner_of(conn, surviving_id)
    if survivor == merged_id:
        raise Rejected(f"account {surviving_id} was merged into {merged_id}: merging back would make a cycle")
    if earlier != merged_id:
        if earlier == survivor:
            return Merge(merged_id, survivor, repeated=True)
        raise Rejected(f"account {merged_id} was already merged into {earlier}, not {survivor}")
    await conn.execute(
        "INSERT INTO merged_accounts (merged_id, surviving_id, merged_at) VALUES ($1, $2, $3)",
        merged_id,
        survivor,
        merged_at,
    )
    await conn.execute("UPDATE merged_accounts SET surviving_id = $2 WHERE surviving_id = $1", merged_id, survivor)
    return Merge(merged_id, survivor, repeated=False)
