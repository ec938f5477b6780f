"""What the certificates service does with events: learner names (versioned), a certificate per claim, revocations
and merged accounts. Each handler runs inside its inbox transaction; the worker subscribes HANDLERS. None renders a
certificate for a claim: that is the worker's issuer's, outside any transaction (issuing.py)."""

from __future__ import annotations

from certificates import issuing, replacements, service
from certificates.config import Settings
from opencme_contracts import AccountMerged, CreditClaimed, CreditRevoked, Envelope, ProfileUpdated, UserRegistered
from opencme_kit import db
from opencme_kit.messaging import Handler


async def on_user_registered(conn: db.Connection, envelope: Envelope[UserRegistered], settings: Settings) -> None:
    """Remember the learner's first name version; issue claims that were waiting for it."""
    event = envelope.data
    await replacements.record_profile_version(
        conn,
        learner_id=event.user_id,
        version=event.profile_version,
        effective_at=event.registered_at,
        profile=event.profile,
        settings=settings,
    )


async def on_profile_updated(conn: db.Connection, envelope: Envelope[ProfileUpdated], settings: Settings) -> None:
    """Keep every name version; a change effective before a claim that arrives after its certificate replaces it."""
    event = envelope.data
    await replacements.record_profile_version(
        conn,
        learner_id=event.user_id,
        version=event.version,
        effective_at=event.effective_at,
        profile=event.profile,
        settings=settings,
    )


async def on_credit_claimed(conn: db.Connection, envelope: Envelope[CreditClaimed], settings: Settings) -> None:
    """Queue the claim: the worker's issuer renders, freezes and announces its certificate (issuing.py)."""
    await issuing.accept(conn, envelope.data, envelope.correlation_id)


async def on_credit_revoked(conn: db.Connection, envelope: Envelope[CreditRevoked], settings: Settings) -> None:
    """A revoked claim's current certificate stays on record but no longer verifies as valid."""
    await service.revoke_claim(conn, envelope.data)


async def on_account_merged(conn: db.Connection, envelope: Envelope[AccountMerged], settings: Settings) -> None:
    """The help desk merged two accounts of one learner: the survivor now owns the merged account's certificates."""
    await service.merge_accounts(conn, envelope.data)


HANDLERS: dict[str, Handler] = {
    "user.registered": on_user_registered,
    "profile.updated": on_profile_updated,
    "credit.claimed": on_credit_claimed,
    "credit.revoked": on_credit_revoked,
    "account.merged": on_account_merged,
}
