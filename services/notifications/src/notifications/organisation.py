"""Whose emails these are: the organisation's name, address, phone, support email and brand colour, in every email's
sender name, subject, footer and buttons. Identity owns them and publishes every change as organisation.updated; the
ORG_* variables answer until the first one arrives. An email shows the organisation as it was when it was composed
(queued, released or resent), so a change applies to every email composed after it, without a restart."""

from __future__ import annotations

from dataclasses import replace

from notifications import repository
from notifications.compose import Organisation
from notifications.config import Settings
from opencme_contracts import events
from opencme_kit import db


async def organisation_updated(conn: db.Connection, event: events.OrganisationUpdated) -> None:
    """Keeps the highest revision: an older event arriving late (a replay, a redelivery) changes nothing."""
    await repository.save_organisation(
        conn,
        event.model_dump(include=set(repository.ORGANISATION_COLUMNS)),
        revision=event.revision,
        updated_at=event.updated_at,
    )


async def current(conn: db.Connection, settings: Settings) -> Organisation:
    """The organisation for an email composed now: identity's latest, or the configured one until it has arrived
    (the portal's address always comes from the configuration)."""
    configured = settings.default_organisation
    row = await repository.get_organisation(conn)
    if row is None:
        return configured
    return replace(configured, **{column: row[column] for column in repository.ORGANISATION_COLUMNS})
