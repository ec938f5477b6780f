"""Development SMTP sink: keeps every email the services send, and shows them over HTTP.

Mail is stored one message per file (`<20-digit ns timestamp>-<uuid>.eml`, so names sort by arrival) with the SMTP
envelope in a sidecar `<id>.json`. Both are written to a temporary name and renamed, the sidecar first, so a reader that
sees an .eml always sees a whole message and its envelope.

    python -m devstack.smtp_sink --smtp-port 2525 --http-port 8125 --dir .local/dev/mail
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import html
import json
import logging
import os
import re
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

log = logging.getLogger("devstack.smtp_sink")

HOST = "127.0.0.1"
_ID = re.compile(r"^\d{20}-[0-9a-f]{32}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MaildirHandler:
    """aiosmtpd handler that writes each accepted message into `maildir` (and into `index`, when one is kept)."""

    def __init__(self, maildir: Path, index: MailIndex | None = None) -> None:
        self.maildir = Path(maildir)
        self.maildir.mkdir(parents=True, exist_ok=True)
        self.index = index
        self._lock = threading.Lock()
        self._last_ns = 0

    def _next_id(self) -> str:
        # Strictly increasing within the process, so two messages in the same nanosecond still sort by arrival.
        with self._lock:
            self._last_ns = max(time.time_ns(), self._last_ns + 1)
            return f"{self._last_ns:020d}-{uuid.uuid4().hex}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        sidecar = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "peer": list(session.peer) if isinstance(session.peer, tuple) else str(session.peer),
        }
        message_id = await asyncio.to_thread(self.store, content, sidecar)
        log.info("stored %s from %s to %s", message_id, envelope.mail_from, ", ".join(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def store(self, content: bytes, sidecar: dict[str, Any]) -> str:
        message_id = self._next_id()
        # The headers a listing shows go into the sidecar, so listing never parses a message again, even after a
        # restart.
        headers = BytesHeaderParser(policy=policy.default).parsebytes(content)
        sidecar = {**sidecar, "from": _header(headers, "From"), "subject": _header(headers, "Subject")}
        _atomic_write(self.maildir / f"{message_id}.json", json.dumps(sidecar).encode())
        _atomic_write(self.maildir / f"{message_id}.eml", content)
        if self.index is not None:
            self.index.add(_summary(message_id, sidecar))
        return message_id


class SmtpListener:
    """The SMTP side, which the HTTP API can take down (connections refused, as from a mail server that is down) and
    bring back: the fault-injection suite's "SMTP server down". aiosmtpd's controller cannot start again once stopped,
    so each `up` makes a new one."""

    def __init__(self, handler: MaildirHandler, host: str, port: int) -> None:
        self.handler, self.host, self.port = handler, host, port
        self._controller: Controller | None = None
        self._lock = threading.Lock()

    @property
    def accepting(self) -> bool:
        return self._controller is not None

    def up(self) -> None:
        with self._lock:
            if self._controller is None:
                controller = Controller(self.handler, hostname=self.host, port=self.port)
                controller.start()
                self._controller = controller

    def down(self) -> None:
        with self._lock:
            if self._controller is not None:
                self._controller.stop(no_assert=True)
                self._controller = None


class SmtpSwitch(BaseModel):
    accepting: bool


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # never matches *.eml / *.json
    tmp.write_bytes(data)
    os.replace(tmp, path)


# --- reading the store -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    id: str
    received_at: datetime
    envelope_from: str | None
    envelope_to: list[str]
    message: EmailMessage

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "received_at": self.received_at.isoformat(),
            "from": _header(self.message, "From"),
            "envelope_from": self.envelope_from,
            "to": self.envelope_to,
            "subject": _header(self.message, "Subject"),
        }


def _header(message: Message, name: str) -> str | None:
    value = message.get(name)
    return None if value is None else str(value)


def _load(maildir: Path, message_id: str) -> Stored | None:
    if not _ID.match(message_id):
        return None
    try:
        raw = (maildir / f"{message_id}.eml").read_bytes()
    except FileNotFoundError:
        return None
    message = BytesParser(policy=policy.default).parsebytes(raw)
    try:
        envelope = json.loads((maildir / f"{message_id}.json").read_text())
    except (FileNotFoundError, ValueError):
        # An .eml dropped in by hand: fall back to the headers.
        envelope = {"mail_from": None, "rcpt_tos": [a.addr_spec for a in getattr(message.get("To"), "addresses", ())]}
    return Stored(
        id=message_id,
        received_at=_received_at(message_id),
        envelope_from=envelope.get("mail_from"),
        envelope_to=list(envelope.get("rcpt_tos", [])),
        message=message,
    )


def _received_at(message_id: str) -> datetime:
    return _EPOCH + timedelta(microseconds=int(message_id.split("-", 1)[0]) // 1000)


def _summary(message_id: str, sidecar: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": message_id,
        "received_at": _received_at(message_id).isoformat(),
        "from": sidecar.get("from"),
        "envelope_from": sidecar.get("mail_from"),
        "to": list(sidecar.get("rcpt_tos", [])),
        "subject": sidecar.get("subject"),
    }


class MailIndex:
    """What a listing shows of each stored message, kept in memory in arrival order and by recipient.

    Messages this process stores are added as they arrive. `refresh` reconciles with the folder (messages of an
    earlier run, ones dropped in or deleted by hand) when the folder changed: one directory listing, and only messages
    not seen before are read, from their small sidecar, or from their headers when the sidecar predates the summary
    in it. With tens of thousands of messages a listing walks its answer, not the folder, and parses nothing.
    """

    def __init__(self, maildir: Path) -> None:
        self.maildir = Path(maildir)
        self._summaries: dict[str, dict[str, Any]] = {}
        self._order: list[str] = []  # ids ascending: the names sort by arrival
        self._by_recipient: dict[str, list[str]] = {}
        self._folder_version: int | None = None
        self._lock = threading.Lock()
        self.read_from_disk = 0  # messages whose summary had to be read from the folder (tests watch it)

    def add(self, summary: dict[str, Any]) -> None:
        with self._lock:
            self._add(summary)

    def _add(self, summary: dict[str, Any]) -> None:
        message_id = summary["id"]
        if message_id in self._summaries:
            return
        self._summaries[message_id] = summary
        for ids in (self._order, *(self._by_recipient.setdefault(r.casefold(), []) for r in set(summary["to"]))):
            if not ids or ids[-1] < message_id:
                ids.append(message_id)  # the usual case: the newest arrives last
            else:
                bisect.insort(ids, message_id)

    def _drop(self, gone: set[str]) -> None:
        for message_id in gone:
            self._summaries.pop(message_id, None)
        self._order = [i for i in self._order if i not in gone]
        self._by_recipient = {r: [i for i in ids if i not in gone] for r, ids in self._by_recipient.items()}

    def refresh(self) -> None:
        version = os.stat(self.maildir).st_mtime_ns  # a folder's mtime changes when a file is added or removed
        if version == self._folder_version:
            return
        present = {entry.name[:-4] for entry in os.scandir(self.maildir) if entry.name.endswith(".eml")}
        with self._lock:
            known = set(self._summaries)
            if gone := known - present:
                self._drop(gone)
        for message_id in sorted(present - known):
            summary = self._read(message_id)
            if summary is not None:
                self.add(summary)
        self._folder_version = version

    def _read(self, message_id: str) -> dict[str, Any] | None:
        if not _ID.match(message_id):
            return None
        self.read_from_disk += 1
        try:
            sidecar = json.loads((self.maildir / f"{message_id}.json").read_text())
        except (FileNotFoundError, ValueError):
            sidecar = {}
        if "subject" not in sidecar:  # an older sidecar, or an .eml dropped in by hand: read the headers
            try:
                with (self.maildir / f"{message_id}.eml").open("rb") as raw:
                    headers = BytesHeaderParser(policy=policy.default).parse(raw)
            except FileNotFoundError:
                return None
            to = getattr(headers.get("To"), "addresses", ())
            sidecar = {
                "mail_from": sidecar.get("mail_from"),
                "rcpt_tos": sidecar.get("rcpt_tos") or [a.addr_spec for a in to],
                "from": _header(headers, "From"),
                "subject": _header(headers, "Subject"),
            }
        return _summary(message_id, sidecar)

    def list(self, to: str | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
        """Newest first; `to` filters by envelope recipient, ignoring case."""
        self.refresh()
        with self._lock:
            ids = self._order if not to else self._by_recipient.get(to.strip().casefold(), [])
            newest = ids[::-1] if limit is None else ids[: -limit - 1 : -1]
            return [self._summaries[i] for i in newest]

    def clear(self) -> None:
        with self._lock:
            self._summaries.clear()
            self._order.clear()
            self._by_recipient.clear()
            self._folder_version = None


def _text_of(part: Message) -> str:
    try:
        return str(part.get_content())  # type: ignore[attr-defined]  # an EmailMessage part (policy=default)
    except (LookupError, UnicodeError):  # unknown or lying charset
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _details(stored: Stored) -> dict[str, Any]:
    message = stored.message
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    bodies = {id(p) for p in (text_part, html_part) if p is not None}
    attachments = []
    for part in message.walk():
        if part.is_multipart() or id(part) in bodies:
            continue
        if part.get_content_disposition() == "attachment" or part.get_filename():
            payload = part.get_payload(decode=True) or b""
            attachments.append(
                {"filename": part.get_filename(), "content_type": part.get_content_type(), "size": len(payload)}
            )
    return {
        **stored.summary(),
        "headers": [[name, str(value)] for name, value in message.items()],
        "text": None if text_part is None else _text_of(text_part),
        "html": None if html_part is None else _text_of(html_part),
        "attachments": attachments,
    }


# --- HTTP --------------------------------------------------------------------------------------------------------

PAGE_SIZE = 500  # rows on the inbox page
_URL = re.compile(r"https?://[^\s<>\"'`]+")
_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
# The html part is shown on its own page, sandboxed: no scripts, no remote loads, but its links can be clicked.
_HTML_PART_CSP = (
    "sandbox allow-popups allow-top-navigation-by-user-activation; default-src 'none'; "
    "style-src 'unsafe-inline'; img-src data:"
)
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:70rem}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}"
    "pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}"
)


def linkify(text: str) -> str:
    """Escape `text` for HTML, turning http(s) URLs into links."""
    out, pos = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]}")
        out.append(html.escape(text[pos : match.start()]))
        href = html.escape(url, quote=True)
        out.append(f'<a href="{href}" rel="noreferrer">{href}</a>')
        pos = match.start() + len(url)
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _page(title: str, body: str) -> HTMLResponse:
    document = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )
    return HTMLResponse(document, headers={"Content-Security-Policy": _PAGE_CSP})


def create_http_app(maildir: Path, index: MailIndex | None = None, smtp: SmtpListener | None = None) -> FastAPI:
    maildir = Path(maildir)
    maildir.mkdir(parents=True, exist_ok=True)
    index = index or MailIndex(maildir)
    app = FastAPI(title="OpenCME SMTP sink", description="Every email the dev stack sent.")
    app.state.index = index

    def get(message_id: str) -> Stored:
        stored = _load(maildir, message_id)
        if stored is None:
            raise HTTPException(404, "no such message")
        return stored

    @app.get("/messages")
    def list_messages(
        to: str | None = Query(None, description="envelope recipient, case-insensitive"),
        limit: int | None = Query(None, ge=1, description="at most this many, newest first"),
    ) -> list[dict[str, Any]]:
        """Received messages, newest first."""
        # Answered as it is: checking tens of thousands of summaries against a response model would cost more than
        # finding them.
        return JSONResponse(index.list(to, limit=limit))  # type: ignore[return-value]

    @app.get("/messages/{message_id}")
    def message_details(message_id: str) -> dict[str, Any]:
        """One message: headers, text and html parts, attachments."""
        return _details(get(message_id))

    @app.get("/messages/{message_id}/raw", response_class=Response)
    def message_raw(message_id: str) -> Response:
        """The message exactly as received."""
        get(message_id)
        return Response((maildir / f"{message_id}.eml").read_bytes(), media_type="message/rfc822")

    @app.delete("/messages")
    def clear_messages() -> dict[str, int]:
        """Delete every stored message."""
        deleted = 0
        for path in maildir.glob("*.eml"):
            path.unlink(missing_ok=True)
            (maildir / f"{path.stem}.json").unlink(missing_ok=True)
            deleted += 1
        index.clear()
        return {"deleted": deleted}

    if smtp is not None:

        @app.get("/_smtp")
        def smtp_state() -> SmtpSwitch:
            """Whether the SMTP port accepts connections."""
            return SmtpSwitch(accepting=smtp.accepting)

        @app.put("/_smtp")
        def switch_smtp(switch: SmtpSwitch) -> SmtpSwitch:
            """Take the SMTP port down (connections refused) or bring it back; stored mail stays."""
            if switch.accepting:
                smtp.up()
            else:
                smtp.down()
            return SmtpSwitch(accepting=smtp.accepting)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def inbox(to: str | None = None) -> HTMLResponse:
        shown = index.list(to, limit=PAGE_SIZE)
        rows = "".join(
            f"<tr><td>{html.escape(s['received_at'][:19].replace('T', ' '))}</td>"
            f"<td>{html.escape(', '.join(s['to']))}</td>"
            f'<td><a href="/view/{s["id"]}">{html.escape(s["subject"] or "(no subject)")}</a></td></tr>'
            for s in shown
        )
        form = (
            f'<form method="get" action="/">Recipient: <input name="to" value="{html.escape(to or "", quote=True)}">'
            ' <button>Filter</button> <a href="/">all</a></form>'
        )
        table = f"<table><tr><th>received (UTC)</th><th>to</th><th>subject</th></tr>{rows}</table>"
        more = (
            f"<p>The newest {PAGE_SIZE} are shown; filter by recipient for older ones.</p>"
            if len(shown) == PAGE_SIZE
            else ""
        )
        return _page("Mail", f"<h1>Mail sent by OpenCME</h1>{form}{more}{table if rows else '<p>No messages.</p>'}")

    @app.get("/view/{message_id}", response_class=HTMLResponse, include_in_schema=False)
    def view(message_id: str) -> HTMLResponse:
        d = _details(get(message_id))
        fields = [
            ("Received", d["received_at"]),
            ("From", d["from"]),
            ("To", ", ".join(d["to"])),
            ("Subject", d["subject"]),
        ]
        meta = "".join(f"<tr><th>{k}</th><td>{html.escape(v or '')}</td></tr>" for k, v in fields)
        attachments = "".join(
            f"<li>{html.escape(a['filename'] or '(unnamed)')} "
            f"({html.escape(a['content_type'])}, {a['size']} bytes)</li>"
            for a in d["attachments"]
        )
        links = [("/", "inbox"), (f"/messages/{message_id}/raw", "raw"), (f"/messages/{message_id}", "json")]
        if d["html"] is not None:
            links.append((f"/view/{message_id}/html", "html part"))
        nav = " · ".join(f'<a href="{href}">{label}</a>' for href, label in links)
        text = f"<pre>{linkify(d['text'])}</pre>" if d["text"] is not None else "<p>(no text part)</p>"
        body = f"<p>{nav}</p><table>{meta}</table>{text}"
        if attachments:
            body += f"<h2>Attachments</h2><ul>{attachments}</ul>"
        return _page(d["subject"] or "(no subject)", body)

    @app.get("/view/{message_id}/html", response_class=HTMLResponse, include_in_schema=False)
    def view_html_part(message_id: str) -> HTMLResponse:
        d = _details(get(message_id))
        if d["html"] is None:
            raise HTTPException(404, "message has no html part")
        return HTMLResponse(d["html"], headers={"Content-Security-Policy": _HTML_PART_CSP})

    return app


# --- CLI ---------------------------------------------------------------------------------------------------------


def _interrupt(signum: int, frame: Any) -> None:
    # KeyboardInterrupt is the one exception (with SystemExit) that asyncio lets escape from any callback.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.smtp_sink", description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=2525)
    parser.add_argument("--http-port", type=int, default=8125)
    parser.add_argument("--dir", type=Path, required=True, help="where messages are stored")
    parser.add_argument("--host", default=HOST, help="address to bind (loopback unless in a container)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO

    # uvicorn handles SIGINT/SIGTERM itself while serving, then restores these handlers and re-raises the signal, so
    # they also end the process after uvicorn's graceful shutdown — through the `finally` that stops the SMTP side.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    index = MailIndex(args.dir)
    smtp = SmtpListener(MaildirHandler(args.dir, index), args.host, args.smtp_port)
    try:
        smtp.up()
        log.info("SMTP on %s:%d, storing in %s", args.host, args.smtp_port, args.dir)
        app = create_http_app(args.dir, index, smtp)
        # Idle connections are kept 75 s, longer than httpx's clients keep them pooled (5 s): at uvicorn's 5 s both ends
        # let go together and a request on a reused connection could find it closed (a chaos run's ReadError).
        server = uvicorn.Server(uvicorn.Config(app, host=args.host, port=args.http_port, timeout_keep_alive=75))
        server.run()
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # typically: port already in use
        log.error("cannot start: %s", exc)
        return 1
    finally:
        smtp.down()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
