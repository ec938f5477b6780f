"""What the catalog does with other services' events.

- `user.registered`, `profile.updated`, `email.verified`: keep the projection of verified addresses (`emails.py`) and
  attach attendance staff filed under an address once it is verified for a learner.
- `account.merged`: move the merged learner's registrations, attendance and event-code uses to the survivor.

All through the inbox: a redelivered event changes nothing.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker

from catalog import emails, merges
from catalog.config import SERVICE
from opencme_contracts import Envelope
from opencme_kit.messaging import InboxConsumer


def register_consumers(broker: KafkaBroker) -> InboxConsumer:
    consumer = InboxConsumer(broker, service=SERVICE)

    @consumer.handle("account.merged")
    async def on_account_merged(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Move the merged learner's registrations, attendance and event-code uses to the surviving account."""
        await merges.merge_accounts(conn, envelope.data)

    @consumer.handle("user.registered")
    async def on_user_registered(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Record the new learner's verified addresses (usually none yet: the sign-up address is unproved)."""
        event = envelope.data
        await emails.apply_profile(
            conn,
            learner_id=event.user_id,
            verified_emails=event.profile.verified_emails,
            version=event.profile_version,
            as_of=event.registered_at,
        )

    @consumer.handle("profile.updated")
    async def on_profile_updated(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Replace the learner's verified addresses from the newest profile; attach attendance waiting for them."""
        event = envelope.data
        await emails.apply_profile(
            conn,
            learner_id=event.user_id,
            verified_emails=event.profile.verified_emails,
            version=event.version,
            as_of=event.effective_at,
        )

    @consumer.handle("email.verified")
    async def on_email_verified(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Record a newly verified address; attach attendance staff filed under it."""
        event = envelope.data
        await emails.apply_verified(conn, learner_id=event.user_id, email=event.email, verified_at=event.verified_at)

    return consumer
