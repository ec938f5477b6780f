"""Help desk and admin use cases: find learners, merge duplicate accounts, read the audit log, roles, signing keys."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from identity import domain, errors, repository, schemas, service, sessions, tokens
from identity import repository_support as store
from identity.config import SERVICE, Settings
from opencme_contracts import events
from opencme_kit import outbox
from opencme_kit.problems import not_found


def utcnow() -> datetime:
    return datetime.now(UTC)


# --- finding learners -------------------------------------------------------------------------------------


async def search_users(*, conn: asyncpg.Connection, q: str, limit: int, offset: int) -> schemas.UserPage:
    query = " ".join(q.split())
    rows = await store.search_users(
        conn, query=query, email_query=domain.normalise_email(query), limit=limit, offset=offset
    )
    if rows:
        total = rows[0]["total"]
    else:  # past the last page (or nothing at all): the total still says how many there are
        first = await store.search_users(
            conn, query=query, email_query=domain.normalise_email(query), limit=1, offset=0
        )
        total = first[0]["total"] if first else 0
    items = [
        schemas.UserSummary(
            id=r["id"],
            name=domain.full_name(r["first_name"], r["middle_name"], r["last_name"], r["suffix"]),
            degree=r["degree"],
            primary_email=r["primary_email"],
            emails=list(r["emails"]),
            npi=r["npi"],
            board_ids=r["board_ids"],
            roles=list(r["roles"]),
        )
        for r in rows
    ]
    next_offset = offset + limit if offset + limit < total else None
    return schemas.UserPage(items=items, total=total, limit=limit, offset=offset, next_offset=next_offset)


# --- merging duplicate accounts ---------------------------------------------------------------------------


async def merge_accounts(
    *, conn: asyncpg.Connection, actor_id: uuid.UUID, request: schemas.MergeRequest, client_ip: str | None
) -> schemas.Merge:
    """One account survives with both accounts' emails, board IDs and history; the other is disabled (no sign-in, its
    sessions ended) and every service is told to move its records (account.merged)."""
    surviving_id, merged_id = request.surviving_user_id, request.merged_user_id
    now = utcnow()
    async with conn.transaction():
        await repository.lock_users(conn, [surviving_id, merged_id])
        survivor = await repository.get_user(conn, surviving_id)
        merged = await repository.get_user(conn, merged_id)
        if survivor is None or merged is None:
            raise not_found("account")
        try:
            domain.check_merge(
                surviving_id=surviving_id,
                merged_id=merged_id,
                actor_id=actor_id,
                survivor_disabled=survivor["disabled_at"] is not None,
                merged_disabled=merged["disabled_at"] is not None,
            )
        except domain.RuleConflict as rule:
            raise errors.conflict(rule) from rule
        plan = domain.plan_merge(survivor, merged, repository.PROFILE_COLUMNS)
        moved = await repository.move_emails(conn, from_user=merged_id, to_user=surviving_id)
        # Verification links already sent to a moved address keep working, for its new owner; reset links do not.
        await repository.move_tokens(conn, from_user=merged_id, to_user=surviving_id, purpose="verify_email")
        await repository.invalidate_tokens(conn, merged_id, "password_reset", now)
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
    return _merge(record)


async def list_merges(*, conn: asyncpg.Connection, user_id: uuid.UUID | None, limit: int) -> list[schemas.Merge]:
    return [_merge(r) for r in await store.merges_of(conn, user_id, limit)]


def _merge(row: asyncpg.Record) -> schemas.Merge:
    return schemas.Merge(
        id=row["id"],
        surviving_user_id=row["surviving_user_id"],
        merged_user_id=row["merged_user_id"],
        actor_id=row["actor_id"],
        reason=row["reason"],
        detail=row["detail"],
        merged_at=row["merged_at"],
    )


# --- audit log --------------------------------------------------------------------------------------------


async def audit_log(
    *,
    conn: asyncpg.Connection,
    user_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    kind: str | None,
    before_id: int | None,
    limit: int,
) -> schemas.AuditPage:
    rows = await store.audit_events(
        conn, user_id=user_id, actor_id=actor_id, kind=kind, before_id=before_id, limit=limit
    )
    items = [schemas.AuditEvent(**dict(r)) for r in rows]
    return schemas.AuditPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)


# --- roles ------------------------------------------------------------------------------------------------


async def grant_role(
    *,
    conn: asyncpg.Connection,
    admin_id: uuid.UUID,
    user_id: uuid.UUID,
    role: str,
    grant: bool,
    client_ip: str | None = None,
) -> schemas.Profile:
    """Takes effect in identity at once; in the other services with the next access token (at most its lifetime)."""
    async with conn.transaction():
        row = await repository.get_user(conn, user_id, for_update=True)
        if row is None:
            raise not_found("account")
        if row["disabled_at"] is not None:
            raise errors.conflict(domain.RuleConflict("this account was merged into another", field="user_id"))
        roles = set(row["roles"])
        if not grant and role == "admin" and "admin" in roles:
            await conn.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")  # two admins removing each other
            if await repository.count_admins(conn) <= 1:
                raise errors.conflict(
                    domain.RuleConflict("this is the last admin: grant admin to someone else first", field="role")
                )
        changed = (role not in roles) if grant else (role in roles)
        roles = roles | {role} if grant else roles - {role}
        if changed:
            await repository.set_roles(conn, user_id, sorted(roles | {"learner"}))
            await repository.audit(
                conn,
                "role.granted" if grant else "role.removed",
                user_id=user_id,
                actor_id=admin_id,
                client_ip=client_ip,
                role=role,
            )
        row = await repository.get_user(conn, user_id)
        email_rows = await repository.list_emails(conn, user_id)
    return service.to_profile(row, email_rows)


# --- signing keys -----------------------------------------------------------------------------------------


async def signing_keys(*, conn: asyncpg.Connection) -> list[schemas.SigningKey]:
    signer = await tokens.current_signer(conn)
    return [
        schemas.SigningKey(
            kid=r["kid"],
            created_at=r["created_at"],
            activates_at=r["activates_at"],
            retired_at=r["retired_at"],
            signing=signer is not None and r["kid"] == signer["kid"],
        )
        for r in await tokens.list_signing_keys(conn)
    ]


async def add_signing_key(
    *, conn: asyncpg.Connection, admin_id: uuid.UUID, settings: Settings, client_ip: str | None
) -> list[schemas.SigningKey]:
    """Rotation without downtime: the new key is in the JWKS at once and signs only after every verifier can have
    fetched it; tokens signed with older keys keep verifying until those keys are retired."""
    now = utcnow()
    activates_at = now + timedelta(seconds=settings.signing_key_publish_seconds)
    async with conn.transaction():
        kid = await tokens.add_signing_key(conn, passphrase=settings.signing_passphrase(), activates_at=activates_at)
        await repository.audit(
            conn,
            "signing_key.added",
            actor_id=admin_id,
            client_ip=client_ip,
            kid=kid,
            activates_at=activates_at.isoformat(),
        )
    return await signing_keys(conn=conn)


async def retire_signing_key(
    *, conn: asyncpg.Connection, admin_id: uuid.UUID, kid: str, settings: Settings, client_ip: str | None
) -> list[schemas.SigningKey]:
    now = utcnow()
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('identity.signing_keys'))")
        key = await conn.fetchrow(
            "SELECT kid, activates_at FROM signing_keys WHERE kid = $1 AND retired_at IS NULL", kid
        )
        if key is None:
            raise not_found("signing key (or it is retired already)")
        signer = await tokens.current_signer(conn)
        if key["activates_at"] <= now:  # it has signed: wait until its tokens have expired
            try:
                domain.check_key_retirement(
                    kid=kid,
                    signer_kid=signer["kid"],
                    signer_since=signer["activates_at"],
                    access_token_ttl=timedelta(minutes=settings.access_token_minutes),
                    now=now,
                )
            except domain.RuleConflict as rule:
                raise errors.conflict(rule) from rule
        await conn.execute("UPDATE signing_keys SET retired_at = $2 WHERE kid = $1", kid, now)
        await repository.audit(conn, "signing_key.retired", actor_id=admin_id, client_ip=client_ip, kid=kid)
    return await signing_keys(conn=conn)
