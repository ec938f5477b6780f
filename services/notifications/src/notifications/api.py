"""Notifications HTTP routes: the delivery log, resends and the learner's email preferences."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from notifications import message_log, reminders, schemas
from notifications.deps import ConnDep, CurrentUser, SettingsDep, SupportOnly
from opencme_kit.text import Line

router = APIRouter()

Limit = Annotated[int, Query(ge=1, le=500, description="newest first, at most this many")]


@router.get("/messages/mine", tags=["messages"], response_model=list[schemas.Message])
async def my_messages(conn: ConnDep, user: CurrentUser, limit: Limit = 100) -> list[schemas.Message]:
    """The emails sent (or on their way) to the signed-in learner."""
    return await message_log.messages_of(conn, learner_id=user.id, limit=limit)


@router.get("/messages", tags=["messages"], response_model=list[schemas.Message])
async def messages(
    conn: ConnDep,
    _: SupportOnly,
    learner_id: uuid.UUID | None = None,
    to: Annotated[Line | None, Query(description="recipient address")] = None,
    limit: Limit = 100,
) -> list[schemas.Message]:
    """A learner's emails, or those sent to an address (support, admin)."""
    return await message_log.messages_of(conn, learner_id=learner_id, to=to or None, limit=limit)


@router.post("/messages/{message_id}/resend", tags=["messages"], status_code=202, response_model=schemas.Message)
async def resend(message_id: uuid.UUID, conn: ConnDep, user: CurrentUser, settings: SettingsDep) -> schemas.Message:
    """Send a fresh copy of a confirmation, certificate or verification email (its owner, support, admin)."""
    return await message_log.resend(conn, message_id=message_id, principal=user, settings=settings)


@router.post(
    "/registrations/{registration_id}/confirmation/resend",
    tags=["messages"],
    status_code=202,
    response_model=schemas.Message,
)
async def resend_confirmation(
    registration_id: uuid.UUID, conn: ConnDep, user: CurrentUser, settings: SettingsDep
) -> schemas.Message:
    """Send a fresh copy of a registration's confirmation and receipt (its learner, support, admin)."""
    return await message_log.resend_confirmation(
        conn, registration_id=registration_id, principal=user, settings=settings
    )


@router.get("/preferences/mine", tags=["preferences"], response_model=schemas.Preferences)
async def my_preferences(conn: ConnDep, user: CurrentUser) -> schemas.Preferences:
    """The signed-in learner's choices about optional email (reminders)."""
    return await reminders.preferences_of(conn, user.id)


@router.put("/preferences/mine", tags=["preferences"], response_model=schemas.Preferences)
async def set_my_preferences(body: schemas.Preferences, conn: ConnDep, user: CurrentUser) -> schemas.Preferences:
    """Opt in to or out of reminders; confirmations, receipts and other transactional email always go."""
    return await reminders.set_preferences(conn, user.id, body)


@router.get("/preferences", tags=["preferences"], response_model=schemas.Preferences)
async def learner_preferences(learner_id: uuid.UUID, conn: ConnDep, _: SupportOnly) -> schemas.Preferences:
    """A learner's choices about optional email, e.g. to explain a missing reminder (support, admin)."""
    return await reminders.preferences_of(conn, learner_id)
