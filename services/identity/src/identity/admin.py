"""What admins do: grant and remove roles, rotate the signing keys of access tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta

from identity import domain, repository, schemas, service, staff_schemas, tokens
from identity.config import Settings
from opencme_kit import db, errors
from opencme_kit.clock import utcnow
from opencme_kit.roles import Role


async def grant_role(
    *, conn: db.Connection, admin_id: uuid.UUID, user_id: uuid.UUID, role: Role, client_ip: str | None
) -> schemas.Profile:
    """Takes effect in identity at once; in the other services with the next access token (at most its lifetime)."""
    return await _change_role(conn=conn, admin_id=admin_id, user_id=user_id, role=role, grant=True, client_ip=client_ip)


async def remove_role(
    *, conn: db.Connection, admin_id: uuid.UUID, user_id: uuid.UUID, role: Role, client_ip: str | None
) -> schemas.Profile:
    """Never learner, never the last admin's admin; like a grant, at once in identity, elsewhere with the next
    token."""
    domain.check_role_removal(role)
    return await _change_role(
        conn=conn, admin_id=admin_id, user_id=user_id, role=role, grant=False, client_ip=client_ip
    )


async def _change_role(
    *, conn: db.Connection, admin_id: uuid.UUID, user_id: uuid.UUID, role: Role, grant: bool, client_ip: str | None
) -> schemas.Profile:
    async with conn.transaction():
        row = await service.account(conn, user_id, for_update=True)
        domain.check_roles_changeable(merged_away=row["disabled_at"] is not None)
        roles = set(row["roles"])
        if not grant and role == Role.ADMIN and Role.ADMIN in roles:
            await repository.lock_roles(conn)  # two admins removing each other
            domain.check_an_admin_remains(admins_now=await repository.count_admins(conn))
        changed = (role not in roles) if grant else (role in roles)
        roles = roles | {role} if grant else roles - {role}
        if changed:
            await repository.set_roles(conn, user_id, sorted(str(r) for r in roles | {Role.LEARNER}))
            await repository.audit(
                conn,
                "role.granted" if grant else "role.removed",
                user_id=user_id,
                actor_id=admin_id,
                client_ip=client_ip,
                role=role,
            )
        row = await service.account(conn, user_id)
        email_rows = await repository.list_emails(conn, user_id)
    return service.to_profile(row, email_rows)


async def signing_keys(*, conn: db.Connection) -> list[staff_schemas.SigningKey]:
    signer = await tokens.current_signer(conn)
    return [
        staff_schemas.SigningKey(
            kid=r["kid"],
            created_at=r["created_at"],
            activates_at=r["activates_at"],
            retired_at=r["retired_at"],
            signing=signer is not None and r["kid"] == signer["kid"],
        )
        for r in await tokens.list_signing_keys(conn)
    ]


async def add_signing_key(
    *, conn: db.Connection, admin_id: uuid.UUID, settings: Settings, client_ip: str | None
) -> list[staff_schemas.SigningKey]:
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
    *, conn: db.Connection, admin_id: uuid.UUID, kid: str, settings: Settings, client_ip: str | None
) -> list[staff_schemas.SigningKey]:
    now = utcnow()
    async with conn.transaction():
        await tokens.lock_signing_keys(conn)
        key = await tokens.unretired_key(conn, kid)
        if key is None:
            raise errors.NotFound(None, "signing key (or it is retired already) not found")
        if key["activates_at"] <= now:  # it has signed: wait until its tokens have expired
            signer = await tokens.current_signer(conn)
            assert signer is not None, "a key that has signed and is not retired means that some key signs now"
            domain.check_key_retirement(
                kid=kid,
                signer_kid=signer["kid"],
                signer_since=signer["activates_at"],
                access_token_ttl=timedelta(minutes=settings.access_token_minutes),
                now=now,
            )
        await tokens.retire_key(conn, kid, now)
        await repository.audit(conn, "signing_key.retired", actor_id=admin_id, client_ip=client_ip, kid=kid)
    return await signing_keys(conn=conn)
