"""A learner's email addresses: add, verify by link, make primary, remove (never the last verified one).

Registrations and attendance recorded under any verified address are the learner's: `email.verified` tells the other
services so. A change to the primary or verified addresses is a profile change and goes out as `profile.updated`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from identity import domain, problems, repository, schemas, service, throttle, tokens
from identity import links_repository as links
from identity.config import SERVICE, Settings
from opencme_contracts import events
from opencme_kit import db, outbox
from opencme_kit.clock import utcnow

VERIFICATION_EMAILS = "verify_email.account"


async def list_emails(*, conn: db.Connection, user_id: uuid.UUID) -> list[schemas.EmailInfo]:
    return service.email_infos(await repository.list_emails(conn, user_id))


async def _send_verification_link(
    conn: db.Connection, *, user_id: uuid.UUID, email: str, settings: Settings, now: datetime
) -> None:
    """Replaces the address's verification link with a new one (only its hash is stored) and has it emailed: the
    link travels in `email.verification_requested` to notifications, never in an HTTP answer, because the address
    must prove itself through its mailbox. Counted per account: 429 once the account has sent too many."""
    limit = throttle.Limit(
        VERIFICATION_EMAILS,
        settings.verification_email_limit,
        timedelta(seconds=settings.verification_email_window_seconds),
    )
    try:
        await throttle.count(conn, [(limit, str(user_id))], now=now)
    except throttle.Throttled as exc:
        raise problems.throttled(exc.retry_after, "verification emails for this account") from exc
    await links.invalidate_tokens(conn, user_id, "verify_email", now, email=email)
    token, token_hash = tokens.new_opaque_token()
    expires_at = now + timedelta(hours=settings.verify_token_hours)
    await links.insert_token(
        conn, token_hash=token_hash, purpose="verify_email", user_id=user_id, email=email, expires_at=expires_at
    )
    await outbox.emit(
        conn,
        events.EmailVerificationRequested(
            user_id=user_id,
            email=email,
            verify_url=f"{settings.portal_url}/verify-email?token={token}",
            expires_at=expires_at,
            requested_at=now,
        ),
        producer=SERVICE,
        subject=user_id,
    )
    await repository.audit(conn, "email.verification_sent", user_id=user_id, email=email)


async def add_email(
    *,
    conn: db.Connection,
    user_id: uuid.UUID,
    request: schemas.EmailAdd,
    settings: Settings,
    client_ip: str | None,
) -> list[schemas.EmailInfo]:
    """Adds an unverified address and has its verification link emailed to it."""
    email = domain.normalise_email(str(request.email))
    now = utcnow()
    async with conn.transaction():
        await repository.lock_users(conn, [user_id])
        domain.check_can_add(await _addresses(conn, user_id))
        if released_from := await repository.release_unverified(conn, email, now=now, keep_for=user_id):
            await repository.audit(conn, "email.released", user_id=released_from, email=email, claimed_by=str(user_id))
        if not await repository.insert_email(conn, user_id=user_id, email=email, primary=False):
            owner = await repository.email_owner(conn, email)
            reason = (
                "already on your account"
                if owner == user_id
                else "another account uses this address: sign in to it, or ask the help desk to merge the accounts"
            )
            raise domain.EmailTaken("email", reason)
        await _send_verification_link(conn, user_id=user_id, email=email, settings=settings, now=now)
        await repository.audit(conn, "email.added", user_id=user_id, email=email, client_ip=client_ip)
        rows = await repository.list_emails(conn, user_id)
    return service.email_infos(rows)


async def resend_verification(*, conn: db.Connection, user_id: uuid.UUID, email: str, settings: Settings) -> None:
    email = domain.normalise_email(email)
    async with conn.transaction():
        domain.check_can_resend(await _addresses(conn, user_id), email)
        await _send_verification_link(conn, user_id=user_id, email=email, settings=settings, now=utcnow())


async def make_primary(
    *, conn: db.Connection, user_id: uuid.UUID, email: str, client_ip: str | None
) -> list[schemas.EmailInfo]:
    email = domain.normalise_email(email)
    async with conn.transaction():
        await repository.lock_users(conn, [user_id])
        addresses = await _addresses(conn, user_id)
        if not domain.address_of(addresses, email).is_primary:
            domain.check_can_make_primary(addresses, email)
            now = utcnow()
            await repository.set_primary_email(conn, user_id, email)
            await repository.audit(conn, "email.made_primary", user_id=user_id, email=email, client_ip=client_ip)
            await service.publish_profile(conn, user_id, now)
        rows = await repository.list_emails(conn, user_id)
    return service.email_infos(rows)


async def remove_email(*, conn: db.Connection, user_id: uuid.UUID, email: str, client_ip: str | None) -> None:
    email = domain.normalise_email(email)
    async with conn.transaction():
        await repository.lock_users(conn, [user_id])
        addresses = await _addresses(conn, user_id)
        address = domain.address_of(addresses, email)
        domain.check_can_remove(addresses, email)
        now = utcnow()
        await repository.remove_email(conn, user_id, email)
        # A link still in that mailbox must not verify (or reset) the address once it is gone, or after someone
        # else adds it to their account.
        await links.invalidate_tokens(conn, user_id, "verify_email", now, email=email)
        await links.invalidate_tokens(conn, user_id, "password_reset", now, email=email)
        await repository.audit(
            conn, "email.removed", user_id=user_id, email=email, client_ip=client_ip, was_verified=address.verified
        )
        if address.verified:
            await service.publish_profile(conn, user_id, now)


async def _addresses(conn: db.Connection, user_id: uuid.UUID) -> list[domain.EmailAddress]:
    return repository.addresses(await repository.list_emails(conn, user_id))
