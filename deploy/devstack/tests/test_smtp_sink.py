from __future__ import annotations

import asyncio
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import httpx
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from devstack.smtp_sink import MaildirHandler, MailIndex, SmtpListener, create_http_app, linkify

DEVSTACK_SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_email(
    *,
    to: str = "Ada@Example.org",
    subject: str = "Reset your password",
    text: str = "Hello",
    html: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "OpenCME <no-reply@opencme.local>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if attachment is not None:
        name, data = attachment
        message.add_attachment(data, maintype="text", subtype="calendar", filename=name)
    return message


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[int, TestClient, Path]]:
    maildir = tmp_path / "mail"
    port = free_port()
    controller = Controller(MaildirHandler(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with TestClient(create_http_app(maildir)) as client:
            yield port, client, maildir
    finally:
        controller.stop()


def send(port: int, message: EmailMessage, rcpts: list[str] | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message, from_addr="no-reply@opencme.local", to_addrs=rcpts)


def test_email_sent_with_aiosmtplib_is_read_back_over_http(sink) -> None:
    port, client, _ = sink
    ics = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    message = make_email(
        text="Reset: https://portal.local/reset?token=abc",
        html='<p><a href="https://portal.local/reset?token=abc">Reset</a></p>',
        attachment=("course.ics", ics),
    )
    asyncio.run(
        aiosmtplib.send(message, hostname="127.0.0.1", port=port, recipients=["ada@example.org", "cc@example.org"])
    )

    [summary] = client.get("/messages").json()
    assert summary["to"] == ["ada@example.org", "cc@example.org"]
    assert summary["from"] == "OpenCME <no-reply@opencme.local>"
    assert summary["envelope_from"] == "no-reply@opencme.local"
    assert summary["subject"] == "Reset your password"
    assert summary["received_at"].endswith("+00:00")

    details = client.get(f"/messages/{summary['id']}").json()
    assert details["text"].strip() == "Reset: https://portal.local/reset?token=abc"
    assert 'href="https://portal.local/reset?token=abc"' in details["html"]
    assert details["attachments"] == [{"filename": "course.ics", "content_type": "text/calendar", "size": len(ics)}]
    assert ["Subject", "Reset your password"] in details["headers"]

    raw = client.get(f"/messages/{summary['id']}/raw")
    assert raw.headers["content-type"].startswith("message/rfc822")
    assert message_from_bytes(raw.content, policy=policy.default)["Subject"] == "Reset your password"


def test_messages_are_listed_newest_first_and_filtered_by_recipient_ignoring_case(sink) -> None:
    port, client, maildir = sink
    send(port, make_email(subject="first"), ["ada@example.org"])
    send(port, make_email(subject="second"), ["bob@example.org"])
    send(port, make_email(subject="third"), ["Ada@Example.org"])

    assert [m["subject"] for m in client.get("/messages").json()] == ["third", "second", "first"]
    filtered = client.get("/messages", params={"to": "ADA@example.ORG"}).json()
    assert [m["subject"] for m in filtered] == ["third", "first"]
    assert client.get("/messages", params={"to": "nobody@example.org"}).json() == []
    # Sortable names, envelope beside each message, no temporary files left behind.
    names = sorted(p.name for p in maildir.iterdir())
    assert len(names) == 6 and all(n.endswith((".eml", ".json")) and not n.startswith(".") for n in names)


def test_delete_clears_every_message(sink) -> None:
    port, client, maildir = sink
    send(port, make_email(), ["ada@example.org"])
    send(port, make_email(), ["ada@example.org"])

    assert client.delete("/messages").json() == {"deleted": 2}
    assert client.get("/messages").json() == []
    assert list(maildir.iterdir()) == []


def test_unknown_or_malformed_ids_are_not_found(sink) -> None:
    _, client, _ = sink
    assert client.get("/messages/00000000000000000001-" + "0" * 32).status_code == 404
    assert client.get("/messages/..%2F..%2Fetc%2Fpasswd/raw").status_code == 404
    assert client.get("/view/not-an-id").status_code == 404


def test_inbox_page_escapes_everything_and_makes_links_in_text_clickable(sink) -> None:
    port, client, _ = sink
    send(
        port,
        make_email(
            subject="<script>alert(1)</script>",
            text="Hi <b>Ada</b>, reset here: https://portal.local/reset?token=a&x=1.",
        ),
        ["ada@example.org"],
    )
    [summary] = client.get("/messages").json()

    inbox = client.get("/").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in inbox and "<script>" not in inbox
    assert f'href="/view/{summary["id"]}"' in inbox

    page = client.get(f"/view/{summary['id']}")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<a href="https://portal.local/reset?token=a&amp;x=1" rel="noreferrer">' in page.text
    assert "&lt;b&gt;Ada&lt;/b&gt;" in page.text
    assert "<script>" not in page.text


def test_linkify_only_links_http_urls_and_leaves_trailing_punctuation_out() -> None:
    assert linkify("go to https://a.example/x. or javascript:alert(1)") == (
        'go to <a href="https://a.example/x" rel="noreferrer">https://a.example/x</a>. or javascript:alert(1)'
    )
    assert linkify('"><img src=x>') == "&quot;&gt;&lt;img src=x&gt;"


def test_cli_serves_smtp_and_http_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    smtp_port, http_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(DEVSTACK_SRC), os.environ.get("PYTHONPATH", "")])}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devstack.smtp_sink",
            "--smtp-port",
            str(smtp_port),
            "--http-port",
            str(http_port),
            "--dir",
            str(tmp_path / "mail"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 60  # generous: a loaded 2-core CI machine starts Python slowly
        while True:
            try:
                httpx.get(f"{base}/messages").raise_for_status()
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "sink did not start"
                time.sleep(0.1)
        send(smtp_port, make_email(subject="via cli"), ["ada@example.org"])
        assert [m["subject"] for m in httpx.get(f"{base}/messages").json()] == ["via cli"]
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=15)[0].decode()
    assert process.returncode == 0, output
    assert "stopped" in output


def test_listing_reads_each_stored_message_once_whatever_the_number_of_listings(tmp_path: Path) -> None:
    """With tens of thousands of messages, a listing must not parse them all again: the sink indexes what it
    stores (its sidecars carry what a listing shows), and reads from the folder only what it has not seen."""
    maildir = tmp_path / "mail"
    earlier_run = MaildirHandler(maildir)  # messages stored before this sink started: not in its index yet
    for n in range(40):
        earlier_run.store(make_email(to=f"learner{n % 4}@example.org", subject=f"n{n}").as_bytes(), {"rcpt_tos": []})
    index = MailIndex(maildir)
    handler = MaildirHandler(maildir, index)
    with TestClient(create_http_app(maildir, index)) as client:
        assert len(client.get("/messages").json()) == 40
        assert index.read_from_disk == 40
        handler.store(make_email(to="late@example.org", subject="late").as_bytes(), {"rcpt_tos": ["late@example.org"]})
        for _ in range(5):
            listed = client.get("/messages").json()
        assert index.read_from_disk == 40  # the new one came in through the index, the old ones stay read
        assert [m["subject"] for m in listed[:2]] == ["late", "n39"]
        assert client.get("/messages", params={"limit": 3}).json() == listed[:3]
        (maildir / f"{listed[1]['id']}.eml").unlink()  # deleted by hand
        assert [m["subject"] for m in client.get("/messages").json()[:2]] == ["late", "n38"]


def test_a_message_dropped_in_by_hand_is_listed_from_its_headers(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    maildir.mkdir()
    (maildir / f"{time.time_ns():020d}-{'a' * 32}.eml").write_bytes(make_email(to="x@example.org").as_bytes())
    with TestClient(create_http_app(maildir)) as client:
        (listed,) = client.get("/messages").json()
    assert (listed["to"], listed["subject"], listed["from"]) == (
        ["x@example.org"],
        "Reset your password",
        "OpenCME <no-reply@opencme.local>",
    )


def test_smtp_taken_down_refuses_connections_and_brought_back_accepts_mail_again(tmp_path: Path) -> None:
    maildir, port = tmp_path / "mail", free_port()
    listener = SmtpListener(MaildirHandler(maildir), "127.0.0.1", port)
    listener.up()
    try:
        with TestClient(create_http_app(maildir, smtp=listener)) as client:
            send(port, make_email(subject="before"))
            assert client.put("/_smtp", json={"accepting": False}).json() == {"accepting": False}
            with pytest.raises(ConnectionRefusedError):
                send(port, make_email(subject="while down"))
            assert client.put("/_smtp", json={"accepting": True}).json() == {"accepting": True}
            send(port, make_email(subject="after"))
            assert [m["subject"] for m in client.get("/messages").json()] == ["after", "before"]
            assert client.get("/_smtp").json() == {"accepting": True}
    finally:
        listener.down()
