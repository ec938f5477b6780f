"""Development SMTP sink: keeps every email the services send, and shows them over HTTP.

Mail is stored one message per file (`<20-digit ns timestamp>-<uuid>.eml`, so names sort by arrival) with the SMTP
envelope in a sidecar `<id>.json`. Both are written to a temporary name and renamed, the sidecar first, so a reader that
sees an .eml always sees a whole message and its envelope.

    python -m devstack.smtp_sink --smtp-port 2525 --http-port 8125 --dir .local/dev/mail
"""

from __future__ import annotations

import argparse
import asyncio
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
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import HTMLResponse, Response

log = logging.getLogger("devstack.smtp_sink")

HOST = "127.0.0.1"
_ID = re.compile(r"^\d{20}-[0-9a-f]{32}$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MaildirHandler:
    """aiosmtpd handler that writes each accepted message into `maildir`."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = Path(maildir)
        self.maildir.mkdir(parents=True, exist_ok=True)
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
        _atomic_write(self.maildir / f"{message_id}.json", json.dumps(sidecar).encode())
        _atomic_write(self.maildir / f"{message_id}.eml", content)
        return message_id


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


def _header(message: EmailMessage, name: str) -> str | None:
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
    ns = int(message_id.split("-", 1)[0])
    return Stored(
        id=message_id,
        received_at=_EPOCH + timedelta(microseconds=ns // 1000),
        envelope_from=envelope.get("mail_from"),
        envelope_to=list(envelope.get("rcpt_tos", [])),
        message=message,
    )


def _list(maildir: Path, to: str | None) -> list[Stored]:
    wanted = to.strip().casefold() if to else None
    found = []
    for path in sorted(maildir.glob("*.eml"), reverse=True):
        stored = _load(maildir, path.stem)
        if stored is None:  # deleted meanwhile
            continue
        if wanted is not None and wanted not in (r.casefold() for r in stored.envelope_to):
            continue
        found.append(stored)
    return found


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


def create_http_app(maildir: Path) -> FastAPI:
    maildir = Path(maildir)
    maildir.mkdir(parents=True, exist_ok=True)
    app = FastAPI(title="OpenCME SMTP sink", description="Every email the dev stack sent.")

    def get(message_id: str) -> Stored:
        stored = _load(maildir, message_id)
        if stored is None:
            raise HTTPException(404, "no such message")
        return stored

    @app.get("/messages")
    def list_messages(to: str | None = Query(None, description="envelope recipient, case-insensitive")) -> list[dict]:
        """Received messages, newest first."""
        return [s.summary() for s in _list(maildir, to)]

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
        return {"deleted": deleted}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def inbox(to: str | None = None) -> HTMLResponse:
        rows = "".join(
            f"<tr><td>{html.escape(s.received_at.strftime('%Y-%m-%d %H:%M:%S'))}</td>"
            f"<td>{html.escape(', '.join(s.envelope_to))}</td>"
            f'<td><a href="/view/{s.id}">{html.escape(_header(s.message, "Subject") or "(no subject)")}</a></td></tr>'
            for s in _list(maildir, to)
        )
        form = (
            f'<form method="get" action="/">Recipient: <input name="to" value="{html.escape(to or "", quote=True)}">'
            ' <button>Filter</button> <a href="/">all</a></form>'
        )
        table = f"<table><tr><th>received (UTC)</th><th>to</th><th>subject</th></tr>{rows}</table>"
        return _page("Mail", f"<h1>Mail sent by OpenCME</h1>{form}{table if rows else '<p>No messages.</p>'}")

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
    controller = Controller(MaildirHandler(args.dir), hostname=args.host, port=args.smtp_port)
    try:
        controller.start()
        log.info("SMTP on %s:%d, storing in %s", args.host, args.smtp_port, args.dir)
        server = uvicorn.Server(uvicorn.Config(create_http_app(args.dir), host=args.host, port=args.http_port))
        server.run()
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # typically: port already in use
        log.error("cannot start: %s", exc)
        return 1
    finally:
        controller.stop(no_assert=True)
    log.info("stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
