"""Notifications HTTP routes: the delivery log and resends."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request

from notifications import schemas, service
from notifications.kit.auth import CurrentUser, SupportOnly
from notifications.kit.problems import field_problem
from notifications.kit.service import ConnDep

router = APIRouter(tags=["messages"])

Limit = Annotated[int, Query(ge=1, le=500, description="newest first, at most this many")]


@router.get("/messages/mine", response_model=list[schemas.Message])
async def my_messages(conn: ConnDep, user: CurrentUser, limit: Limit = 100) -> list[schemas.Message]:
    """The emails sent (or on their way) to the signed-in learner."""
    return await service.messages_of(conn, learner_id=user.id, limit=limit)


@router.get("/messages", response_model=list[schemas.Message])
async def messages(conn: ConnDep, _: SupportOnly, learner_id: uuid.UUID | None = None,
                   to: Annotated[str | None, Query(max_length=320, description="recipient address")] = None,
                   limit: Limit = 100) -> list[schemas.Message]:
    """A learner's emails, or those sent to an address (support, admin)."""
    if learner_id is None and not to:
        raise field_problem("learner_id", "give learner_id or to")
    return await service.messages_of(conn, learner_id=learner_id, to=to or None, limit=limit)


@router.post("/messages/{message_id}/resend", status_code=202, response_model=schemas.Message)
async def resend(message_id: uuid.UUID, conn: ConnDep, user: CurrentUser, request: Request) -> schemas.Message:
    """Send a fresh copy of a confirmation, certificate or verification email (its owner, support, admin)."""
    return await service.resend(conn, message_id=message_id, principal=user, settings=request.app.state.settings)
