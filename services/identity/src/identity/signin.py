"""Signing in with an email and a password: throttled before the password is checked, the same answer for an unknown
email as for a wrong password, and a new session (sessions.py) when it is right."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from identity import domain, passwords, problems, repository, schemas, sessions, throttle
from identity.config import Settings
from opencme_kit import db
from opencme_kit.clock import utcnow

SIGN_IN_ACCOUNT = "sign_in.account"
SIGN_IN_IP = "sign_in.ip"


def sign_in_limits(settings: Settings) -> tuple[throttle.Limit, throttle.Limit]:
    window = timedelta(seconds=settings.signin_window_seconds)
    return (
        throttle.Limit(SIGN_IN_ACCOUNT, settings.signin_account_limit, window),
        throttle.Limit(SIGN_IN_IP, settings.signin_ip_limit, window),
    )


async def count_password_attempt(
    conn: db.Connection,
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
        raise problems.throttled(exc.retry_after, "sign-in attempts") from exc


async def sign_in(
    *, conn: db.Connection, request: schemas.SignIn, settings: Settings, client_ip: str | None
) -> schemas.SessionTokens:
    email = domain.normalise_email(request.email)
    now = utcnow()
    found = await repository.credentials_for(conn, email)
    active = found if found is not None and found["disabled_at"] is None else None
    # Throttled per account (all its emails count together), or per email when there is no account: the same limits
    # either way, so a 429 says nothing about whether the address has an account.
    hit_ids = await count_password_attempt(
        conn, user_id=active["id"] if active else None, email=email, client_ip=client_ip, settings=settings, now=now
    )
    # Unknown emails are checked against a dummy hash: the answer takes as long and says the same.
    valid = await passwords.verify_password(active["password_hash"] if active else None, request.password)
    if active is None or not valid:
        await repository.audit(
            conn,
            "sign_in.failed",
            user_id=found["id"] if found else None,
            email=email,
            client_ip=client_ip,
            reason="bad_password" if active else "unknown_email",
        )
        raise problems.sign_in_failed()
    if not domain.may_sign_in_with(domain.EmailAddress(email, active["is_primary"], active["verified"])):
        async with conn.transaction():
            await throttle.forgive(conn, hit_ids)
            await repository.audit(
                conn,
                "sign_in.failed",
                user_id=active["id"],
                email=email,
                client_ip=client_ip,
                reason="email_not_verified",
            )
        # Only someone who knows the password learns this, so it may be said plainly.
        raise domain.EmailNotVerified(
            "email",
            "not verified yet",
            detail="confirm this address with the link sent to it, or sign in with your primary email",
        )
    async with conn.transaction():
        await throttle.forgive(conn, hit_ids)
        await throttle.clear(conn, SIGN_IN_ACCOUNT, str(active["id"]))
        issued = await sessions.start_session(
            conn,
            user_id=active["id"],
            roles=list(active["roles"]),
            email=active["primary_email"],
            settings=settings,
            client_ip=client_ip,
            now=now,
        )
        await repository.audit(conn, "sign_in.succeeded", user_id=active["id"], email=email, client_ip=client_ip)
    if passwords.needs_rehash(active["password_hash"]):
        await repository.set_password(conn, active["id"], await passwords.hash_password(request.password))
    return issued
