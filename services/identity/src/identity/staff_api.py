"""Identity HTTP routes for the help desk (support) and admins: search, reset links, merges, audit, roles, keys, the
organisation's settings."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query

from identity import admin, credentials, merges, organisation, schemas, staff_schemas, support
from identity.deps import AdminOnly, ClientIp, ConnDep, SettingsDep, SupportOnly
from identity.schemas import AUDIT_KIND_PATTERN, KEY_ID_PATTERN, Line
from opencme_kit.roles import Role

router = APIRouter()


@router.get("/users", response_model=staff_schemas.UserPage, tags=["support"])
async def search_users(
    conn: ConnDep,
    _: SupportOnly,
    q: Annotated[Line, Query(description="a name, any email (or part), an NPI or a board ID; 2 characters or more")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> staff_schemas.UserPage:
    """Find learners by name, any of their emails, NPI or board ID (support, admin)."""
    return await support.search_users(conn=conn, q=q, limit=limit, offset=offset)


@router.post("/users/{user_id}/password-resets", status_code=202, response_model=schemas.Accepted, tags=["support"])
async def send_reset_link(
    user_id: uuid.UUID, conn: ConnDep, staff: SupportOnly, settings: SettingsDep, ip: ClientIp
) -> schemas.Accepted:
    """Send a password reset link to the account's primary email (support, admin)."""
    email = await credentials.send_reset_link(
        conn=conn, user_id=user_id, actor_id=staff.id, settings=settings, client_ip=ip
    )
    return schemas.Accepted(detail=f"A reset link is on its way to {email}.")


@router.post("/merges", status_code=201, response_model=staff_schemas.Merge, tags=["support"])
async def merge_accounts(
    body: staff_schemas.MergeRequest, conn: ConnDep, staff: SupportOnly, ip: ClientIp
) -> staff_schemas.Merge:
    """Merge a duplicate account into the one that survives, with the reason (support, admin; audited)."""
    return await merges.merge_accounts(conn=conn, actor_id=staff.id, request=body, client_ip=ip)


@router.post("/merges/preview", response_model=staff_schemas.MergePreview, tags=["support"])
async def preview_merge(
    body: staff_schemas.MergePreviewRequest, conn: ConnDep, staff: SupportOnly
) -> staff_schemas.MergePreview:
    """What merging would do to both accounts' identity records, refused as the merge would be; nothing changes
    (support, admin)."""
    return await merges.preview_merge(conn=conn, actor_id=staff.id, request=body)


@router.get("/merges", response_model=list[staff_schemas.Merge], tags=["support"])
async def list_merges(
    conn: ConnDep, _: SupportOnly, user_id: uuid.UUID | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[staff_schemas.Merge]:
    """Merges, newest first; of one account (surviving or merged) when user_id is given (support, admin)."""
    return await merges.list_merges(conn=conn, user_id=user_id, limit=limit)


@router.get("/audit", response_model=staff_schemas.AuditPage, tags=["support"])
async def audit_log(
    conn: ConnDep,
    _: SupportOnly,
    user_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    kind: Annotated[str | None, Query(pattern=AUDIT_KIND_PATTERN, examples=["sign_in.failed"])] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> staff_schemas.AuditPage:
    """Security events (sign-ins, resets, role changes, merges, email changes), newest first (support, admin)."""
    return await support.audit_log(
        conn=conn, user_id=user_id, actor_id=actor_id, kind=kind, before_id=before_id, limit=limit
    )


@router.post("/users/{user_id}/roles", response_model=schemas.Profile, tags=["admin"])
async def grant_role(
    user_id: uuid.UUID, body: staff_schemas.RoleGrant, conn: ConnDep, caller: AdminOnly, ip: ClientIp
) -> schemas.Profile:
    """Grant a role (admin)."""
    return await admin.grant_role(conn=conn, admin_id=caller.id, user_id=user_id, role=body.role, client_ip=ip)


@router.delete("/users/{user_id}/roles/{role}", response_model=schemas.Profile, tags=["admin"])
async def remove_role(
    user_id: uuid.UUID, role: Role, conn: ConnDep, caller: AdminOnly, ip: ClientIp
) -> schemas.Profile:
    """Remove a role (admin)."""
    return await admin.remove_role(conn=conn, admin_id=caller.id, user_id=user_id, role=role, client_ip=ip)


@router.get("/signing-keys", response_model=list[staff_schemas.SigningKey], tags=["admin"])
async def signing_keys(conn: ConnDep, _: AdminOnly) -> list[staff_schemas.SigningKey]:
    """The access-token signing keys: which signs now, which are published, which are retired (admin)."""
    return await admin.signing_keys(conn=conn)


@router.post("/signing-keys", status_code=201, response_model=list[staff_schemas.SigningKey], tags=["admin"])
async def add_signing_key(
    conn: ConnDep, caller: AdminOnly, settings: SettingsDep, ip: ClientIp
) -> list[staff_schemas.SigningKey]:
    """Rotate: add a key, published now, signing after SIGNING_KEY_PUBLISH_SECONDS (admin)."""
    return await admin.add_signing_key(conn=conn, admin_id=caller.id, settings=settings, client_ip=ip)


@router.post("/signing-keys/{kid}/retire", response_model=list[staff_schemas.SigningKey], tags=["admin"])
async def retire_signing_key(
    kid: Annotated[str, Path(pattern=KEY_ID_PATTERN)],
    conn: ConnDep,
    caller: AdminOnly,
    settings: SettingsDep,
    ip: ClientIp,
) -> list[staff_schemas.SigningKey]:
    """Retire a key that no longer signs, once every token it signed has expired (admin)."""
    return await admin.retire_signing_key(conn=conn, admin_id=caller.id, kid=kid, settings=settings, client_ip=ip)


@router.put("/organisation", response_model=schemas.Organisation, tags=["admin"])
async def update_organisation(
    body: staff_schemas.OrganisationUpdate, conn: ConnDep, caller: AdminOnly, settings: SettingsDep, ip: ClientIp
) -> schemas.Organisation:
    """Replace the organisation's settings; emails and the portal show them from now on (admin; audited)."""
    return await organisation.update(conn=conn, admin_id=caller.id, request=body, settings=settings, client_ip=ip)
