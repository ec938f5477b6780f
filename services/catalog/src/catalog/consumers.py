"""What the catalog does with other services' events: a merge of two learner accounts moves the merged one's records.

`email.verified` is routed to the catalog too, but catalog records are keyed by learner id only (a registration's
email is just where its confirmation went), so a newly verified address has nothing to attach and is not consumed.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker

from catalog import merges
from catalog.config import SERVICE
from catalog.kit.messaging import InboxConsumer
from opencme_contracts import Envelope


def register_consumers(broker: KafkaBroker) -> InboxConsumer:
    consumer = InboxConsumer(broker, service=SERVICE)

    @consumer.handle("account.merged")
    async def on_account_merged(conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        """Move the merged learner's registrations, attendance and event-code uses to the surviving account."""
        await merges.merge_accounts(conn, envelope.data)

    return consumer
