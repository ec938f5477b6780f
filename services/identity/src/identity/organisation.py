"""The organisation's settings: name, postal address, phone, support email and brand colour. The configuration's
(ORG_* variables) until an admin first saves them, the stored ones from then on. Every saved change goes out as
organisation.updated with the whole set and a revision that only grows, so that notifications' emails follow it
without a restart."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from identity import repository, schemas, staff_schemas
from identity.config import SERVICE, Settings
from opencme_contracts import events
from opencme_contracts.topics import ORGANISATION_KEY
from opencme_kit import db, outbox
from opencme_kit.clock import utcnow

FIELDS = repository.ORGANISATION_COLUMNS


def configured(settings: Settings) -> schemas.Organisation:
    """What answers until an admin first saves the settings: the ORG_* variables (revision 0)."""
    return schemas.Organisation(
        name=settings.org_name,
        address=settings.org_address,
        phone=settings.org_phone,
        support_email=settings.org_support_email,
        brand_colour=settings.org_brand_colour.lower(),
        revision=0,
        updated_at=None,
    )


def _saved(row: asyncpg.Record) -> schemas.Organisation:
    return schemas.Organisation(**{c: row[c] for c in FIELDS}, revision=row["revision"], updated_at=row["updated_at"])


async def current(*, conn: db.Connection, settings: Settings) -> schemas.Organisation:
    row = await repository.get_organisation(conn)
    return configured(settings) if row is None else _saved(row)


async def update(
    *,
    conn: db.Connection,
    admin_id: uuid.UUID,
    request: staff_schemas.OrganisationUpdate,
    settings: Settings,
    client_ip: str | None,
) -> schemas.Organisation:
    """Stores the settings; a change gets the next revision, an audit entry and organisation.updated, all in one
    transaction. Saving what is stored already changes and publishes nothing. The first save always stores and
    publishes, even the configured values: notifications reads ORG_* variables of its own, which may differ."""
    wanted: dict[str, Any] = request.model_dump(mode="json")
    async with conn.transaction():
        row = await repository.get_organisation(conn, for_update=True)
        before = configured(settings) if row is None else _saved(row)
        changes = {
            field: {"from": getattr(before, field), "to": wanted[field]}
            for field in FIELDS
            if getattr(before, field) != wanted[field]
        }
        if row is not None and not changes:
            return before
        now = utcnow()
        row = await repository.save_organisation(conn, wanted, updated_by=admin_id, at=now)
        await repository.audit(
            conn,
            "organisation.updated",
            actor_id=admin_id,
            client_ip=client_ip,
            revision=row["revision"],
            changes=changes,
        )
        await outbox.emit(
            conn,
            events.OrganisationUpdated(**{f: row[f] for f in FIELDS}, updated_at=now, revision=row["revision"]),
            producer=SERVICE,
            subject=ORGANISATION_KEY,
        )
    return _saved(row)
