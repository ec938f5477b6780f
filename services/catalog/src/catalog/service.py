"""Catalog use cases for activities and their sessions: each one transaction, state change and event together.

Registering and cancelling are in registrations.py; recording attendance (an event code, a staff list) in attendance.py.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from catalog import domain, repository, schemas
from catalog.config import SERVICE
from opencme_contracts import events
from opencme_kit import db, errors, outbox
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow


def _designations(row: asyncpg.Record, provider: str) -> list[schemas.DesignationOut]:
    return [
        schemas.DesignationOut(
            credit_type=d["credit_type"],
            max_credits=Decimal(d["max_credits"]),
            statement=domain.designation_statement(
                provider, row["format"], d["credit_type"], Decimal(d["max_credits"])
            ),
        )
        for d in row["credit_designations"]
    ]


def to_activity(row: asyncpg.Record, provider: str) -> schemas.Activity:
    seats_left = None if row["capacity"] is None else max(0, row["capacity"] - row["taken_seats"])
    return schemas.Activity(
        **{
            k: row[k]
            for k in (
                "id",
                "title",
                "format",
                "description",
                "starts_at",
                "ends_at",
                "location",
                "available_until",
                "capacity",
                "registration_opens_at",
                "registration_closes_at",
                "fees",
                "claim_window_days",
                "moc_boards",
                "requires_event_code",
                "status",
            )
        },
        seats_left=seats_left,
        credit_designations=_designations(row, provider),
    )


def activity_summary(row: asyncpg.Record) -> events.ActivitySummary:
    """What events about a registration or a publication say of the activity (a row of repository.get_activity)."""
    return events.ActivitySummary(
        activity_id=row["id"],
        title=row["title"],
        format=row["format"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        location=row["location"],
    )


async def search_activities(
    *, conn: db.Connection, query: schemas.CatalogQuery, provider: str
) -> tuple[int, list[schemas.Activity]]:
    """The public catalog: how many published activities match, and the page asked for (domain.py: what is listed)."""
    after, before = domain.days_as_instants(query.from_, query.to)
    search = repository.CatalogFilter(
        now=utcnow(),
        past=query.past,
        words=query.q,
        formats=query.format,
        credit_types=query.credit_type,
        overlapping_from=after,
        overlapping_before=before,
    )
    total, rows = await repository.search_published(conn, search, limit=query.limit, offset=query.offset)
    return total, [to_activity(r, provider) for r in rows]


async def get_activity(*, conn: db.Connection, activity_id: uuid.UUID, provider: str) -> schemas.Activity:
    """A published activity; a draft is as good as absent outside the staff's tools."""
    row = await repository.get_activity(conn, activity_id)
    if row is None or row["status"] != "published":
        raise errors.NotFound(None, "activity not found")
    return to_activity(row, provider)


async def create_activity(
    *, conn: db.Connection, staff: Principal, request: schemas.ActivityCreate, provider: str
) -> schemas.Activity:
    activity_id = uuid.uuid4()
    fields: dict[str, Any] = request.model_dump(mode="python")
    fields["credit_designations"] = [
        {"credit_type": d.credit_type, "max_credits": str(d.max_credits)} for d in request.credit_designations
    ]
    async with conn.transaction():
        await repository.insert_activity(conn, activity_id, staff.id, fields)
        row = await repository.get_activity(conn, activity_id)
    assert row is not None, "inserted above"
    return to_activity(row, provider)


async def publish_activity(*, conn: db.Connection, activity_id: uuid.UUID, provider: str) -> schemas.Activity:
    async with conn.transaction():
        row = await repository.get_activity(conn, activity_id, for_update=True)
        if row is None:
            raise errors.NotFound(None, "activity not found")
        if row["status"] == "published":
            return to_activity(row, provider)  # publishing twice is harmless and emits nothing more
        now = utcnow()
        await repository.mark_published(conn, activity_id, now)
        activity = to_activity(row, provider)
        await outbox.emit(
            conn,
            events.ActivityPublished(
                activity=activity_summary(row),
                provider_name=provider,
                credit_designations=tuple(
                    events.CreditDesignation(
                        credit_type=d.credit_type, max_credits=d.max_credits, statement=d.statement
                    )
                    for d in activity.credit_designations
                ),
                claim_window_days=row["claim_window_days"],
                available_until=row["available_until"],
                moc_boards=tuple(row["moc_boards"]),
                requires_event_code=row["requires_event_code"],
                published_at=now,
            ),
            producer=SERVICE,
            subject=activity_id,
        )
    return activity.model_copy(update={"status": "published"})


async def add_session(
    *, conn: db.Connection, staff: Principal, activity_id: uuid.UUID, request: schemas.SessionCreate
) -> schemas.Session:
    async with conn.transaction():
        row = await repository.get_activity(conn, activity_id, for_update=True)
        if row is None:
            raise errors.NotFound(None, "activity not found")
        session_id = uuid.uuid4()
        await repository.insert_session(
            conn,
            session_id=session_id,
            activity_id=activity_id,
            title=request.title,
            starts_at=request.starts_at,
            ends_at=request.ends_at,
        )
        valid_from = request.starts_at - timedelta(hours=1)
        valid_until = request.starts_at + timedelta(days=request.code_valid_days)
        while True:  # a clash among 31^8 codes is unlikely but not impossible
            code = domain.new_event_code()
            if await repository.insert_event_code(
                conn,
                code=code,
                session_id=session_id,
                valid_from=valid_from,
                valid_until=valid_until,
                created_by=staff.id,
            ):
                break
    return schemas.Session(
        id=session_id,
        activity_id=activity_id,
        title=request.title,
        starts_at=request.starts_at,
        ends_at=request.ends_at,
        event_code=code,
        code_valid_from=valid_from,
        code_valid_until=valid_until,
    )


async def sessions_with_codes(*, conn: db.Connection, activity_id: uuid.UUID) -> list[schemas.StaffSession]:
    """Staff read a session's code back at any time (a draft's too), with how often it was entered."""
    if await repository.get_activity(conn, activity_id) is None:
        raise errors.NotFound(None, "activity not found")
    return [schemas.StaffSession(**dict(r)) for r in await repository.sessions_of(conn, activity_id)]
