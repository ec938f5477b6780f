"""Test helpers of notifications: a real SMTP server that can refuse chosen addresses, event factories, and a way to
apply an event through the kit's inbox exactly as the worker does."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import asyncpg
from aiosmtpd.controller import Controller

from devstack.smtp_sink import MaildirHandler
from notifications.config import SERVICE, Settings
from notifications.consumers import HANDLERS
from opencme_contracts import Envelope, events, new_envelope
from opencme_kit import db
from opencme_kit.messaging import InboxConsumer, create_broker

PORTAL = "https://cme.example.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def address() -> str:
    return f"learner.{uuid.uuid4().hex[:10]}@example.org"


# --- a real SMTP server ------------------------------------------------------------------------------------------


class SinkHandler(MaildirHandler):
    """Stores mail like the dev sink; answers 550 to `refused` addresses and 451 the first `greylist[addr]` times."""

    def __init__(self, maildir: Path) -> None:
        super().__init__(maildir)
        self.refused: set[str] = set()
        self.greylist: dict[str, int] = {}
        self.rcpt_commands: dict[str, int] = {}
        self.greetings = 0  # EHLOs: one per connection
        self.quits = 0

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list) -> list:
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.quits += 1
        return "221 Bye"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list) -> str:
        self.rcpt_commands[address.lower()] = self.rcpt_commands.get(address.lower(), 0) + 1
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if self.greylist.get(address.lower(), 0) > 0:
            self.greylist[address.lower()] -= 1
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class Sink:
    """An aiosmtpd server on a free 127.0.0.1 port that can be stopped and started again on the same port;
    `server_options` go to aiosmtpd (e.g. tls_context, require_starttls, authenticator, auth_required)."""

    def __init__(self, maildir: Path, **server_options: Any) -> None:
        self.port = free_port()
        self.maildir = maildir
        self.handler = SinkHandler(maildir)
        self.server_options = server_options
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **self.server_options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        """Stored messages in arrival order; only those whose envelope recipient is `to` when given."""
        found = []
        for path in sorted(self.maildir.glob("*.eml")):
            recipients = [r.lower() for r in json.loads(path.with_suffix(".json").read_text())["rcpt_tos"]]
            if to is None or to.lower() in recipients:
                found.append(BytesParser(policy=policy.default).parsebytes(path.read_bytes()))
        return found

    async def wait_for(self, count: int, *, to: str | None = None, timeout: float = 20.0) -> list[EmailMessage]:
        async with asyncio.timeout(timeout):
            while len(found := self.messages(to)) < count:
                await asyncio.sleep(0.05)
        return found


def make_settings(database_url: str, smtp_port: int, **overrides: Any) -> Settings:
    """Settings on `database_url` and a test SMTP server, with retries in tenths of a second."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "smtp_port": smtp_port,
        "portal_url": PORTAL,
        "mail_from": "no-reply@cme.example.org",
        "org_name": "Example Medical School CME",
        "org_address": "1 Main Street\nBoston, MA 02115",
        "org_phone": "+1 617 555 0100",
        "org_support_email": "cme-support@example.org",
        "timezone": "America/New_York",
        "send_interval": 0.2,
        "retry_base_seconds": 0.05,
        "retry_cap_seconds": 0.3,
        "smtp_timeout": 5.0,
        "outbox_poll_interval": 0.2,
    }
    return Settings(**{**values, **overrides})


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


# --- applying events as the worker does --------------------------------------------------------------------------


def inbox_consumer(settings: Settings) -> InboxConsumer:
    """The worker's consumers, on a broker that is never started: nothing is consumed from Kafka."""
    broker = create_broker(settings.kafka_bootstrap_servers, client_id=SERVICE)
    return InboxConsumer(broker, service=SERVICE, handlers=HANDLERS, settings=settings)


async def apply(pool: db.Pool, settings: Settings, envelope: Envelope[Any]) -> None:
    """Runs the event's handler inside the kit's inbox transaction, as the worker's consumer does."""
    inbox = inbox_consumer(settings)
    inbox.pool = pool
    await inbox.deliver(envelope)


async def messages_in_db(pool: db.Pool, **where: Any) -> list[asyncpg.Record]:
    clauses = " AND ".join(f"{column} = ${i}" for i, column in enumerate(where, start=1)) or "true"
    async with pool.acquire() as conn:
        return await conn.fetch(f"SELECT * FROM messages WHERE {clauses} ORDER BY created_at", *where.values())


async def wait_until_settled(pool: db.Pool, *, timeout: float = 20.0) -> None:
    """Until no message is queued any more."""
    async with asyncio.timeout(timeout):
        while True:
            async with pool.acquire() as conn:
                if not await conn.fetchval("SELECT count(*) FROM messages WHERE status = 'queued'"):
                    return
            await asyncio.sleep(0.05)


# --- events ------------------------------------------------------------------------------------------------------

NOW = datetime.now(UTC)


def _envelope(payload: Any, subject: object) -> Envelope[Any]:
    return new_envelope(payload, producer="test", subject=subject)


def profile(email: str, first_name: str = "Ada", last_name: str = "Lovelace") -> events.LearnerProfile:
    return events.LearnerProfile(first_name=first_name, last_name=last_name, degree="MD", primary_email=email)


def user_registered(
    learner: uuid.UUID,
    email: str,
    *,
    first_name: str = "Ada",
    version: int = 1,
    verify_url: str | None = f"{PORTAL}/verify-email?token=tok123",
) -> Envelope[Any]:
    return _envelope(
        events.UserRegistered(
            user_id=learner,
            profile=profile(email, first_name),
            profile_version=version,
            registered_at=datetime.now(UTC),
            verify_email_url=verify_url,
        ),
        learner,
    )


def profile_updated(learner: uuid.UUID, email: str, *, first_name: str = "Ada", version: int = 2) -> Envelope[Any]:
    return _envelope(
        events.ProfileUpdated(
            user_id=learner, profile=profile(email, first_name), version=version, effective_at=datetime.now(UTC)
        ),
        learner,
    )


def verification_requested(
    learner: uuid.UUID, email: str, *, expires_in: timedelta = timedelta(hours=48), token: str = "added1"
) -> Envelope[Any]:
    now = datetime.now(UTC)
    return _envelope(
        events.EmailVerificationRequested(
            user_id=learner,
            email=email,
            verify_url=f"{PORTAL}/verify-email?token={token}",
            expires_at=now + expires_in,
            requested_at=now,
        ),
        learner,
    )


def password_reset(
    email: str, *, user_id: uuid.UUID | None = None, expires_in: timedelta = timedelta(minutes=30)
) -> Envelope[Any]:
    now = datetime.now(UTC)
    if user_id is None:
        payload = events.PasswordResetRequested(email=email, requested_at=now)
    else:
        payload = events.PasswordResetRequested(
            email=email,
            user_id=user_id,
            reset_url=f"{PORTAL}/reset-password?token=r1",
            expires_at=now + expires_in,
            requested_at=now,
        )
    return _envelope(payload, email)


def certificate_issued(
    learner: uuid.UUID,
    *,
    title: str = "Grand Rounds: Sepsis",
    claim_id: uuid.UUID | None = None,
    certificate_id: uuid.UUID | None = None,
) -> Envelope[Any]:
    return _envelope(
        events.CertificateIssued(
            certificate_id=certificate_id or uuid.uuid4(),
            certificate_number="C-2026-000123",
            verification_code="V3RIFY",
            claim_id=claim_id or uuid.uuid4(),
            learner_id=learner,
            activity_id=uuid.uuid4(),
            activity_title=title,
            issued_at=datetime.now(UTC),
        ),
        learner,
    )


def registration_confirmed(
    learner: uuid.UUID,
    email: str,
    *,
    format: str = "live_course",
    starts_at: datetime | None = datetime(2026, 5, 1, 12, 0, tzinfo=UTC),
    ends_at: datetime | None = datetime(2026, 5, 2, 21, 30, tzinfo=UTC),
    fee_cents: int = 45000,
    registration_id: uuid.UUID | None = None,
    activity_id: uuid.UUID | None = None,
    title: str = "Cardiology Review Course",
    number: str = "R-1001",
) -> Envelope[Any]:
    activity = events.ActivitySummary(
        activity_id=activity_id or uuid.uuid4(),
        title=title,
        format=format,
        starts_at=starts_at,
        ends_at=ends_at,
        location="Hotel Commonwealth, Boston" if format == "live_course" else None,
    )
    return _envelope(
        events.RegistrationConfirmed(
            registration_id=registration_id or uuid.uuid4(),
            registration_number=number,
            learner_id=learner,
            email=email,
            activity=activity,
            attendee_category="physician",
            fee_cents=fee_cents,
            payment_status="paid",
            confirmed_at=datetime.now(UTC),
        ),
        learner,
    )


def registration_cancelled(confirmed: Envelope[Any], *, cancelled_at: datetime | None = None) -> Envelope[Any]:
    """The cancellation of the registration `confirmed` confirmed."""
    event = confirmed.data
    return _envelope(
        events.RegistrationCancelled(
            registration_id=event.registration_id,
            learner_id=event.learner_id,
            activity_id=event.activity.activity_id,
            cancelled_at=cancelled_at or datetime.now(UTC),
        ),
        event.learner_id,
    )


def activity_cancelled(
    *confirmed: Envelope[Any],
    reason: str = "The course director is ill.",
    cancelled_at: datetime | None = None,
    part: int = 1,
    parts: int = 1,
) -> Envelope[Any]:
    """The cancellation of the activity of the registrations `confirmed` confirmed (all of one activity), or `part`
    of the `parts` events announcing it."""
    first = confirmed[0].data
    return _envelope(
        events.ActivityCancelled(
            activity=first.activity,
            reason=reason,
            registrations=tuple(
                events.CancelledRegistration(
                    registration_id=c.data.registration_id,
                    registration_number=c.data.registration_number,
                    learner_id=c.data.learner_id,
                    email=c.data.email,
                )
                for c in confirmed
            ),
            cancelled_at=cancelled_at or datetime.now(UTC),
            part=part,
            parts=parts,
        ),
        first.activity.activity_id,
    )


def activity_published(
    *,
    activity_id: uuid.UUID | None = None,
    title: str = "Sepsis Grand Rounds",
    format: str = "grand_rounds",
    ends_at: datetime | None = None,
    claim_window_days: int = 30,
    published_at: datetime | None = None,
) -> Envelope[Any]:
    activity_id = activity_id or uuid.uuid4()
    starts_at = ends_at - timedelta(hours=1) if ends_at else None
    activity = events.ActivitySummary(
        activity_id=activity_id, title=title, format=format, starts_at=starts_at, ends_at=ends_at
    )
    designation = events.CreditDesignation(
        credit_type="AMA_PRA_1",
        max_credits=Decimal("1.00"),
        statement="designates this live activity for a maximum of 1 credit",
    )
    return _envelope(
        events.ActivityPublished(
            activity=activity,
            provider_name="Example Medical School",
            credit_designations=(designation,),
            claim_window_days=claim_window_days,
            published_at=published_at or datetime.now(UTC),
        ),
        activity_id,
    )


def attendance_recorded(learner: uuid.UUID, activity_id: uuid.UUID, attended_on: date) -> Envelope[Any]:
    return _envelope(
        events.AttendanceRecorded(
            learner_id=learner,
            activity_id=activity_id,
            session_id=uuid.uuid4(),
            method="event_code",
            attended_on=attended_on,
            recorded_at=datetime.now(UTC),
        ),
        learner,
    )


def credit_claimed(learner: uuid.UUID, activity_id: uuid.UUID, *, title: str = "Sepsis Grand Rounds") -> Envelope[Any]:
    activity = events.ActivitySummary(activity_id=activity_id, title=title, format="grand_rounds")
    credit = events.ClaimedCredit(credit_type="AMA_PRA_1", amount=Decimal("1.00"), statement="designates ...")
    return _envelope(
        events.CreditClaimed(
            claim_id=uuid.uuid4(),
            learner_id=learner,
            activity=activity,
            provider_name="Example Medical School",
            credits=(credit,),
            completed_on=datetime.now(UTC).date(),
            claimed_at=datetime.now(UTC),
        ),
        learner,
    )


def board_status(
    learner: uuid.UUID,
    *,
    status: str,
    board: str = "ABIM",
    reason: str | None = None,
    claim_id: uuid.UUID | None = None,
) -> Envelope[Any]:
    return _envelope(
        events.BoardReportStatusChanged(
            report_id=uuid.uuid4(),
            learner_id=learner,
            claim_id=claim_id or uuid.uuid4(),
            board_code=board,
            status=status,
            reason=reason,
            attempts=1,
            changed_at=datetime.now(UTC),
        ),
        learner,
    )


def board_updated(
    code: str, name: str, *, instructions: str | None = None, at: datetime | None = None
) -> Envelope[Any]:
    """The registry's announcement of a board (a self-reporting one when `instructions` are given)."""
    return new_envelope(
        events.BoardUpdated(
            code=code,
            name=name,
            mode="self_report" if instructions else "report",
            deadline_days=None if instructions else 30,
            self_report_instructions=instructions,
            updated_at=at or datetime.now(UTC),
        ),
        producer="board-reporting",
        subject=code,
    )


def account_merged(merged: uuid.UUID, into: uuid.UUID) -> Envelope[Any]:
    """The help desk merged `merged` into `into`; keyed by the survivor, as identity publishes it."""
    return _envelope(
        events.AccountMerged(
            surviving_user_id=into,
            merged_user_id=merged,
            merged_at=datetime.now(UTC),
            reason="same physician, two accounts (help desk ticket 4711)",
        ),
        into,
    )


def organisation_updated(revision: int, **overrides: Any) -> Envelope[Any]:
    """Identity's organisation.updated at `revision`, with values of its own unless `overrides` name them."""
    values: dict[str, Any] = {
        "name": f"Lakeside Health CME r{revision}",
        "address": f"{revision} Harbor Road\nSuite 200\nCleveland, OH 44114",
        "phone": f"+1 216 555 {revision:04d}",
        "support_email": f"help-r{revision}@lakeside.example.org",
        "brand_colour": "#7a1f3d",
        "updated_at": datetime.now(UTC),
        "revision": revision,
    }
    return _envelope(events.OrganisationUpdated(**{**values, **overrides}), "organisation")
