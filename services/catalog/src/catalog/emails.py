"""The catalog's copy of which verified address belongs to which learner, and what a newly verified address attaches.

Only verified addresses count: a sign-up address nobody has proved may be someone else's, and attendance filed under it
must not become credit for whoever typed it. identity publishes the whole current list (`verified_emails`) with every
profile, under a version that grows per learner, and `email.verified` for each proof.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from catalog import attendance, email_repository
from catalog.domain import normalise_email
from opencme_contracts.events import LearnerProfile
from opencme_kit import db

log = logging.getLogger(__name__)


async def apply_profile(
    conn: db.Connection, *, learner_id: uuid.UUID, profile: LearnerProfile, version: int, as_of: datetime
) -> None:
    """Replaces the learner's verified addresses with a profile's list, and their name and degree with its own, unless
    a newer version was applied already.

    An address another learner claimed by a newer event stays theirs; one that moves to this learner, or is newly
    listed, attaches the attendance waiting for it.
    """
    emails = sorted({normalise_email(e) for e in profile.verified_emails})
    await email_repository.lock_emails(conn, emails)
    if not await email_repository.advance_profile_version(conn, learner_id, version, profile):
        log.info("profile version %d of learner %s is not newer than the one applied; ignored", version, learner_id)
        return
    await email_repository.release_emails_except(conn, learner_id, emails, as_of)
    for email in emails:
        await _claim(conn, email, learner_id, as_of)


async def apply_verified(conn: db.Connection, *, learner_id: uuid.UUID, email: str, verified_at: datetime) -> None:
    """One address just proved to be the learner's."""
    email = normalise_email(email)
    await email_repository.lock_emails(conn, [email])
    await _claim(conn, email, learner_id, verified_at)


async def _claim(conn: db.Connection, email: str, learner_id: uuid.UUID, at: datetime) -> None:
    if await email_repository.claim_email(conn, email, learner_id, at):
        attached = await attendance.attach_pending(conn, email, learner_id)
        if attached:
            log.info("attached %d pending attendance of a verified address to learner %s", attached, learner_id)
