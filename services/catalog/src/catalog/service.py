"""Catalog use cases for activities and their sessions: each one transaction, state change and event together.

Registering and cancelling are in registrations.py; recording attendance (an event code, a staff list) in attendance.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pydantic

from catalog import domain, repository, schemas
from catalog.config import SERVICE
from opencme_contracts import events
from opencme_kit import db, errors, outbox
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow
from opencme_kit.validation import FieldInvalid


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


_SHOWN = (
    "id",
    "status",
    "cancelled_at",
    "cancellation_reason",
    "unpublished_at",
    "unpublish_reason",
    *repository.ACTIVITY_FIELDS,
)


def to_activity(row: asyncpg.Record, provider: str) -> schemas.Activity:
    seats_left = None if row["capacity"] is None else max(0, row["capacity"] - row["taken_seats"])
    return schemas.Activity(
        **{k: row[k] for k in _SHOWN if k != "credit_designations"},
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
    """A published activity, or a cancelled one (a direct link says so, and why); a draft is as good as absent
    outside the staff's tools."""
    row = await repository.get_activity(conn, activity_id)
    if row is None or row["status"] == "draft":
        raise errors.NotFound(None, "activity not found")
    return to_activity(row, provider)


async def office_activities(
    *, conn: db.Connection, query: schemas.OfficeActivitiesQuery, provider: str
) -> tuple[int, list[schemas.Activity]]:
    """Staff: how many activities match, drafts included, and the page asked for, most recently created first."""
    total, rows = await repository.list_all(
        conn, status=query.status, title_part=query.q, limit=query.limit, offset=query.offset
    )
    return total, [to_activity(r, provider) for r in rows]


async def office_activity(*, conn: db.Connection, activity_id: uuid.UUID, provider: str) -> schemas.Activity:
    """Staff: an activity whatever its status."""
    row = await repository.get_activity(conn, activity_id)
    if row is None:
        raise errors.NotFound(None, "activity not found")
    return to_activity(row, provider)


def _columns(activity: schemas.ActivityCreate) -> dict[str, Any]:
    """The activity's fields as its row stores them (repository.insert_activity, update_activity)."""
    fields: dict[str, Any] = activity.model_dump(mode="python")
    fields["credit_designations"] = [
        {"credit_type": d.credit_type, "max_credits": str(d.max_credits)} for d in activity.credit_designations
    ]
    return fields


async def locked_activity(conn: db.Connection, activity_id: uuid.UUID) -> asyncpg.Record:
    """The activity, its row locked until the transaction ends (as registering locks it); NotFound if none."""
    row = await repository.get_activity(conn, activity_id, for_update=True)
    if row is None:
        raise errors.NotFound(None, "activity not found")
    return row


async def create_activity(
    *, conn: db.Connection, staff: Principal, request: schemas.ActivityCreate, provider: str
) -> schemas.Activity:
    activity_id = uuid.uuid4()
    async with conn.transaction():
        await repository.insert_activity(conn, activity_id, staff.id, _columns(request))
        row = await repository.get_activity(conn, activity_id)
    assert row is not None, "inserted above"
    return to_activity(row, provider)


def _as_created(row: asyncpg.Record) -> dict[str, Any]:
    """A stored activity's fields as ActivityCreate holds them (amounts of credit as Decimals, which compare by
    value)."""
    fields = {name: row[name] for name in schemas.ActivityCreate.model_fields}
    fields["credit_designations"] = [
        {"credit_type": d["credit_type"], "max_credits": Decimal(d["max_credits"])} for d in row["credit_designations"]
    ]
    return fields


def _checked_as_new(fields: dict[str, Any]) -> schemas.ActivityCreate:
    """An edited activity is checked as a new one is: refused for the same reasons, naming the same field."""
    try:
        return schemas.ActivityCreate.model_validate(fields)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, FieldInvalid):
            raise errors.Invalid(cause.fields[0], cause.reason) from None
        # The request's own fields were checked on arrival: this is a stored value today's rules refuse.
        field = ".".join(str(part) for part in error["loc"]) or None
        raise errors.Invalid(field, str(cause) if cause is not None else error["msg"]) from None


async def update_activity(
    *, conn: db.Connection, activity_id: uuid.UUID, request: schemas.ActivityUpdate, provider: str
) -> schemas.Activity:
    """A draft may change entirely; a published activity only where no other service uses it (domain.check_edit)."""
    async with conn.transaction():
        # Locked as a registration locks it: the confirmed registrations counted here stay the ones there are.
        row = await locked_activity(conn, activity_id)
        if (refusal := domain.edit_refusal(status=row["status"])) is not None:
            raise refusal
        before = _as_created(row)
        edited = _checked_as_new({**before, **request.changes()})
        changed = domain.check_edit(
            published=row["status"] == "published",
            before=before,
            after=edited.model_dump(mode="python"),
            confirmed=row["taken_seats"],
        )
        # A value given again in another spelling ("7.250", another time zone) stays as it was stored.
        stored = {name: row[name] for name in schemas.ActivityCreate.model_fields}
        new = _columns(edited)
        await repository.update_activity(conn, activity_id, stored | {field: new[field] for field in changed})
        changed_row = await repository.get_activity(conn, activity_id)
    assert changed_row is not None, "locked above"
    return to_activity(changed_row, provider)


async def publish_activity(*, conn: db.Connection, activity_id: uuid.UUID, provider: str) -> schemas.Activity:
    async with conn.transaction():
        row = await locked_activity(conn, activity_id)
        if row["status"] == "published":
            return to_activity(row, provider)  # publishing twice is harmless and emits nothing more
        if (refusal := domain.edit_refusal(status=row["status"])) is not None:
            raise refusal
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
        row = await locked_activity(conn, activity_id)
        if (refusal := domain.edit_refusal(status=row["status"])) is not None:
            raise refusal
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
        code = await _issue_code(
            conn, session_id=session_id, valid_from=valid_from, valid_until=valid_until, created_by=staff.id
        )
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


# How long a new code for a session that had none works: SessionCreate's default.
DEFAULT_CODE_VALIDITY = timedelta(days=30)


async def renew_event_code(*, conn: db.Connection, staff: Principal, session_id: uuid.UUID) -> schemas.StaffSession:
    """A new code for the session, valid from now for as long as its old one was valid; the old one is refused from
    now on as an unknown code, its uses kept."""
    async with conn.transaction():
        session = await repository.lock_session_code(conn, session_id)
        if session is None:
            raise errors.NotFound(None, "session not found")
        if (refusal := domain.edit_refusal(status=session["activity_status"])) is not None:
            raise refusal
        now = utcnow()
        validity = session["valid_until"] - session["valid_from"] if session["code"] else DEFAULT_CODE_VALIDITY
        await repository.retire_event_code(conn, session_id, now)
        await _issue_code(conn, session_id=session_id, valid_from=now, valid_until=now + validity, created_by=staff.id)
        renewed = await repository.session_with_code(conn, session_id)
    assert renewed is not None, "locked above"
    return schemas.StaffSession(**dict(renewed))


async def _issue_code(
    conn: db.Connection, *, session_id: uuid.UUID, valid_from: datetime, valid_until: datetime, created_by: uuid.UUID
) -> str:
    """A new random code for the session; never one any session has had (the code is event_codes' key)."""
    while True:  # a clash among 31^8 codes is unlikely but not impossible
        code = domain.new_event_code()
        if await repository.insert_event_code(
            conn,
            code=code,
            session_id=session_id,
            valid_from=valid_from,
            valid_until=valid_until,
            created_by=created_by,
        ):
            return code
