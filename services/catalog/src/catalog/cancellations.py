"""Cancelling a registration: the one way both a learner's cancel and an account merge publish it."""

from __future__ import annotations

import asyncpg

from catalog.config import SERVICE
from opencme_contracts import events
from opencme_kit import outbox


async def publish_cancelled(conn: asyncpg.Connection, cancelled: asyncpg.Record) -> None:
    """Emits registration.cancelled for a row just cancelled (id, learner_id, activity_id, cancelled_at).

    Keyed by the learner the registration belongs to, like the registration.confirmed it undoes, so consumers see the
    two in order. Call it in the transaction that cancelled the row.
    """
    await outbox.emit(
        conn,
        events.RegistrationCancelled(
            registration_id=cancelled["id"],
            learner_id=cancelled["learner_id"],
            activity_id=cancelled["activity_id"],
            cancelled_at=cancelled["cancelled_at"],
        ),
        producer=SERVICE,
        subject=cancelled["learner_id"],
    )
