"""Delivers queued emails over SMTP: a background loop of the worker process.

Each round claims a batch of due messages in a short transaction (FOR UPDATE SKIP LOCKED, then a lease, so several
workers can run side by side), sends them over one SMTP connection with no transaction open, and records each outcome.
The connection stays open for the next round while mail keeps coming (`smtp_keepalive_seconds` after the last round;
a NOOP checks it before it is used again): a surge of certificates is not a TCP, TLS and AUTH handshake per email.

Retry policy (its rules are retry_policy.py's): a transient failure (connection refused or timed out, 4xx, and 5xx
answers about our server or configuration rather than the message) counts an attempt and schedules the next one after
an exponentially growing, jittered delay capped at `retry_cap_seconds`; it never gives up, so an outage of any length
loses nothing, and mail flows again at most one cap after the server is back. A permanent failure (5xx to the
recipient or the content) is recorded as failed with the server's answer and not retried. A message is sent at least
once: if the process dies between the server's acceptance and the database update, it is sent again when its lease ends.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
import uuid
from dataclasses import dataclass

import aiosmtplib
import asyncpg

from notifications import repository, retry_policy, sender_repository
from notifications.config import Settings
from opencme_kit import db
from opencme_kit.clock import utcnow
from opencme_kit.waking import until_due, woken

log = logging.getLogger(__name__)

_CONNECTION_ERRORS = (
    OSError,
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
)


def smtp_client(settings: Settings, *, local_hostname: str | None = None) -> aiosmtplib.SMTP:
    """A client as configured: plain, STARTTLS required, or TLS from the start; certificates always verified (against
    SMTP_CA_FILE when set); AUTH after TLS when a username is set. `local_hostname` is the name it greets the server
    with (default: this host's FQDN, looked up when it connects)."""
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        local_hostname=local_hostname,
        port=settings.smtp_port,
        timeout=settings.smtp_timeout,
        use_tls=settings.smtp_implicit_tls,
        start_tls=settings.smtp_starttls,
        cert_bundle=settings.smtp_ca_file,
        username=settings.smtp_username,
        password=settings.smtp_password,
    )


class ConnectionLost(Exception):
    """The SMTP connection failed mid-batch; the rest of the batch goes back to the queue."""


@dataclass
class Round:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    server_unavailable: bool = False


class Sender:
    def __init__(self, pool: db.Pool, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings
        self._wake = asyncio.Event()
        self._outage_rounds = 0
        self.sent = 0
        self.connections = 0  # SMTP connections opened
        self._kept: aiosmtplib.SMTP | None = None  # the last round's connection, open for the next
        self._kept_until = 0.0  # monotonic time at which the kept connection is closed if no round used it
        self._greeting_name: str | None = None

    async def run(self) -> None:
        """Deliver until cancelled; survives database outages by starting over."""
        while True:
            try:
                await self._serve()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sender failed; restarting")
                await asyncio.sleep(self._delay(1))

    async def _serve(self) -> None:
        async with db.held(self.pool) as listen_conn:  # its LISTEN ends when the connection goes back
            await listen_conn.add_listener(repository.QUEUED_CHANNEL, lambda *_: self._wake.set())
            try:
                while True:
                    _stop_if_cancelled()
                    self._wake.clear()  # before claiming, so a message queued meanwhile is not slept through
                    result = await self.deliver_due()
                    if result.server_unavailable:
                        # Every due message would fail the same way: back off as a whole rather than per batch.
                        self._outage_rounds += 1
                        await asyncio.sleep(self._delay(self._outage_rounds))
                        continue
                    self._outage_rounds = 0
                    if result.claimed == self.settings.send_batch_size:
                        continue
                    await self._idle(listen_conn)
            finally:
                self._drop_kept()

    async def _idle(self, conn: db.Connection) -> None:
        next_due = await sender_repository.seconds_until_next_due(conn)
        timeout = until_due(next_due, at_most=self.settings.send_interval)
        if self._kept is not None:  # wake to close it when its time is up
            timeout = min(timeout, max(0.0, self._kept_until - time.monotonic()))
        if timeout > 0:
            # Woken by NOTIFY when a message is queued; the timeout covers retries falling due and a missed notice.
            await woken(self._wake, timeout)
        if self._kept is not None and time.monotonic() >= self._kept_until and not self._wake.is_set():
            smtp, self._kept = self._kept, None
            await _quit(smtp)

    async def _connection(self) -> aiosmtplib.SMTP:
        """An open connection: the last round's if it still answers a NOOP, else a new one (raises what connecting
        raises)."""
        smtp, self._kept = self._kept, None
        if smtp is not None:
            try:
                await smtp.noop()
                return smtp
            except (*_CONNECTION_ERRORS, aiosmtplib.SMTPException):  # closed by the server meanwhile, or gone
                smtp.close()
        if self._greeting_name is None:  # what aiosmtplib would otherwise look up (DNS) for every connection
            self._greeting_name = await asyncio.to_thread(socket.getfqdn)
        smtp = smtp_client(self.settings, local_hostname=self._greeting_name)
        await smtp.connect()
        self.connections += 1
        return smtp

    def _drop_kept(self) -> None:
        if self._kept is not None:
            self._kept.close()
            self._kept = None

    def _delay(self, attempts: int) -> float:
        return retry_policy.retry_delay(
            attempts, base=self.settings.retry_base_seconds, cap=self.settings.retry_cap_seconds, rand=random.random()
        )

    async def deliver_due(self) -> Round:
        """One round: claim due messages, send them over one connection, record each outcome."""
        settings = self.settings
        async with self.pool.acquire() as conn:
            batch = await sender_repository.claim_due(
                conn, limit=settings.send_batch_size, lease_seconds=settings.claim_lease_seconds
            )
        result = Round(claimed=len(batch))
        if not batch:
            return result
        # Stop early enough that the lease cannot run out while this round still sends from the batch.
        deadline = time.monotonic() + settings.claim_lease_seconds - 4 * settings.smtp_timeout
        pending = list(batch)
        try:
            smtp = await self._connection()
        except (*_CONNECTION_ERRORS, aiosmtplib.SMTPException) as exc:
            error = _describe(exc)
            log.warning("mail server %s:%s unreachable: %s", settings.smtp_host, settings.smtp_port, error)
            for row in pending:
                await self._retry(row, error)
            result.retried, result.server_unavailable = len(pending), True
            return result
        lost = True  # until the round ends as it should: a connection in an unknown state is never used again
        try:
            while pending and time.monotonic() < deadline:
                row = pending.pop(0)
                outcome = await self._send_one(smtp, row)
                setattr(result, outcome, getattr(result, outcome) + 1)
            lost = False
        except ConnectionLost:
            pass
        finally:
            if pending:
                async with self.pool.acquire() as conn:
                    await sender_repository.unclaim(conn, [row["id"] for row in pending])
            if lost:
                smtp.close()
            elif settings.smtp_keepalive_seconds > 0:
                self._kept, self._kept_until = smtp, time.monotonic() + settings.smtp_keepalive_seconds
            else:
                await _quit(smtp)
        return result

    async def _send_one(self, smtp: aiosmtplib.SMTP, row: asyncpg.Record) -> str:
        if row["expires_at"] is not None and row["expires_at"] <= utcnow():
            await self._fail(row["id"], "not sent: it expired before it could be delivered", attempted=False)
            return "failed"
        try:
            _, reply = await smtp.sendmail(self.settings.mail_from, [row["to_address"]], row["content"])
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients[0]
            return await self._record_refusal(row, refused.code, refused.message, "rcpt")
        except aiosmtplib.SMTPSenderRefused as exc:
            return await self._record_refusal(row, exc.code, exc.message, "mail")
        except aiosmtplib.SMTPDataError as exc:
            return await self._record_refusal(row, exc.code, exc.message, "data")
        except (ValueError, aiosmtplib.SMTPNotSupported) as exc:  # an address no server would take
            await self._fail(row["id"], f"invalid address {row['to_address']!r}: {exc}")
            return "failed"
        except _CONNECTION_ERRORS as exc:
            await self._retry(row, _describe(exc))
            raise ConnectionLost from exc
        except aiosmtplib.SMTPResponseException as exc:
            return await self._record_refusal(row, exc.code, exc.message, "connect")
        async with self.pool.acquire() as conn:
            await sender_repository.mark_sent(conn, row["id"], reply=f"250 {reply}".strip())
        self.sent += 1
        return "sent"

    async def _record_refusal(self, row: asyncpg.Record, code: int, message: str, phase: retry_policy.Phase) -> str:
        answer = f"{code} {message}".strip()
        if retry_policy.is_permanent(code, phase):
            await self._fail(row["id"], answer)
            return "failed"
        await self._retry(row, answer)
        return "retried"

    async def _retry(self, row: asyncpg.Record, error: str) -> None:
        attempts = row["attempts"] + 1
        delay = self._delay(attempts)
        level = logging.ERROR if attempts >= self.settings.alert_after_attempts else logging.INFO
        log.log(
            level, "message %s not delivered (attempt %d): %s; next try in %.0f s", row["id"], attempts, error, delay
        )
        async with self.pool.acquire() as conn:
            await sender_repository.mark_retry(conn, row["id"], error=error, delay=delay)

    async def _fail(self, message_id: uuid.UUID, error: str, *, attempted: bool = True) -> None:
        log.warning("message %s failed for good: %s", message_id, error)
        async with self.pool.acquire() as conn:
            await sender_repository.mark_failed(conn, message_id, error=error, attempted=attempted)


async def _quit(smtp: aiosmtplib.SMTP) -> None:
    try:
        await smtp.quit()
    except (*_CONNECTION_ERRORS, aiosmtplib.SMTPException):
        smtp.close()


def _stop_if_cancelled() -> None:
    """Stops the loop when its task was asked to stop but never saw the CancelledError: Python 3.11's
    asyncio.wait_for (in aiosmtplib's reads, and in _idle) swallows a cancellation that arrives just as what it waits
    for completes (python/cpython#86296, fixed in 3.12), which left a stopping worker sending forever. The task still
    counts the request."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{exc.code} {exc.message}".strip()
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


async def run_sender(pool: db.Pool, *, settings: Settings) -> None:
    """The worker's background task."""
    await Sender(pool, settings).run()
