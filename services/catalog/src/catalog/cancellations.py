"""Taking a published activity out of the catalog: unpublishing it (back to a draft) or cancelling it with a reason,
which cancels its registrations and tells every registrant (domain.py: the rules). Each one transaction, the state
change and its event together."""

from __future__ import annotations

import uuid

from catalog import domain, repository, schemas
from catalog import registrations_repository as store
from catalog.config import SERVICE
from catalog.service import activity_summary, locked_activity, to_activity
from opencme_contracts import events
from opencme_kit import db, outbox
from opencme_kit.auth import Principal
from opencme_kit.clock import utcnow

# Registrations listed in one activity.cancelled (the contract's limit, far below Kafka's 1 MB message); a larger
# meeting's cancellation takes several events.
REGISTRATIONS_PER_EVENT = events.ActivityCancelled.REGISTRATIONS_PER_EVENT


async def unpublish_activity(
    *,
    conn: db.Connection,
    staff: Principal,
    activity_id: uuid.UUID,
    request: schemas.ActivityUnpublishing,
    provider: str,
) -> schemas.Activity:
    """Back to a draft, with the reason, when nobody registered or attended; a draft is answered as it is."""
    async with conn.transaction():
        # Locked as registering locks it: no registration slips in between the count and the change.
        row = await locked_activity(conn, activity_id)
        refusal = domain.unpublish_refusal(
            status=row["status"],
            live_registrations=row["taken_seats"],
            attendances=await repository.attendance_count(conn, activity_id),
        )
        if refusal is not None:
            raise refusal
        if row["status"] == "draft":
            return to_activity(row, provider)
        now = utcnow()
        await repository.mark_unpublished(conn, activity_id, by=staff.id, at=now, reason=request.reason)
        await outbox.emit(
            conn,
            events.ActivityUnpublished(activity_id=activity_id, unpublished_at=now, reason=request.reason),
            producer=SERVICE,
            subject=activity_id,
        )
        changed_row = await repository.get_activity(conn, activity_id)
    assert changed_row is not None, "locked above"
    return to_activity(changed_row, provider)


async def cancel_activity(
    *,
    conn: db.Connection,
    staff: Principal,
    activity_id: uuid.UUID,
    request: schemas.ActivityCancellation,
    provider: str,
) -> schemas.Activity:
    """Cancels a published activity and its live registrations, announcing both in activity.cancelled (one event per
    REGISTRATIONS_PER_EVENT registrations, all in this transaction); a cancelled one is answered as it is, announcing
    nothing more."""
    async with conn.transaction():
        row = await locked_activity(conn, activity_id)
        if (refusal := domain.cancel_refusal(status=row["status"])) is not None:
            raise refusal
        if row["status"] == "cancelled":
            return to_activity(row, provider)
        now = utcnow()
        await repository.mark_cancelled(conn, activity_id, by=staff.id, at=now, reason=request.reason)
        cancelled = await store.cancel_activity_registrations(
            conn, activity_id, by=staff.id, at=now, reason=request.reason
        )
        registrations = [
            events.CancelledRegistration(
                registration_id=r["id"], registration_number=r["number"], learner_id=r["learner_id"], email=r["email"]
            )
            for r in sorted(cancelled, key=lambda r: r["number"])
        ]
        per_event = REGISTRATIONS_PER_EVENT
        shares = [tuple(registrations[i : i + per_event]) for i in range(0, len(registrations), per_event)] or [()]
        for part, share in enumerate(shares, start=1):
            await outbox.emit(
                conn,
                events.ActivityCancelled(
                    activity=activity_summary(row),
                    reason=request.reason,
                    registrations=share,
                    cancelled_at=now,
                    part=part,
                    parts=len(shares),
                ),
                producer=SERVICE,
                subject=activity_id,
            )
        changed_row = await repository.get_activity(conn, activity_id)
    assert changed_row is not None, "locked above"
    return to_activity(changed_row, provider)
