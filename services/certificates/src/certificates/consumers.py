"""What the certificates service does with events: learner names (versioned), and a certificate per claim."""

from __future__ import annotations

from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker

from certificates import replacements, service
from certificates.config import SERVICE, Settings
from opencme_contracts import Envelope, events
from opencme_kit.messaging import InboxConsumer


def register_consumers(broker: KafkaBroker, settings: Settings) -> InboxConsumer:
    consumer = InboxConsumer(broker, service=SERVICE)

    @consumer.handle("user.registered")
    async def on_user_registered(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Remember the learner's first name version; issue claims that were waiting for it."""
        event: events.UserRegistered = envelope.data
        await replacements.record_profile_version(
            conn,
            learner_id=event.user_id,
            version=event.profile_version,
            effective_at=event.registered_at,
            profile=event.profile,
            settings=settings,
        )

    @consumer.handle("profile.updated")
    async def on_profile_updated(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Keep every name version: future certificates show the new name, issued ones never change; a change that took
        effect before a claim but arrived after its certificate gets a replacement certificate."""
        event: events.ProfileUpdated = envelope.data
        await replacements.record_profile_version(
            conn,
            learner_id=event.user_id,
            version=event.version,
            effective_at=event.effective_at,
            profile=event.profile,
            settings=settings,
        )

    @consumer.handle("credit.claimed")
    async def on_credit_claimed(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Render and freeze the claim's certificate, then announce it."""
        await service.issue_or_hold(conn, envelope.data, settings)

    @consumer.handle("credit.revoked")
    async def on_credit_revoked(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """A revoked claim's current certificate stays on record but no longer verifies as valid."""
        await service.revoke_claim(conn, envelope.data)

    @consumer.handle("account.merged")
    async def on_account_merged(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """The help desk merged two accounts of one learner: the survivor now owns the merged account's certificates."""
        await service.merge_accounts(conn, envelope.data, settings)

    return consumer
