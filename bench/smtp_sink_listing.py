"""SMTP sink listing with many stored messages: prints the cold listing (a fresh sink reading an earlier run's mail)
and the warm one (median, p99, rate), for `GET /messages` and the inbox page.

    .venv/bin/python bench/smtp_sink_listing.py [--messages 20000] [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from fastapi.testclient import TestClient

from devstack.smtp_sink import MaildirHandler, MailIndex, create_http_app


def message(n: int) -> bytes:
    email = EmailMessage()
    email["From"] = "OpenCME <no-reply@opencme.local>"
    email["To"] = f"learner{n % 500}@example.org"
    email["Subject"] = f"Your certificate {n}"
    email.set_content("Hello,\n\nyour certificate is ready.\n" * 20)
    return email.as_bytes()


def timed(call, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        maildir = Path(tmp) / "mail"
        earlier = MaildirHandler(maildir)
        started = time.perf_counter()
        for n in range(args.messages):
            earlier.store(
                message(n), {"mail_from": "no-reply@opencme.local", "rcpt_tos": [f"learner{n % 500}@example.org"]}
            )
        print(f"stored {args.messages} messages in {time.perf_counter() - started:.1f} s")
        with TestClient(create_http_app(maildir, MailIndex(maildir))) as client:
            started = time.perf_counter()
            assert len(client.get("/messages").json()) == args.messages
            cold_ms = (time.perf_counter() - started) * 1000
            print(f"cold GET /messages (a new sink reads the sidecars once): {cold_ms:.0f} ms")
            for label, path, params in (
                ("GET /messages (all)", "/messages", {}),
                ("GET /messages?to=<one learner>", "/messages", {"to": "learner7@example.org"}),
                ("GET / (inbox page, newest 500)", "/", {}),
            ):
                times = timed(
                    lambda path=path, params=params: client.get(path, params=params).raise_for_status(), args.runs
                )
                p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
                print(
                    f"{label}: median {statistics.median(times):.1f} ms, p99 {p99:.1f} ms, "
                    f"{1000 / statistics.mean(times):.0f} listings/s"
                )


if __name__ == "__main__":
    main()
