"""What the catalog does with other services' events. Each handler runs inside its inbox transaction: a redelivered
event changes nothing.

- `user.registered`, `profile.updated`, `email.verified`: keep the projection of verified addresses (`emails.py`) and
  attach attendance staff filed under an address once it is verified for a learner.
- `account.merged`: move the merged learner's registrations, attendance and event-code uses to the survivor.
"""

from __future__ import annotations

from catalog import emails, merges
from catalog.config import Settings
from opencme_contracts import Envelope, events
from opencme_kit import db
from opencme_kit.messaging import Handler


async def on_account_merged(conn: db.Connection, envelope: Envelope[events.AccountMerged], settings: Settings) -> None:
    """Move the merged learner's registrations, attendance and event-code uses to the surviving account."""
    await merges.merge_accounts(conn, envelope.data)


async def on_user_registered(
    conn: db.Connection, envelope: Envelope[events.UserRegistered], settings: Settings
) -> None:
    """Record the new learner's name and verified addresses (usually none yet: the sign-up address is unproved)."""
    event = envelope.data
    await emails.apply_profile(
        conn,
        learner_id=event.user_id,
        profile=event.profile,
        version=event.profile_version,
        as_of=event.registered_at,
    )


async def on_profile_updated(
    conn: db.Connection, envelope: Envelope[events.ProfileUpdated], settings: Settings
) -> None:
    """Keep the newest name and verified addresses; attach attendance waiting for an address."""
    event = envelope.data
    await emails.apply_profile(
        conn,
        learner_id=event.user_id,
        profile=event.profile,
        version=event.version,
        as_of=event.effective_at,
    )


async def on_email_verified(conn: db.Connection, envelope: Envelope[events.EmailVerified], settings: Settings) -> None:
    """Record a newly verified address; attach attendance staff filed under it."""
    event = envelope.data
    await emails.apply_verified(conn, learner_id=event.user_id, email=event.email, verified_at=event.verified_at)


HANDLERS: dict[str, Handler] = {
    "account.merged": on_account_merged,
    "user.registered": on_user_registered,
    "profile.updated": on_profile_updated,
    "email.verified": on_email_verified,
}
