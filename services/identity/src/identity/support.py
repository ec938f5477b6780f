"""The help desk's look-ups: finding learners, the audit log. (Merges are in merges.py, roles and signing keys in
admin.py.)"""

from __future__ import annotations

import uuid

from identity import domain, staff_schemas
from identity import support_repository as store
from opencme_kit import db, errors

MIN_QUERY = 2  # one character would list nearly everyone


async def search_users(*, conn: db.Connection, q: str, limit: int, offset: int) -> staff_schemas.UserPage:
    query = " ".join(q.split())
    if len(query) < MIN_QUERY:
        raise errors.Invalid("q", f"give at least {MIN_QUERY} characters")
    rows = await store.search_users(
        conn, query=query, email_query=domain.normalise_email(query), limit=limit, offset=offset
    )
    if rows:
        total = rows[0]["total"]
    else:  # past the last page (or nothing at all): the total still says how many there are
        first = await store.search_users(
            conn, query=query, email_query=domain.normalise_email(query), limit=1, offset=0
        )
        total = first[0]["total"] if first else 0
    items = [
        staff_schemas.UserSummary(
            id=r["id"],
            name=domain.full_name(r["first_name"], r["middle_name"], r["last_name"], r["suffix"]),
            degree=r["degree"],
            primary_email=r["primary_email"],
            emails=list(r["emails"]),
            npi=r["npi"],
            board_ids=r["board_ids"],
            roles=list(r["roles"]),
        )
        for r in rows
    ]
    next_offset = offset + limit if offset + limit < total else None
    return staff_schemas.UserPage(items=items, total=total, limit=limit, offset=offset, next_offset=next_offset)


async def audit_log(
    *,
    conn: db.Connection,
    user_id: uuid.UUID | None,
    actor_id: uuid.UUID | None,
    kind: str | None,
    before_id: int | None,
    limit: int,
) -> staff_schemas.AuditPage:
    rows = await store.audit_events(
        conn, user_id=user_id, actor_id=actor_id, kind=kind, before_id=before_id, limit=limit
    )
    items = [staff_schemas.AuditEvent(**dict(r)) for r in rows]
    return staff_schemas.AuditPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)
