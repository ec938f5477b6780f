"""argon2id password hashing (argon2-cffi)."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# Chosen by measurement (bench/identity_argon2.py on the 2-core development machine, shared with other work, median of
# 20 hashes): t=2/m=19 MiB (OWASP's minimum) 30-39 ms, t=3/m=19 MiB 46 ms, t=3/m=24 MiB 60 ms, t=2/m=32 MiB 86 ms,
# t=3/m=64 MiB/p=4 (argon2-cffi's default, RFC 9106's second set) 164-183 ms. t=3, m=24 MiB, p=1 lands in the
# 50-100 ms target with more memory than OWASP's minimum; p=1 because a sign-in should take one core, not both.
# Stored hashes carry their own parameters: a hash made with older ones still verifies and is upgraded at sign-in.
TIME_COST = 3
MEMORY_COST_KIB = 24 * 1024
PARALLELISM = 1

HASHER = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM, type=Type.ID)

# Verified against when an email is unknown, so that answering takes as long as for a known one.
_DUMMY_HASH = HASHER.hash("not-a-real-password-but-a-timing-equaliser")


async def hash_password(password: str) -> str:
    # argon2 is CPU-bound for tens of milliseconds: keep the event loop free.
    return await asyncio.to_thread(HASHER.hash, password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    def _verify() -> bool:
        try:
            HASHER.verify(stored_hash or _DUMMY_HASH, password)  # raises unless it matches
        except (VerificationError, InvalidHashError):
            return False
        return stored_hash is not None

    return await asyncio.to_thread(_verify)


def needs_rehash(stored_hash: str) -> bool:
    return HASHER.check_needs_rehash(stored_hash)
