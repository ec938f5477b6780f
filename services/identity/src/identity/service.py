"""Identity's account use cases: each one transaction, state change and event together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from identity import domain, errors, passwords, repository, schemas, sessions, throttle, tokens
from identity.config import SERVICE, Settings
from opencme_contracts import events
from opencme_kit import outbox
from opencme_kit.problems import Problem, field_problem, not_found

RESET_EMAIL = "password_reset.email"
RESET_IP = "password_reset.ip"
SIGN_UP_IP = "sign_up.ip"


def utcnow() -> datetime:
    return datetime.now(UTC)


def learner_profile(row: asyncpg.Record) -> events.LearnerProfile:
    return events.LearnerProfile(
        **{c: row[c] for c in repository.EVENT_PROFILE_COLUMNS},
        primary_email=row["primary_email"],
        verified_emails=tuple(row["verified_emails"]),
    )


def to_profile(row: asyncpg.Record, email_rows: list[asyncpg.Record] = ()) -> schemas.Profile:
    return schemas.Profile(
        id=row["id"],
        email=row["primary_email"],
        emails=list(row["emails"]),
        roles=list(row["roles"]),
        profile_version=row["profile_version"],
        status="merged" if row["disabled_at"] else "active",
        merged_into=row["merged_into"],
        email_addresses=[
            schemas.EmailInfo(
                email=e["email"],
                primary=e["is_primary"],
                verified=e["verified_at"] is not None,
                verified_at=e["verified_at"],
                added_at=e["added_at"],
            )
            for e in email_rows
        ],
        **{c: row[c] for c in repository.PROFILE_COLUMNS},
    )


async def publish_profile(
    conn: asyncpg.Connection, user_id: uuid.UUID, now: datetime, *, version: int | None = None
) -> asyncpg.Record:
    """Every change to what LearnerProfile carries goes out as profile.updated with the whole profile and a higher
    version; call in the transaction of the change (bumps the version unless the change already did)."""
    if version is None:
        version = await repository.bump_profile_version(conn, user_id, now)
    row = await repository.get_user(conn, user_id)
    await outbox.emit(
        conn,
        events.ProfileUpdated(user_id=user_id, profile=learner_profile(row), version=version, effective_at=now),
        producer=SERVICE,
        subject=user_id,
    )
    return row


async def sign_up(
    *,
    conn: asyncpg.Connection,
    request: schemas.SignUp,
    settings: Settings,
    roles: tuple[str, ...] = ("learner",),
    client_ip: str | None = None,
) -> schemas.Profile:
    email = domain.normalise_email(str(request.email))
    try:
        domain.check_password(request.password, email=email, names=(request.first_name, request.last_name))
    except domain.PolicyViolation as violation:
        raise errors.invalid(violation) from violation
    if client_ip:
        await _count_sign_up(conn, email=email, client_ip=client_ip, settings=settings)
    password_hash = await passwords.hash_password(request.password)
    user_id = uuid.uuid4()
    profile = request.model_dump(include=set(repository.PROFILE_COLUMNS))
    verify_token, verify_hash = tokens.new_opaque_token()
    async with conn.transaction():
        await repository.insert_user(
            conn, user_id=user_id, password_hash=password_hash, profile=profile, roles=list(roles)
        )
        now = utcnow()
        if released_from := await repository.release_unverified(conn, email, now=now):
            await repository.audit(conn, "email.released", user_id=released_from, email=email, claimed_by=str(user_id))
        if not await repository.insert_email(conn, user_id=user_id, email=email, primary=True):
            raise Problem(
                409,
                "Email already registered",
                "an account already uses this email; sign in, or reset its password",
                errors=[{"field": "email", "reason": "already registered"}],
            )
        await repository.insert_token(
            conn,
            token_hash=verify_hash,
            purpose="verify_email",
            user_id=user_id,
            email=email,
            expires_at=now + timedelta(hours=settings.verify_token_hours),
        )
        await repository.audit(conn, "user.registered", user_id=user_id, email=email, client_ip=client_ip)
        row = await repository.get_user(conn, user_id)
        await outbox.emit(
            conn,
            events.UserRegistered(
                user_id=user_id,
                profile=learner_profile(row),
                profile_version=row["profile_version"],
                registered_at=now,
                verify_email_url=f"{settings.portal_url}/verify-email?token={verify_token}",
            ),
            producer=SERVICE,
            subject=user_id,
        )
        email_rows = await repository.list_emails(conn, user_id)
    return to_profile(row, email_rows)


async def _count_sign_up(conn: asyncpg.Connection, *, email: str, client_ip: str, settings: Settings) -> None:
    """Counted before the password is hashed, so a burst of sign-ups costs no hashing once the limit is spent."""
    limit = throttle.Limit(SIGN_UP_IP, settings.signup_ip_limit, timedelta(seconds=settings.signup_window_seconds))
    try:
        async with conn.transaction():
            await throttle.count(conn, [(limit, client_ip)], now=utcnow())
    except throttle.Throttled as exc:
        await repository.audit(conn, "sign_up.throttled", email=email, client_ip=client_ip)
        raise errors.throttled(exc.retry_after, "sign-ups from this address") from exc


async def get_profile(*, conn: asyncpg.Connection, user_id: uuid.UUID) -> schemas.Profile:
    row = await repository.get_user(conn, user_id)
    if row is None:
        raise not_found("account")
    return to_profile(row, await repository.list_emails(conn, user_id))


async def update_profile(
    *, conn: asyncpg.Connection, user_id: uuid.UUID, request: schemas.ProfileUpdate
) -> schemas.Profile:
    """Replaces the profile; an edit that changes nothing publishes nothing and keeps the version."""
    wanted = request.model_dump(include=set(repository.PROFILE_COLUMNS))
    async with conn.transaction():
        row = await repository.get_user(conn, user_id, for_update=True)
        if row is None:
            raise not_found("account")
        if any(row[c] != wanted.get(c) for c in repository.PROFILE_COLUMNS):
            now = utcnow()
            version = await repository.update_profile(conn, user_id, wanted, now)
            row = await publish_profile(conn, user_id, now, version=version)
        email_rows = await repository.list_emails(conn, user_id)
    return to_profile(row, email_rows)


async def change_password(
    *,
    conn: asyncpg.Connection,
    user_id: uuid.UUID,
    request: schemas.PasswordChange,
    settings: Settings,
    client_ip: str | None,
) -> schemas.SessionTokens:
    """Needs the current password (throttled like sign-in); ends every session and starts a new one for the caller."""
    row = await repository.get_user(conn, user_id)
    if row is None or row["disabled_at"] is not None:
        raise not_found("account")
    now = utcnow()
    hit_ids = await sessions.count_password_attempt(
        conn, user_id=user_id, email=None, client_ip=client_ip, settings=settings, now=now
    )
    if not await passwords.verify_password(row["password_hash"], request.current_password):
        await repository.audit(conn, "password.change_failed", user_id=user_id, client_ip=client_ip)
        raise field_problem("current_password", "is not correct", status=403, title="Forbidden")
    try:
        domain.check_password(
            request.new_password, email=row["primary_email"], names=(row["first_name"], row["last_name"])
        )
    except domain.PolicyViolation as violation:
        raise field_problem("new_password", violation.reason) from violation
    new_hash = await passwords.hash_password(request.new_password)
    async with conn.transaction():
        await throttle.forgive(conn, hit_ids)
        await repository.set_password(conn, user_id, new_hash)
        await repository.invalidate_tokens(conn, user_id, "password_reset", now)
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
    conn: asyncpg.Connection,
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
                raise errors.throttled(exc.retry_after, "password reset requests") from exc
        found = await repository.credentials_for(conn, email)
        may_reset = (
            found is not None
            and found["disabled_at"] is None
            and domain.may_sign_in_with(domain.EmailAddress(email, found["is_primary"], found["verified"]))
        )
        user_id = found["id"] if may_reset else None
        reset_url = expires_at = None
        if user_id is not None:
            # Only the newest link works: an older one in the mailbox cannot be used by whoever finds it later.
            await repository.invalidate_tokens(conn, user_id, "password_reset", now)
            token, token_hash = tokens.new_opaque_token()
            expires_at = now + timedelta(minutes=settings.reset_token_minutes)
            await repository.insert_token(
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


async def confirm_password_reset(
    *, conn: asyncpg.Connection, request: schemas.ResetConfirm, client_ip: str | None
) -> None:
    """Sets the new password and ends every session: whoever knew the old password is signed out everywhere."""
    now = utcnow()
    async with conn.transaction():
        used = await repository.use_token(
            conn, token_hash=tokens.hash_token(request.token), purpose="password_reset", now=now
        )
        if used is None:
            raise field_problem(
                "token", "this reset link is invalid, already used or expired; ask for a new one", status=400
            )
        row = await repository.get_user(conn, used["user_id"])
        try:
            domain.check_password(
                request.new_password, email=used["email"], names=(row["first_name"], row["last_name"])
            )
        except domain.PolicyViolation as violation:
            raise errors.invalid(violation) from violation  # rolls back: the link still works for a better password
        await repository.set_password(conn, used["user_id"], await passwords.hash_password(request.new_password))
        await repository.invalidate_tokens(conn, used["user_id"], "password_reset", now)
        ended = await sessions.revoke_all(conn, used["user_id"], reason="password_reset", now=now)
        await throttle.clear(conn, sessions.SIGN_IN_ACCOUNT, str(used["user_id"]))
        await repository.audit(
            conn,
            "password_reset.completed",
            user_id=used["user_id"],
            email=used["email"],
            client_ip=client_ip,
            sessions_ended=ended,
        )


async def verify_email(*, conn: asyncpg.Connection, token: str) -> None:
    now = utcnow()
    async with conn.transaction():
        used = await repository.use_token(conn, token_hash=tokens.hash_token(token), purpose="verify_email", now=now)
        if used is None:
            raise field_problem("token", "this verification link is invalid, already used or expired", status=400)
        if await repository.mark_email_verified(conn, email=used["email"], user_id=used["user_id"], now=now):
            await repository.audit(conn, "email.verified", user_id=used["user_id"], email=used["email"])
            await outbox.emit(
                conn,
                events.EmailVerified(user_id=used["user_id"], email=used["email"], verified_at=now),
                producer=SERVICE,
                subject=used["user_id"],
            )
            await publish_profile(conn, used["user_id"], now)  # verified_emails changed


async def bootstrap_admin(pool: asyncpg.Pool, settings: Settings) -> None:
    """Create the configured first admin when no account has that email yet. An existing account with that email is
    left as it is: it may have been registered by someone else, and only an admin grants roles."""
    async with pool.acquire() as conn:
        await tokens.ensure_signing_key(conn, passphrase=settings.signing_passphrase())
        if not (settings.bootstrap_admin_email and settings.bootstrap_admin_password):
            return
        if await repository.email_owner(conn, domain.normalise_email(settings.bootstrap_admin_email)):
            return
        request = schemas.SignUp(
            email=settings.bootstrap_admin_email,
            password=settings.bootstrap_admin_password,
            first_name="Portal",
            last_name="Administrator",
        )
        try:
            await sign_up(conn=conn, request=request, settings=settings, roles=("learner", "admin"))
        except Problem as problem:
            if problem.status != 409:  # another process created it at the same moment
                raise


async def purge_expired(conn: asyncpg.Connection, settings: Settings) -> dict[str, Any]:
    """Housekeeping: throttle rows past every window, and tokens and sessions long dead."""
    now = utcnow()
    longest = max(
        settings.signin_window_seconds,
        settings.reset_window_seconds,
        settings.signup_window_seconds,
        settings.verification_email_window_seconds,
    )
    hits = await throttle.purge(conn, older_than=now - timedelta(seconds=longest))
    long_ago = now - timedelta(days=30)
    links = await conn.execute("DELETE FROM one_time_tokens WHERE expires_at < $1", long_ago)
    async with conn.transaction():
        await conn.execute(
            "DELETE FROM refresh_tokens WHERE family_id IN (SELECT id FROM session_families WHERE expires_at < $1)",
            long_ago,
        )
        families = await conn.execute("DELETE FROM session_families WHERE expires_at < $1", long_ago)
    return {
        "throttle_hits": hits,
        "one_time_tokens": int(links.split()[-1]),
        "session_families": int(families.split()[-1]),
    }
