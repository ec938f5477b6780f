"""A learner's password: change it (knowing the current one), reset it with a link sent to an address that may sign
in, and the help desk sending such a link."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg

from identity import (
    domain,
    passwords,
    problems,
    repository,
    schemas,
    service,
    sessions,
    signin,
    throttle,
    tokens,
)
from identity import links_repository as links
from identity.config import SERVICE, Settings
from opencme_contracts import events
from opencme_kit import db, errors, outbox
from opencme_kit.clock import utcnow

RESET_EMAIL = "password_reset.email"
RESET_IP = "password_reset.ip"


async def change_password(
    *,
    conn: db.Connection,
    user_id: uuid.UUID,
    request: schemas.PasswordChange,
    settings: Settings,
    client_ip: str | None,
) -> schemas.SessionTokens:
    """Needs the current password (throttled like sign-in); ends every session and starts a new one for the caller."""
    row = await service.account(conn, user_id)
    if row["disabled_at"] is not None:
        raise errors.NotFound(None, "account not found")
    now = utcnow()
    hit_ids = await signin.count_password_attempt(
        conn, user_id=user_id, email=None, client_ip=client_ip, settings=settings, now=now
    )
    if not await passwords.verify_password(row["password_hash"], request.current_password):
        await repository.audit(conn, "password.change_failed", user_id=user_id, client_ip=client_ip)
        raise errors.Forbidden("current_password", "is not correct")
    domain.check_password(
        request.new_password,
        email=row["primary_email"],
        names=(row["first_name"], row["last_name"]),
        field="new_password",
    )
    new_hash = await passwords.hash_password(request.new_password)
    async with conn.transaction():
        await throttle.forgive(conn, hit_ids)
        await repository.set_password(conn, user_id, new_hash)
        await links.invalidate_tokens(conn, user_id, "password_reset", now)
        ended = await sessions.revoke_all(conn, user_id, reason="password_changed", now=now)
        await repository.audit(conn, "password.changed", user_id=user_id, client_ip=client_ip, sessions_ended=ended)
        return await sessions.start_session(
            conn,
            user_id=user_id,
            roles=list(row["roles"]),
            email=row["primary_email"],
            settings=settings,
            client_ip=client_ip,
            now=now,
        )


async def request_password_reset(
    *,
    conn: db.Connection,
    email: str,
    settings: Settings,
    client_ip: str | None,
    actor_id: uuid.UUID | None = None,
) -> None:
    """Always the same answer to the caller; the email itself says whether an account was found. Links go only to
    addresses that may sign in (verified, or the sign-up address): an unconfirmed address may be someone else's."""
    email = domain.normalise_email(email)
    now = utcnow()
    window = timedelta(seconds=settings.reset_window_seconds)
    checks = [(throttle.Limit(RESET_EMAIL, settings.reset_email_limit, window), email)]
    if client_ip and actor_id is None:
        checks.append((throttle.Limit(RESET_IP, settings.reset_ip_limit, window), client_ip))
    async with conn.transaction():
        if actor_id is None:  # the help desk sending a link is not throttled, but audited
            try:
                await throttle.count(conn, checks, now=now)
            except throttle.Throttled as exc:
                raise problems.throttled(exc.retry_after, "password reset requests") from exc
        found = await repository.credentials_for(conn, email)
        user_id = found["id"] if found is not None and _may_receive_reset_link(email, found) else None
        reset_url = expires_at = None
        if user_id is not None:
            # Only the newest link works: an older one in the mailbox cannot be used by whoever finds it later.
            await links.invalidate_tokens(conn, user_id, "password_reset", now)
            token, token_hash = tokens.new_opaque_token()
            expires_at = now + timedelta(minutes=settings.reset_token_minutes)
            await links.insert_token(
                conn,
                token_hash=token_hash,
                purpose="password_reset",
                user_id=user_id,
                email=email,
                expires_at=expires_at,
            )
            reset_url = f"{settings.portal_url}/reset-password?token={token}"
        await repository.audit(
            conn,
            "password_reset.requested",
            user_id=user_id,
            email=email,
            client_ip=client_ip,
            actor_id=actor_id,
            account_found=user_id is not None,
        )
        await outbox.emit(
            conn,
            events.PasswordResetRequested(
                email=email,
                user_id=user_id,
                reset_url=reset_url,
                expires_at=expires_at,
                requested_at=now,
            ),
            producer=SERVICE,
            subject=email,
        )


def _may_receive_reset_link(email: str, found: asyncpg.Record) -> bool:
    """An active account, and an address of it that may sign in (an unconfirmed one may be someone else's)."""
    address = domain.EmailAddress(email, found["is_primary"], found["verified"])
    return found["disabled_at"] is None and domain.may_sign_in_with(address)


async def confirm_password_reset(*, conn: db.Connection, request: schemas.ResetConfirm, client_ip: str | None) -> None:
    """Sets the new password and ends every session: whoever knew the old password is signed out everywhere."""
    now = utcnow()
    async with conn.transaction():
        used = await links.use_token(
            conn, token_hash=tokens.hash_token(request.token), purpose="password_reset", now=now
        )
        if used is None:
            raise problems.link_not_valid("this reset link is invalid, already used or expired; ask for a new one")
        row = await service.account(conn, used["user_id"])
        # A refusal rolls back: the link still works for a better password. (Its field is "password", as it always
        # was, although the request calls it new_password.)
        domain.check_password(request.new_password, email=used["email"], names=(row["first_name"], row["last_name"]))
        await repository.set_password(conn, used["user_id"], await passwords.hash_password(request.new_password))
        await links.invalidate_tokens(conn, used["user_id"], "password_reset", now)
        ended = await sessions.revoke_all(conn, used["user_id"], reason="password_reset", now=now)
        await throttle.clear(conn, signin.SIGN_IN_ACCOUNT, str(used["user_id"]))
        await repository.audit(
            conn,
            "password_reset.completed",
            user_id=used["user_id"],
            email=used["email"],
            client_ip=client_ip,
            sessions_ended=ended,
        )


async def send_reset_link(
    *, conn: db.Connection, user_id: uuid.UUID, actor_id: uuid.UUID, settings: Settings, client_ip: str | None
) -> str:
    """The help desk sends a reset link to the account's primary address (audited, not throttled); returns it."""
    email = (await service.account(conn, user_id))["primary_email"]
    if email is None:  # merged away: its addresses belong to the survivor now
        raise errors.NotFound(None, "active account not found")
    await request_password_reset(conn=conn, email=email, settings=settings, client_ip=client_ip, actor_id=actor_id)
    return str(email)
