"""The topic registry: who produces each topic, who consumes it, its key and partition count.

Topic name = event type. A message that a consumer cannot process goes to `<topic>.dlq`.
"""

from __future__ import annotations

from dataclasses import dataclass

from opencme_contracts import events
from opencme_contracts.envelope import EventPayload

PARTITIONS = 6


@dataclass(frozen=True)
class Topic:
    name: str
    event: type[EventPayload]
    producer: str
    consumers: tuple[str, ...]
    key: str
    # Six: the most replicas of a consumer that share a topic's work is its partition count, and six divide evenly
    # among two or three replicas (the cluster profile's) as among one. Keyed topics keep one key's order.
    partitions: int = PARTITIONS

    @property
    def dlq(self) -> str:
        return dlq_topic(self.name)


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


_LEARNER = "learner id"
# The key (and envelope subject) of organisation.updated: there is one organisation, so one key keeps every change
# in order on one partition.
ORGANISATION_KEY = "organisation"

TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        Topic(
            "user.registered",
            events.UserRegistered,
            "identity",
            ("catalog", "certificates", "board-reporting", "notifications"),
            _LEARNER,
        ),
        Topic(
            "profile.updated",
            events.ProfileUpdated,
            "identity",
            ("catalog", "certificates", "board-reporting", "notifications"),
            _LEARNER,
        ),
        Topic(
            "email.verification_requested", events.EmailVerificationRequested, "identity", ("notifications",), _LEARNER
        ),
        Topic("email.verified", events.EmailVerified, "identity", ("catalog",), _LEARNER),
        Topic(
            "account.merged",
            events.AccountMerged,
            "identity",
            ("catalog", "credit", "certificates", "board-reporting", "notifications"),
            "surviving learner id",
        ),
        Topic(
            "password_reset.requested", events.PasswordResetRequested, "identity", ("notifications",), "email address"
        ),
        Topic(
            "organisation.updated",
            events.OrganisationUpdated,
            "identity",
            ("notifications",),
            f'the constant "{ORGANISATION_KEY}"',
            partitions=1,
        ),
        Topic("activity.published", events.ActivityPublished, "catalog", ("credit", "notifications"), "activity id"),
        Topic("activity.unpublished", events.ActivityUnpublished, "catalog", ("credit",), "activity id"),
        Topic("activity.cancelled", events.ActivityCancelled, "catalog", ("credit", "notifications"), "activity id"),
        Topic("registration.confirmed", events.RegistrationConfirmed, "catalog", ("credit", "notifications"), _LEARNER),
        Topic("registration.cancelled", events.RegistrationCancelled, "catalog", ("credit", "notifications"), _LEARNER),
        Topic("attendance.recorded", events.AttendanceRecorded, "catalog", ("credit", "notifications"), _LEARNER),
        Topic(
            "credit.claimed",
            events.CreditClaimed,
            "credit",
            ("certificates", "board-reporting", "notifications"),
            _LEARNER,
        ),
        Topic("credit.revoked", events.CreditRevoked, "credit", ("certificates", "board-reporting"), _LEARNER),
        Topic("certificate.issued", events.CertificateIssued, "certificates", ("notifications",), _LEARNER),
        Topic(
            "board_report.status_changed",
            events.BoardReportStatusChanged,
            "board-reporting",
            ("notifications",),
            _LEARNER,
        ),
        Topic("board.updated", events.BoardUpdated, "board-reporting", ("notifications",), "board code"),
    )
}

DLQ_PARTITIONS = 1


def all_topic_names() -> list[tuple[str, int]]:
    """Every topic with its partition count, DLQs included, for explicit creation at start-up."""
    names = [(t.name, t.partitions) for t in TOPICS.values()]
    names += [(t.dlq, DLQ_PARTITIONS) for t in TOPICS.values()]
    return names


def consumed_by(service: str) -> list[Topic]:
    return [t for t in TOPICS.values() if service in t.consumers]
