"""Structured (JSON) logs that carry the correlation id from the HTTP request through every event it causes."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)

HEADER = "x-correlation-id"
_HEADER = HEADER.encode()


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if cid := correlation_id.get():
            entry["correlation_id"] = cid
        for key, value in record.__dict__.items():
            if key.startswith("ctx_"):
                entry[key[4:]] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def correlation_id_from(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The request's X-Correlation-ID (the gateway sets one), up to 128 characters, or a new one. `headers` as ASGI
    gives them (names in lower case); the kit's middleware (edge.py) sets it for the request and echoes it back."""
    for name, value in headers:
        if name == _HEADER:
            incoming = value.decode("latin-1").strip()
            if incoming:
                return incoming[:128]
    return new_correlation_id()
