"""SQL of what moves when two learners merge: their registrations, attendance, extensions and claims."""

from __future__ import annotations

import uuid

from credit import domain
from credit.claims_repository import to_claim
from opencme_kit import db


async def revoke_duplicate_claims(
    conn: db.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID
) -> list[domain.Claim]:
    """Revokes the merged account's standing claims for activities the survivor has claimed too, and hands them to
    the survivor with the rest (kept for audit); returns them as revoked."""
    rows = await conn.fetch(
        """UPDATE claims m SET revoked_at = now(),
                  revoked_reason = 'duplicate of claim ' || s.id || ' after account merge',
                  learner_id = $2, merged_from = coalesce(m.merged_from, $1)
           FROM claims s
           WHERE m.learner_id = $1 AND m.revoked_at IS NULL
             AND s.learner_id = $2 AND s.activity_id = m.activity_id AND s.revoked_at IS NULL
           RETURNING m.*""",
        merged_id,
        surviving_id,
    )
    return [to_claim(row) for row in rows]


async def move_learner_records(conn: db.Connection, *, merged_id: uuid.UUID, surviving_id: uuid.UUID) -> None:
    """Hands every record of `merged_id` to `surviving_id`; call after `revoke_duplicate_claims`."""
    await conn.execute("UPDATE registrations SET learner_id = $2 WHERE learner_id = $1", merged_id, surviving_id)
    # The same day attended under both accounts is one attendance; the survivor's row stays.
    await conn.execute(
        """INSERT INTO attendance (learner_id, activity_id, session_id, attended_on)
           SELECT $2, activity_id, session_id, attended_on FROM attendance WHERE learner_id = $1
           ON CONFLICT DO NOTHING""",
        merged_id,
        surviving_id,
    )
    await conn.execute("DELETE FROM attendance WHERE learner_id = $1", merged_id)
    # Two extensions for one activity: the learner keeps the later deadline, with its reason and who granted it.
    await conn.execute(
        """INSERT INTO claim_window_extensions (learner_id, activity_id, until_date, reason, granted_by, granted_at)
           SELECT $2, activity_id, until_date, reason, granted_by, granted_at
           FROM claim_window_extensions WHERE learner_id = $1
           ON CONFLICT (learner_id, activity_id) DO UPDATE SET until_date = EXCLUDED.until_date,
               reason = EXCLUDED.reason, granted_by = EXCLUDED.granted_by, granted_at = EXCLUDED.granted_at
           WHERE claim_window_extensions.until_date < EXCLUDED.until_date""",
        merged_id,
        surviving_id,
    )
    await conn.execute("DELETE FROM claim_window_extensions WHERE learner_id = $1", merged_id)
    await conn.execute(
        "UPDATE claims SET learner_id = $2, merged_from = coalesce(merged_from, $1) WHERE learner_id = $1",
        merged_id,
        surviving_id,
    )
