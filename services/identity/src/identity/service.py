"""Identity use cases: each one transaction, state change and event together."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from identity import domain, passwords, repository, schemas, tokens
from identity.config import SERVICE, Settings
from identity.kit import outbox
from identity.kit.problems import Problem, field_problem, not_found
from opencme_contracts import events


def utcnow() -> datetime:
    return datetime.now(UTC)


def _policy(violation: domain.PolicyViolation) -> Problem:
    return field_problem(violation.field, violation.reason)


def learner_profile(row: asyncpg.Record) -> events.LearnerProfile:
    return events.LearnerProfile(**{c: row[c] for c in repository.PROFILE_COLUMNS}, primary_email=row["primary_email"],
                                 verified_emails=tuple(row["verified_emails"]))


def to_profile(row: asyncpg.Record) -> schemas.Profile:
    return schemas.Profile(id=row["id"], email=row["primary_email"], emails=list(row["emails"]),
                           roles=list(row["roles"]), profile_version=row["profile_version"],
                           **{c: row[c] for c in repository.PROFILE_COLUMNS})


async def sign_up(*, conn: asyncpg.Connection, request: schemas.SignUp, settings: Settings,
                  roles: tuple[str, ...] = ("learner",), client_ip: str | None = None) -> schemas.Profile:
    email = domain.normalise_email(str(request.email))
    try:
        domain.check_password(request.password, email=email, names=(request.first_name, request.last_name))
    except domain.PolicyViolation as violation:
        raise _policy(violation) from violation
    password_hash = await passwords.hash_password(request.password)
    user_id = uuid.uuid4()
    profile = request.model_dump(include=set(repository.PROFILE_COLUMNS))
    verify_token, verify_hash = tokens.new_opaque_token()
    async with conn.transaction():
        await repository.insert_user(conn, user_id=user_id, password_hash=password_hash, profile=profile,
                                     roles=list(roles))
        if not await repository.insert_email(conn, user_id=user_id, email=email, primary=True):
            raise Problem(409, "Email already registered",
                          "an account already uses this email; sign in, or reset its password",
                          errors=[{"field": "email", "reason": "already registered"}])
        now = utcnow()
        await repository.insert_token(conn, token_hash=verify_hash, purpose="verify_email", user_id=user_id,
                                      email=email, expires_at=now + timedelta(hours=settings.verify_token_hours))
        await repository.audit(conn, "user.registered", user_id=user_id, email=email, client_ip=client_ip)
        row = await repository.get_user(conn, user_id)
        await outbox.emit(conn, events.UserRegistered(
            user_id=user_id, profile=learner_profile(row), profile_version=row["profile_version"], registered_at=now,
            verify_email_url=f"{settings.portal_url}/verify-email?token={verify_token}",
        ), producer=SERVICE, subject=user_id)
    return to_profile(row)


async def sign_in(*, conn: asyncpg.Connection, request: schemas.SignIn, settings: Settings,
                  client_ip: str | None) -> schemas.AccessToken:
    email = domain.normalise_email(request.email)
    found = await repository.credentials_for(conn, email)
    # Unknown emails are checked against a dummy hash: the answer takes as long and says the same.
    valid = await passwords.verify_password(found["password_hash"] if found else None, request.password)
    async with conn.transaction():
        await repository.audit(conn, "sign_in.succeeded" if valid else "sign_in.failed",
                               user_id=found["id"] if found else None, email=email, client_ip=client_ip)
    if not valid:
        raise Problem(401, "Sign-in failed", "the email or password is not correct",
                      errors=[{"field": "password", "reason": "email or password not correct"}])
    if passwords.HASHER.check_needs_rehash(found["password_hash"]):
        await repository.set_password(conn, found["id"], await passwords.hash_password(request.password))
    token = await tokens.issue_access_token(conn, user_id=found["id"], roles=list(found["roles"]),
                                            email=found["primary_email"], minutes=settings.access_token_minutes)
    return schemas.AccessToken(access_token=token, expires_in=settings.access_token_minutes * 60)


async def get_profile(*, conn: asyncpg.Connection, user_id: uuid.UUID) -> schemas.Profile:
    row = await repository.get_user(conn, user_id)
    if row is None:
        raise not_found("account")
    return to_profile(row)


async def update_profile(*, conn: asyncpg.Connection, user_id: uuid.UUID,
                         request: schemas.ProfileUpdate) -> schemas.Profile:
    async with conn.transaction():
        if await repository.get_user(conn, user_id, for_update=True) is None:
            raise not_found("account")
        now = utcnow()
        version = await repository.update_profile(conn, user_id, request.model_dump(), now)
        row = await repository.get_user(conn, user_id)
        await outbox.emit(conn, events.ProfileUpdated(user_id=user_id, profile=learner_profile(row), version=version,
                                                      effective_at=now), producer=SERVICE, subject=user_id)
    return to_profile(row)


async def request_password_reset(*, conn: asyncpg.Connection, request: schemas.ResetRequest, settings: Settings,
                                 client_ip: str | None) -> None:
    """Always the same answer to the caller; the email itself says whether an account was found."""
    email = domain.normalise_email(str(request.email))
    now = utcnow()
    async with conn.transaction():
        user_id = await repository.email_owner(conn, email)
        reset_url = expires_at = None
        if user_id is not None:
            token, token_hash = tokens.new_opaque_token()
            expires_at = now + timedelta(minutes=settings.reset_token_minutes)
            await repository.insert_token(conn, token_hash=token_hash, purpose="password_reset", user_id=user_id,
                                          email=email, expires_at=expires_at)
            reset_url = f"{settings.portal_url}/reset-password?token={token}"
        await repository.audit(conn, "password_reset.requested", user_id=user_id, email=email, client_ip=client_ip)
        await outbox.emit(conn, events.PasswordResetRequested(
            email=email, user_id=user_id, reset_url=reset_url, expires_at=expires_at, requested_at=now,
        ), producer=SERVICE, subject=email)


async def confirm_password_reset(*, conn: asyncpg.Connection, request: schemas.ResetConfirm,
                                 client_ip: str | None) -> None:
    now = utcnow()
    async with conn.transaction():
        used = await repository.use_token(conn, token_hash=tokens.hash_token(request.token), purpose="password_reset",
                                          now=now)
        if used is None:
            raise field_problem("token", "this reset link is invalid, already used or expired; ask for a new one",
                                status=400)
        try:
            domain.check_password(request.new_password, email=used["email"])
        except domain.PolicyViolation as violation:
            raise _policy(violation) from violation  # rolls back: the link still works for a better password
        await repository.set_password(conn, used["user_id"], await passwords.hash_password(request.new_password))
        await repository.invalidate_tokens(conn, used["user_id"], "password_reset", now)
        await repository.audit(conn, "password_reset.completed", user_id=used["user_id"], client_ip=client_ip)


async def verify_email(*, conn: asyncpg.Connection, token: str) -> None:
    now = utcnow()
    async with conn.transaction():
        used = await repository.use_token(conn, token_hash=tokens.hash_token(token), purpose="verify_email", now=now)
        if used is None:
            raise field_problem("token", "this verification link is invalid, already used or expired", status=400)
        if await repository.mark_email_verified(conn, used["email"], now):
            await repository.audit(conn, "email.verified", user_id=used["user_id"], email=used["email"])
            await outbox.emit(conn, events.EmailVerified(user_id=used["user_id"], email=used["email"], verified_at=now),
                              producer=SERVICE, subject=used["user_id"])


async def grant_role(*, conn: asyncpg.Connection, admin_id: uuid.UUID, user_id: uuid.UUID, role: str,
                     grant: bool) -> schemas.Profile:
    async with conn.transaction():
        row = await repository.get_user(conn, user_id, for_update=True)
        if row is None:
            raise not_found("account")
        roles = set(row["roles"])
        roles = roles | {role} if grant else roles - {role}
        await repository.set_roles(conn, user_id, sorted(roles | {"learner"}))
        await repository.audit(conn, "role.granted" if grant else "role.removed", user_id=user_id, actor_id=admin_id,
                               role=role)
        row = await repository.get_user(conn, user_id)
    return to_profile(row)


async def bootstrap_admin(pool: asyncpg.Pool, settings: Settings) -> None:
    """Create the configured first admin when no account has that email yet."""
    async with pool.acquire() as conn:
        await tokens.ensure_signing_key(conn)
        if not (settings.bootstrap_admin_email and settings.bootstrap_admin_password):
            return
        if await repository.email_owner(conn, domain.normalise_email(settings.bootstrap_admin_email)):
            return
        request = schemas.SignUp(email=settings.bootstrap_admin_email, password=settings.bootstrap_admin_password,
                                 first_name="Portal", last_name="Administrator")
        try:
            await sign_up(conn=conn, request=request, settings=settings, roles=("learner", "admin"))
        except Problem as problem:
            if problem.status != 409:  # another process created it at the same moment
                raise


def client_ip_of(headers: Any, fallback: str | None) -> str | None:
    return headers.get("x-real-ip") or fallback
