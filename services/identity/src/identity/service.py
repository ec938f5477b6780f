"""Identity's account use cases: sign up, see and edit a profile, verify an address by its link, the first admin.
Each is one transaction, the state change and its event together.

The others, by area: signin.py and sessions.py (signing in, tokens), credentials.py (passwords), emails.py (a
learner's addresses), support.py, merges.py and admin.py (the help desk and admins), organisation.py (the
organisation's settings), housekeeping.py (the worker)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from identity import domain, passwords, problems, repository, schemas, throttle, tokens
from identity import links_repository as links
from identity.config import SERVICE, Settings
from opencme_contracts import events
from opencme_kit import db, errors, outbox
from opencme_kit.clock import utcnow
from opencme_kit.roles import Role

SIGN_UP_IP = "sign_up.ip"


def learner_profile(row: asyncpg.Record) -> events.LearnerProfile:
    return events.LearnerProfile(
        **{c: row[c] for c in repository.EVENT_PROFILE_COLUMNS},
        primary_email=row["primary_email"],
        verified_emails=tuple(row["verified_emails"]),
    )


def email_infos(rows: Sequence[asyncpg.Record]) -> list[schemas.EmailInfo]:
    return [
        schemas.EmailInfo(
            email=r["email"],
            primary=r["is_primary"],
            verified=r["verified_at"] is not None,
            verified_at=r["verified_at"],
            added_at=r["added_at"],
        )
        for r in rows
    ]


def to_profile(row: asyncpg.Record, email_rows: Sequence[asyncpg.Record] = ()) -> schemas.Profile:
    return schemas.Profile(
        id=row["id"],
        email=row["primary_email"],
        emails=list(row["emails"]),
        roles=list(row["roles"]),
        profile_version=row["profile_version"],
        status="merged" if row["disabled_at"] else "active",
        merged_into=row["merged_into"],
        email_addresses=email_infos(email_rows),
        **{c: row[c] for c in repository.PROFILE_COLUMNS},
    )


async def account(conn: db.Connection, user_id: uuid.UUID, *, for_update: bool = False) -> asyncpg.Record:
    """The account's row, or the 404 a client sees for an account that does not exist."""
    row = await repository.get_user(conn, user_id, for_update=for_update)
    if row is None:
        raise errors.NotFound(None, "account not found")
    return row


async def publish_profile(
    conn: db.Connection, user_id: uuid.UUID, now: datetime, *, version: int | None = None
) -> asyncpg.Record:
    """Every change to what LearnerProfile carries goes out as profile.updated with the whole profile and a higher
    version; call in the transaction of the change (bumps the version unless the change already did)."""
    if version is None:
        version = await repository.bump_profile_version(conn, user_id, now)
    row = await account(conn, user_id)
    await outbox.emit(
        conn,
        events.ProfileUpdated(user_id=user_id, profile=learner_profile(row), version=version, effective_at=now),
        producer=SERVICE,
        subject=user_id,
    )
    return row


async def sign_up(
    *,
    conn: db.Connection,
    request: schemas.SignUp,
    settings: Settings,
    roles: tuple[Role, ...] = (Role.LEARNER,),
    client_ip: str | None = None,
) -> schemas.Profile:
    email = domain.normalise_email(str(request.email))
    domain.check_password(request.password, email=email, names=(request.first_name, request.last_name))
    if client_ip:
        await _count_sign_up(conn, email=email, client_ip=client_ip, settings=settings)
    password_hash = await passwords.hash_password(request.password)
    user_id = uuid.uuid4()
    profile = request.model_dump(include=set(repository.PROFILE_COLUMNS))
    verify_token, verify_hash = tokens.new_opaque_token()
    async with conn.transaction():
        await repository.insert_user(
            conn, user_id=user_id, password_hash=password_hash, profile=profile, roles=[str(r) for r in roles]
        )
        now = utcnow()
        if released_from := await repository.release_unverified(conn, email, now=now):
            await repository.audit(conn, "email.released", user_id=released_from, email=email, claimed_by=str(user_id))
        if not await repository.insert_email(conn, user_id=user_id, email=email, primary=True):
            raise domain.EmailTaken(
                "email",
                "already registered",
                detail="an account already uses this email; sign in, or reset its password",
            )
        await links.insert_token(
            conn,
            token_hash=verify_hash,
            purpose="verify_email",
            user_id=user_id,
            email=email,
            expires_at=now + timedelta(hours=settings.verify_token_hours),
        )
        await repository.audit(conn, "user.registered", user_id=user_id, email=email, client_ip=client_ip)
        row = await account(conn, user_id)
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


async def _count_sign_up(conn: db.Connection, *, email: str, client_ip: str, settings: Settings) -> None:
    """Counted before the password is hashed, so a burst of sign-ups costs no hashing once the limit is spent."""
    limit = throttle.Limit(SIGN_UP_IP, settings.signup_ip_limit, timedelta(seconds=settings.signup_window_seconds))
    try:
        async with conn.transaction():
            await throttle.count(conn, [(limit, client_ip)], now=utcnow())
    except throttle.Throttled as exc:
        await repository.audit(conn, "sign_up.throttled", email=email, client_ip=client_ip)
        raise problems.throttled(exc.retry_after, "sign-ups from this address") from exc


async def get_profile(*, conn: db.Connection, user_id: uuid.UUID) -> schemas.Profile:
    return to_profile(await account(conn, user_id), await repository.list_emails(conn, user_id))


async def profile_for(*, conn: db.Connection, viewer: domain.Account, user_id: uuid.UUID) -> schemas.Profile:
    """One's own profile, or anyone's for the help desk and admins."""
    if viewer.id != user_id and not viewer.has_any(Role.SUPPORT, Role.ADMIN):
        raise errors.Forbidden(None, "you may only see your own profile")
    return await get_profile(conn=conn, user_id=user_id)


async def update_profile(*, conn: db.Connection, user_id: uuid.UUID, request: schemas.ProfileUpdate) -> schemas.Profile:
    """Replaces the profile; an edit that changes nothing publishes nothing and keeps the version."""
    wanted = request.model_dump(include=set(repository.PROFILE_COLUMNS))
    async with conn.transaction():
        row = await account(conn, user_id, for_update=True)
        if any(row[c] != wanted.get(c) for c in repository.PROFILE_COLUMNS):
            now = utcnow()
            version = await repository.update_profile(conn, user_id, wanted, now)
            row = await publish_profile(conn, user_id, now, version=version)
        email_rows = await repository.list_emails(conn, user_id)
    return to_profile(row, email_rows)


async def verify_email(*, conn: db.Connection, token: str) -> None:
    now = utcnow()
    async with conn.transaction():
        used = await links.use_token(conn, token_hash=tokens.hash_token(token), purpose="verify_email", now=now)
        if used is None:
            raise problems.link_not_valid("this verification link is invalid, already used or expired")
        if await repository.mark_email_verified(conn, email=used["email"], user_id=used["user_id"], now=now):
            await repository.audit(conn, "email.verified", user_id=used["user_id"], email=used["email"])
            await outbox.emit(
                conn,
                events.EmailVerified(user_id=used["user_id"], email=used["email"], verified_at=now),
                producer=SERVICE,
                subject=used["user_id"],
            )
            await publish_profile(conn, used["user_id"], now)  # verified_emails changed


async def bootstrap_admin(pool: db.Pool, settings: Settings) -> None:
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
        with contextlib.suppress(domain.EmailTaken):  # another process created it at the same moment
            await sign_up(conn=conn, request=request, settings=settings, roles=(Role.LEARNER, Role.ADMIN))
