"""argon2id password hashing (argon2-cffi)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's second recommended set: argon2id, t=3, m=64 MiB, p=4.
HASHER = PasswordHasher()

# Verified against when an email is unknown, so that answering takes as long as for a known one.
_DUMMY_HASH = HASHER.hash("not-a-real-password-but-a-timing-equaliser")


async def hash_password(password: str) -> str:
    # argon2 is CPU-bound for tens of milliseconds: keep the event loop free.
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    def _verify() -> bool:
        try:
            return HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(_verify)
