"""Sign-in sessions: a family of rotating refresh tokens per sign-in, short-lived access tokens, signing out."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from identity import domain, problems, repository, schemas, tokens
from identity import sessions_repository as store
from identity.config import Settings
from opencme_kit import db, errors
from opencme_kit.clock import utcnow


async def start_session(
    conn: db.Connection,
    *,
    user_id: uuid.UUID,
    roles: list[str],
    email: str,
    settings: Settings,
    client_ip: str | None,
    now: datetime,
) -> schemas.SessionTokens:
    family_id = uuid.uuid4()
    family_expires = now + timedelta(days=settings.session_max_days)
    await store.create_family(
        conn, family_id=family_id, user_id=user_id, expires_at=family_expires, client_ip=client_ip
    )
    return await _issue(
        conn,
        family_id=family_id,
        family_expires=family_expires,
        user_id=user_id,
        roles=roles,
        email=email,
        settings=settings,
        now=now,
    )


async def _issue(
    conn: db.Connection,
    *,
    family_id: uuid.UUID,
    family_expires: datetime,
    user_id: uuid.UUID,
    roles: list[str],
    email: str,
    settings: Settings,
    now: datetime,
) -> schemas.SessionTokens:
    refresh, refresh_hash = tokens.new_opaque_token()
    refresh_expires = min(now + timedelta(days=settings.refresh_token_days), family_expires)
    await store.insert_refresh_token(
        conn, token_hash=refresh_hash, family_id=family_id, issued_at=now, expires_at=refresh_expires
    )
    access = await tokens.issue_access_token(
        conn,
        user_id=user_id,
        roles=roles,
        email=email,
        minutes=settings.access_token_minutes,
        passphrase=settings.signing_passphrase(),
        session_id=family_id,
    )
    return schemas.SessionTokens(
        access_token=access,
        expires_in=settings.access_token_minutes * 60,
        refresh_token=refresh,
        refresh_expires_in=int((refresh_expires - now).total_seconds()),
    )


async def refresh(
    *, conn: db.Connection, refresh_token: str, settings: Settings, client_ip: str | None
) -> schemas.SessionTokens:
    """Exchanges a refresh token (a body's or the portal's cookie, alike) for a new pair. A token used twice means a
    copy exists: the family is revoked."""
    now = utcnow()
    token_hash = tokens.hash_token(refresh_token)
    async with conn.transaction():
        row = await store.refresh_token(conn, token_hash)
        if row is not None:
            outcome = domain.refresh_outcome(
                token_expires_at=row["expires_at"],
                rotated=row["rotated_at"] is not None,
                family_revoked=row["family_revoked_at"] is not None,
                family_expires_at=row["family_expires_at"],
                account_disabled=row["disabled_at"] is not None,
                now=now,
            )
            if outcome == "rotate":
                await store.mark_rotated(conn, token_hash, now)
                return await _issue(
                    conn,
                    family_id=row["family_id"],
                    family_expires=row["family_expires_at"],
                    user_id=row["user_id"],
                    roles=list(row["roles"]),
                    email=row["primary_email"],
                    settings=settings,
                    now=now,
                )
            if outcome == "reused":
                await store.revoke_family(conn, row["family_id"], reason="refresh_token_reused", at=now)
                await repository.audit(
                    conn,
                    "session.refresh_token_reused",
                    user_id=row["user_id"],
                    client_ip=client_ip,
                    session_id=str(row["family_id"]),
                )
    raise problems.unauthorized("this refresh token is not valid any more; sign in again")


async def revoke_all(conn: db.Connection, user_id: uuid.UUID, *, reason: str, now: datetime) -> int:
    """Ends every session of the account (password changed or reset, account merged away)."""
    return await store.revoke_all(conn, user_id, reason=reason, at=now)


async def sign_out(
    *, conn: db.Connection, user_id: uuid.UUID, session_id: uuid.UUID | None, client_ip: str | None
) -> None:
    if session_id is None:
        return
    async with conn.transaction():
        if await store.revoke_family(conn, session_id, reason="signed_out", at=utcnow(), user_id=user_id):
            await repository.audit(conn, "signed_out", user_id=user_id, client_ip=client_ip, session_id=str(session_id))


async def sign_out_everywhere(*, conn: db.Connection, user_id: uuid.UUID, client_ip: str | None) -> None:
    async with conn.transaction():
        ended = await revoke_all(conn, user_id, reason="signed_out_everywhere", now=utcnow())
        await repository.audit(conn, "signed_out_everywhere", user_id=user_id, client_ip=client_ip, sessions=ended)


async def revoke_refresh_token(*, conn: db.Connection, refresh_token: str | None, client_ip: str | None) -> None:
    """Signs out the session a refresh token belongs to (a client whose access token has expired); none, or one that
    is unknown, ends nothing and is answered the same."""
    if refresh_token is None:
        return
    async with conn.transaction():
        row = await store.refresh_token(conn, tokens.hash_token(refresh_token))
        if row is not None and await store.revoke_family(conn, row["family_id"], reason="signed_out", at=utcnow()):
            await repository.audit(
                conn, "signed_out", user_id=row["user_id"], client_ip=client_ip, session_id=str(row["family_id"])
            )


async def list_sessions(
    *, conn: db.Connection, user_id: uuid.UUID, current: uuid.UUID | None
) -> list[schemas.SessionInfo]:
    rows = await store.live_sessions(conn, user_id, utcnow())
    return [
        schemas.SessionInfo(
            id=r["id"],
            created_at=r["created_at"],
            expires_at=r["expires_at"],
            last_refreshed_at=r["last_refreshed_at"],
            client_ip=r["client_ip"],
            current=r["id"] == current,
        )
        for r in rows
    ]


async def end_session(*, conn: db.Connection, user_id: uuid.UUID, session_id: uuid.UUID, client_ip: str | None) -> None:
    async with conn.transaction():
        if not await store.revoke_family(conn, session_id, reason="signed_out", at=utcnow(), user_id=user_id):
            raise errors.NotFound(None, "session not found")
        await repository.audit(conn, "signed_out", user_id=user_id, client_ip=client_ip, session_id=str(session_id))
