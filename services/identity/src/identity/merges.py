"""Merging a duplicate account into the one that survives (the help desk): identity owns merges and tells every
service with `account.merged`; what each of them moves is theirs."""

from __future__ import annotations

import uuid

import asyncpg

from identity import domain, repository, service, sessions, staff_schemas
from identity import links_repository as links
from identity import sessions_repository as sessions_store
from identity import support_repository as store
from identity.config import SERVICE
from opencme_contracts import events
from opencme_kit import db, outbox
from opencme_kit.clock import utcnow


async def merge_accounts(
    *, conn: db.Connection, actor_id: uuid.UUID, request: staff_schemas.MergeRequest, client_ip: str | None
) -> staff_schemas.Merge:
    """One account survives with both accounts' emails, board IDs and history; the other is disabled (no sign-in, its
    sessions ended) and every service is told to move its records (account.merged)."""
    surviving_id, merged_id = request.surviving_user_id, request.merged_user_id
    now = utcnow()
    async with conn.transaction():
        await repository.lock_users(conn, [surviving_id, merged_id])
        survivor, merged, plan = await _planned(conn, actor_id, surviving_id, merged_id)
        moved = await repository.move_emails(conn, from_user=merged_id, to_user=surviving_id)
        # Verification links already sent to a moved address keep working, for its new owner; reset links do not.
        await links.move_tokens(conn, from_user=merged_id, to_user=surviving_id, purpose="verify_email")
        await links.invalidate_tokens(conn, merged_id, "password_reset", now)
        ended = await sessions.revoke_all(conn, merged_id, reason="account_merged", now=now)
        version = await repository.update_profile(conn, surviving_id, plan.profile, now)
        await repository.disable_user(conn, merged_id, merged_into=surviving_id, at=now)
        detail = {
            **plan.audit_detail(),
            "moved_emails": [{"email": m["email"], "verified": m["verified"]} for m in moved],
            # Roles are not combined: merging must never be a way to gain privileges.
            "roles_not_carried_over": sorted(set(merged["roles"]) - set(survivor["roles"])),
            "sessions_ended": ended,
        }
        record = await store.insert_merge(
            conn,
            merge_id=uuid.uuid4(),
            surviving_user_id=surviving_id,
            merged_user_id=merged_id,
            actor_id=actor_id,
            reason=request.reason,
            detail=detail,
            at=now,
        )
        await repository.audit(
            conn,
            "account.merged",
            user_id=surviving_id,
            actor_id=actor_id,
            client_ip=client_ip,
            merged_user_id=str(merged_id),
            reason=request.reason,
            merge_id=str(record["id"]),
            **detail,
        )
        await outbox.emit(
            conn,
            events.AccountMerged(
                surviving_user_id=surviving_id, merged_user_id=merged_id, merged_at=now, reason=request.reason
            ),
            producer=SERVICE,
            subject=surviving_id,
        )
        await service.publish_profile(conn, surviving_id, now, version=version)
        return _merge(await store.merge(conn, record["id"]))


async def preview_merge(
    *, conn: db.Connection, actor_id: uuid.UUID, request: staff_schemas.MergePreviewRequest
) -> staff_schemas.MergePreview:
    """What merge_accounts would do to the two accounts' identity records, refused as it would be; nothing is written.
    (What the other services would move, the help desk reads from each of them.)"""
    surviving_id, merged_id = request.surviving_user_id, request.merged_user_id
    survivor, merged, plan = await _planned(conn, actor_id, surviving_id, merged_id)
    emails = await repository.list_emails(conn, merged_id)
    return staff_schemas.MergePreview(
        surviving_user_id=surviving_id,
        merged_user_id=merged_id,
        filled=list(plan.filled),
        conflicts=plan.conflicts,
        boards_added=list(plan.boards_added),
        board_id_conflicts=plan.board_id_conflicts,
        moving_emails=[
            staff_schemas.MovingEmail(email=e["email"], verified=e["verified_at"] is not None) for e in emails
        ],
        roles_not_carried_over=sorted(set(merged["roles"]) - set(survivor["roles"])),
        sessions_to_end=len(await sessions_store.live_sessions(conn, merged_id, utcnow())),
    )


async def _planned(
    conn: db.Connection, actor_id: uuid.UUID, surviving_id: uuid.UUID, merged_id: uuid.UUID
) -> tuple[asyncpg.Record, asyncpg.Record, domain.MergePlan]:
    """Both accounts (404 for an unknown one), the merge refused where it makes no sense, what the survivor keeps."""
    survivor = await service.account(conn, surviving_id)
    merged = await service.account(conn, merged_id)
    domain.check_merge(
        surviving_id=surviving_id,
        merged_id=merged_id,
        actor_id=actor_id,
        survivor_disabled=survivor["disabled_at"] is not None,
        merged_disabled=merged["disabled_at"] is not None,
    )
    return survivor, merged, domain.plan_merge(dict(survivor), dict(merged), repository.PROFILE_COLUMNS)


async def list_merges(*, conn: db.Connection, user_id: uuid.UUID | None, limit: int) -> list[staff_schemas.Merge]:
    return [_merge(r) for r in await store.merges_of(conn, user_id, limit)]


def _merge(row: asyncpg.Record) -> staff_schemas.Merge:
    return staff_schemas.Merge(
        id=row["id"],
        surviving_user_id=row["surviving_user_id"],
        surviving_name=row["surviving_name"],
        merged_user_id=row["merged_user_id"],
        merged_name=row["merged_name"],
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        reason=row["reason"],
        detail=row["detail"],
        merged_at=row["merged_at"],
    )
