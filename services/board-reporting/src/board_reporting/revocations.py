"""A revoked claim is not reported: what revoking does to the claim's board reports."""

from __future__ import annotations

import logging

import asyncpg

from board_reporting import domain, repository
from opencme_contracts.events import CreditRevoked
from opencme_kit import db, merges

log = logging.getLogger(__name__)


async def revoke_claim(*, conn: db.Connection, revocation: CreditRevoked) -> list[asyncpg.Record]:
    """Withdraws the claim's reports that the board has not recorded and flags the others for support.

    The revocation is remembered first, so a claim that arrives after it opens no report. A withdrawal is final and
    not announced (BoardReportStatusChanged has no such status); a flagged report keeps its status, so nothing is
    announced for it either. Returns the withdrawn reports.
    """
    withdrawn = []
    async with conn.transaction():
        # The claim's learner and its owner, as record_claim locks them: the two never interleave for one claim.
        await merges.owner_of(conn, revocation.learner_id)
        await repository.remember_revocation(
            conn,
            claim_id=revocation.claim_id,
            learner_id=revocation.learner_id,
            revoked_at=revocation.revoked_at,
            reason=revocation.reason,
        )
        for report in await repository.reports_of_claim(conn, revocation.claim_id):
            action = domain.on_revocation(report["status"])
            if action == "withdraw":
                withdrawn.append(
                    await repository.withdraw(
                        conn,
                        report["id"],
                        reason=domain.withdrawal_reason(report["status"], revocation.reason),
                        revoked_at=revocation.revoked_at,
                        revoked_reason=revocation.reason,
                    )
                )
            elif action == "flag":
                log.warning(
                    "claim %s was revoked but %s has its report (%s): support must correct it at the board",
                    revocation.claim_id,
                    report["board_code"],
                    report["status"],
                    extra={"ctx_report_id": str(report["id"])},
                )
                await repository.flag_revoked(
                    conn, report["id"], revoked_at=revocation.revoked_at, revoked_reason=revocation.reason
                )
    return withdrawn
