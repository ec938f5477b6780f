"""Sign-in, refresh, sign-out: session families of rotating refresh tokens, throttled password checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from identity import domain, errors, passwords, repository, schemas, throttle, tokens
from identity import repository_sessions as store
from identity.config import Settings
from opencme_kit.problems import Problem, not_found

SIGN_IN_ACCOUNT = "sign_in.account"
SIGN_IN_IP = "sign_in.ip"


def utcnow() -> datetime:
    return datetime.now(UTC)


def sign_in_limits(settings: Settings) -> tuple[throttle.Limit, throttle.Limit]:
    window = timedelta(seconds=settings.signin_window_seconds)
    return (
        throttle.Limit(SIGN_IN_ACCOUNT, settings.signin_account_limit, window),
        throttle.Limit(SIGN_IN_IP, settings.signin_ip_limit, window),
    )


async def count_password_attempt(
    conn: asyncpg.Connection,
    *,
    user_id: uuid.UUID | None,
    email: str | None,
    client_ip: str | None,
    settings: Settings,
    now: datetime,
) -> list[int]:
    """Counts a password check before it is made, per account (per typed email when there is no account) and per
    client address; 429 when either is spent."""
    account_limit, ip_limit = sign_in_limits(settings)
    checks = [(account_limit, str(user_id) if user_id else f"email:{email}")]
    checks += [(ip_limit, client_ip)] if client_ip else []
    try:
        async with conn.transaction():
            return await throttle.count(conn, checks, now=now)
    except throttle.Throttled as exc:
        await repository.audit(
            conn, "sign_in.throttled", user_id=user_id, email=email, client_ip=client_ip, scope=exc.scope
        )
        raise errors.throttled(exc.retry_after, "sign-in attempts") from exc


async def sign_in(
    *, conn: asyncpg.Connection, request: schemas.SignIn, settings: Settings, client_ip: str | None
) -> schemas.SessionTokens:
    email = domain.normalise_email(request.email)
    now = utcnow()
    found = await repository.credentials_for(conn, email)
    active = found is not None and found["disabled_at"] is None
    # Throttled per account (all its emails count together), or per email when there is no account: the same limits
    # either way, so a 429 says nothing about whether the address has an account.
    hit_ids = await count_password_attempt(
        conn, user_id=found["id"] if active else None, email=email, client_ip=client_ip, settings=settings, now=now
    )
    # Unknown emails are checked against a dummy hash: the answer takes as long and says the same.
    valid = await passwords.verify_password(found["password_hash"] if active else None, request.password)
    if not valid:
        await repository.audit(
            conn,
            "sign_in.failed",
            user_id=found["id"] if found else None,
            email=email,
            client_ip=client_ip,
            reason="bad_password" if active else "unknown_email",
        )
        raise errors.sign_in_failed()
    if not domain.may_sign_in_with(domain.EmailAddress(email, found["is_primary"], found["verified"])):
        async with conn.transaction():
            await throttle.forgive(conn, hit_ids)
            await repository.audit(
                conn,
                "sign_in.failed",
                user_id=found["id"],
                email=email,
                client_ip=client_ip,
                reason="email_not_verified",
            )
        # Only someone who knows the password learns this, so it may be said plainly.
        raise Problem(
            403,
            "Email not verified",
            "confirm this address with the link sent to it, or sign in with your primary email",
            errors=[{"field": "email", "reason": "not verified yet"}],
        )
    async with conn.transaction():
        await throttle.forgive(conn, hit_ids)
        await throttle.clear(conn, SIGN_IN_ACCOUNT, str(found["id"]))
        issued = await start_session(
            conn,
            user_id=found["id"],
            roles=list(found["roles"]),
            email=found["primary_email"],
            settings=settings,
            client_ip=client_ip,
            now=now,
        )
        await repository.audit(conn, "sign_in.succeeded", user_id=found["id"], email=email, client_ip=client_ip)
    if passwords.needs_rehash(found["password_hash"]):
        await repository.set_password(conn, found["id"], await passwords.hash_password(request.password))
    return issued


async def start_session(
    conn: asyncpg.Connection,
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
    conn: asyncpg.Connection,
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
    *, conn: asyncpg.Connection, request: schemas.RefreshRequest, settings: Settings, client_ip: str | None
) -> schemas.SessionTokens:
    """Exchanges a refresh token for a new pair. A token used twice means a copy exists: the family is revoked."""
    now = utcnow()
    async with conn.transaction():
        row = await store.refresh_token(conn, tokens.hash_token(request.refresh_token))
        if row is None:
            outcome = "unknown"
        else:
            outcome = domain.refresh_outcome(
                token_expires_at=row["expires_at"],
                rotated=row["rotated_at"] is not None,
                family_revoked=row["family_revoked_at"] is not None,
                family_expires_at=row["family_expires_at"],
                account_disabled=row["disabled_at"] is not None,
                now=now,
            )
        if outcome == "rotate":
            await store.mark_rotated(conn, tokens.hash_token(request.refresh_token), now)
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
    raise errors.unauthorized("this refresh token is not valid any more; sign in again")


async def revoke_all(conn: asyncpg.Connection, user_id: uuid.UUID, *, reason: str, now: datetime) -> int:
    """Ends every session of the account (password changed or reset, account merged away)."""
    return await store.revoke_all(conn, user_id, reason=reason, at=now)


async def sign_out(
    *, conn: asyncpg.Connection, user_id: uuid.UUID, session_id: uuid.UUID | None, client_ip: str | None
) -> None:
    if session_id is None:
        return
    async with conn.transaction():
        if await store.revoke_family(conn, session_id, reason="signed_out", at=utcnow(), user_id=user_id):
            await repository.audit(conn, "signed_out", user_id=user_id, client_ip=client_ip, session_id=str(session_id))


async def sign_out_everywhere(*, conn: asyncpg.Connection, user_id: uuid.UUID, client_ip: str | None) -> None:
    async with conn.transaction():
        ended = await revoke_all(conn, user_id, reason="signed_out_everywhere", now=utcnow())
        await repository.audit(conn, "signed_out_everywhere", user_id=user_id, client_ip=client_ip, sessions=ended)


async def revoke_refresh_token(
    *, conn: asyncpg.Connection, request: schemas.RefreshRequest, client_ip: str | None
) -> None:
    """Signs out the session a refresh token belongs to (a client whose access token has expired)."""
    async with conn.transaction():
        row = await store.refresh_token(conn, tokens.hash_token(request.refresh_token))
        if row is not None and await store.revoke_family(conn, row["family_id"], reason="signed_out", at=utcnow()):
            await repository.audit(
                conn, "signed_out", user_id=row["user_id"], client_ip=client_ip, session_id=str(row["family_id"])
            )


async def list_sessions(
    *, conn: asyncpg.Connection, user_id: uuid.UUID, current: uuid.UUID | None
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


async def end_session(
    *, conn: asyncpg.Connection, user_id: uuid.UUID, session_id: uuid.UUID, client_ip: str | None
) -> None:
    async with conn.transaction():
        if not await store.revoke_family(conn, session_id, reason="signed_out", at=utcnow(), user_id=user_id):
            raise not_found("session")
        await repository.audit(conn, "signed_out", user_id=user_id, client_ip=client_ip, session_id=str(session_id))
