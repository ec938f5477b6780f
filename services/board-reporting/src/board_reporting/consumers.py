"""What board reporting does with other services' events. Each handler runs inside its inbox transaction."""

from __future__ import annotations

from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker

from board_reporting import merges, revocations, service
from board_reporting.config import SERVICE
from opencme_contracts import AccountMerged, CreditClaimed, CreditRevoked, Envelope, ProfileUpdated, UserRegistered
from opencme_kit.messaging import InboxConsumer


async def on_credit_claimed(conn: asyncpg.Connection, envelope: Envelope[CreditClaimed]) -> None:
    """Open a report for each certifying board the learner asked us to report the claim to (a merged learner's
    survivor's report), unless the claim was revoked already."""
    await service.record_claim(conn=conn, claim=envelope.data, now=service.utcnow())


async def on_user_registered(conn: asyncpg.Connection, envelope: Envelope[UserRegistered]) -> None:
    """Keep the new learner's name, board IDs and birth month/day; releases reports claimed before it arrived."""
    data = envelope.data
    await service.apply_profile(
        conn=conn, learner_id=data.user_id, profile=data.profile, version=data.profile_version, now=service.utcnow()
    )


async def on_profile_updated(conn: asyncpg.Connection, envelope: Envelope[ProfileUpdated]) -> None:
    """Keep the newest profile; held and rejected reports go to the board once it has what the board needs."""
    data = envelope.data
    await service.apply_profile(
        conn=conn, learner_id=data.user_id, profile=data.profile, version=data.version, now=service.utcnow()
    )


async def on_credit_revoked(conn: asyncpg.Connection, envelope: Envelope[CreditRevoked]) -> None:
    """Withdraw the revoked claim's reports the board has not recorded; flag the others for a correction."""
    await revocations.revoke_claim(conn=conn, revocation=envelope.data)


async def on_account_merged(conn: asyncpg.Connection, envelope: Envelope[AccountMerged]) -> None:
    """The survivor takes over the merged account's reports; held ones are weighed against the survivor's profile."""
    await merges.merge_accounts(conn=conn, merge=envelope.data, now=service.utcnow())


HANDLERS: dict[str, Any] = {
    "credit.claimed": on_credit_claimed,
    "credit.revoked": on_credit_revoked,
    "user.registered": on_user_registered,
    "profile.updated": on_profile_updated,
    "account.merged": on_account_merged,
}


def build_consumer(broker: KafkaBroker) -> InboxConsumer:
    consumer = InboxConsumer(broker, service=SERVICE)
    for topic, handler in HANDLERS.items():
        consumer.handle(topic)(handler)
    return consumer
