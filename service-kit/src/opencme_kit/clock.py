"""The one clock every service reads: timezone-aware UTC. Rules (domain.py) take `now` as an argument instead."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
