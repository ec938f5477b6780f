"""What board reporting does with other services' events. Each handler runs inside its inbox transaction.

A handler's name keys the inbox (`board-reporting.on_credit_claimed`): renaming one replays its topic.
"""

from __future__ import annotations

from board_reporting import merges, revocations, service
from board_reporting.config import Settings
from opencme_contracts import AccountMerged, CreditClaimed, CreditRevoked, Envelope, ProfileUpdated, UserRegistered
from opencme_kit import db
from opencme_kit.clock import utcnow
from opencme_kit.messaging import Handler, ignoring


@ignoring(lambda claim: not claim.moc_boards)  # most claims: no transaction, no inbox row
async def on_credit_claimed(conn: db.Connection, envelope: Envelope[CreditClaimed], settings: Settings) -> None:
    """Open a report for each board the learner asked us to report the claim to (a merged learner's, the survivor's)."""
    await service.record_claim(conn=conn, claim=envelope.data, now=utcnow())


async def on_user_registered(conn: db.Connection, envelope: Envelope[UserRegistered], settings: Settings) -> None:
    """Keep the new learner's name, board IDs and birth month/day; releases reports claimed before it arrived."""
    data = envelope.data
    await service.apply_profile(
        conn=conn, learner_id=data.user_id, profile=data.profile, version=data.profile_version, now=utcnow()
    )


async def on_profile_updated(conn: db.Connection, envelope: Envelope[ProfileUpdated], settings: Settings) -> None:
    """Keep the newest profile; held and rejected reports go to the board once it has what the board needs."""
    data = envelope.data
    await service.apply_profile(
        conn=conn, learner_id=data.user_id, profile=data.profile, version=data.version, now=utcnow()
    )


async def on_credit_revoked(conn: db.Connection, envelope: Envelope[CreditRevoked], settings: Settings) -> None:
    """Withdraw the revoked claim's reports the board has not recorded; flag the others for a correction."""
    await revocations.revoke_claim(conn=conn, revocation=envelope.data)


async def on_account_merged(conn: db.Connection, envelope: Envelope[AccountMerged], settings: Settings) -> None:
    """The survivor takes over the merged account's reports; held ones are weighed against the survivor's profile."""
    await merges.merge_accounts(conn=conn, merge=envelope.data, now=utcnow())


HANDLERS: dict[str, Handler] = {
    "credit.claimed": on_credit_claimed,
    "credit.revoked": on_credit_revoked,
    "user.registered": on_user_registered,
    "profile.updated": on_profile_updated,
    "account.merged": on_account_merged,
}
