"""Claim-window extensions: support gives one learner more time to claim one activity, with a reason.

The extension in force lives in `claim_window_extensions` (re-granting replaces it) and `domain.window_closes` honours
it; every grant and withdrawal is also kept in `claim_window_extension_history`. No event is published: the window
matters only to credit. Writes go to the account that owns the learner's records (the kit's `merges.owner_of`), so an
extension granted under a merged account's id lands on the survivor.
"""

from __future__ import annotations

import uuid

import asyncpg

from credit import domain, extensions_repository, repository, schemas
from opencme_kit import db, errors, merges
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow


def to_extension(row: asyncpg.Record, activity_title: str) -> schemas.Extension:
    return schemas.Extension(
        learner_id=row["learner_id"],
        activity_id=row["activity_id"],
        activity_title=activity_title,
        until=row["until_date"],
        reason=row["reason"],
        granted_by=row["granted_by"],
        granted_at=row["granted_at"],
    )


async def grant_extension(
    *,
    conn: db.Connection,
    learner_id: uuid.UUID,
    activity_id: uuid.UUID,
    request: schemas.ExtensionRequest,
    support: Principal,
) -> schemas.Extension:
    async with conn.transaction():
        activity = await repository.get_activity(conn, activity_id)
        if activity is None:
            raise errors.NotFound(None, "activity not found")
        owner = await merges.owner_of(conn, learner_id, shared=True)
        participation = await repository.participation(conn, owner, activity_id)
        domain.decide_extension(activity, participation, until=request.until, today=utcnow().date())
        row = await extensions_repository.upsert_extension(
            conn,
            learner_id=owner,
            activity_id=activity_id,
            until=request.until,
            reason=request.reason,
            granted_by=support.id,
        )
        await extensions_repository.record_extension_history(conn, row, action="granted", acted_by=support.id)
    return to_extension(row, activity.title)


async def list_extensions(*, conn: db.Connection, learner_id: uuid.UUID) -> list[schemas.Extension]:
    learner_id = await merges.survivor_of(conn, learner_id)
    return [to_extension(r, r["activity_title"]) for r in await extensions_repository.extensions_of(conn, learner_id)]


async def extension_history(
    *, conn: db.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID | None
) -> list[schemas.ExtensionChange]:
    learner_id = await merges.survivor_of(conn, learner_id)
    return [
        schemas.ExtensionChange(
            learner_id=r["learner_id"],
            activity_id=r["activity_id"],
            activity_title=r["activity_title"],
            action=r["action"],
            until=r["until_date"],
            reason=r["reason"],
            acted_by=r["acted_by"],
            acted_at=r["acted_at"],
        )
        for r in await extensions_repository.extension_history(conn, learner_id, activity_id)
    ]


async def withdraw_extension(
    *, conn: db.Connection, learner_id: uuid.UUID, activity_id: uuid.UUID, support: Principal
) -> None:
    async with conn.transaction():
        owner = await merges.owner_of(conn, learner_id, shared=True)
        row = await extensions_repository.delete_extension(conn, owner, activity_id)
        if row is None:
            raise errors.NotFound(None, "claim-window extension for this learner and activity not found")
        await extensions_repository.record_extension_history(conn, row, action="withdrawn", acted_by=support.id)
