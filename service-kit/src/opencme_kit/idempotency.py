"""Commands a client may send again safely: the `Idempotency-Key` header.

A client that did not hear the answer to a command (a timeout, a dropped connection, a double tap on "Claim") sends it
again with the same key and gets the first answer, and the command takes effect once. The key is written in the
transaction of the effect, before it, so two requests with one key at the same moment are serialised by the key's row:
the second waits for the first to commit and then answers what the first answered (or, if the first was refused and
rolled back, runs itself). The same key for a different request, or for another command (the operation names the path,
ids included), is refused with 422 naming the header. Keys belong to their caller and are kept for a day (as the IETF
draft-ietf-httpapi-idempotency-key-header describes).

    @router.post("/claims", status_code=201)
    async def claim(body: ClaimRequest, learner: CurrentUser, conn: ConnDep, key: IdempotencyKey = None) -> Claim:
        return await idempotency.once(conn, key, caller=learner.id, operation="POST /claims", request=body,
                                      answer=Claim, run=lambda: service.claim(conn, learner, body))
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, TypeVar

from fastapi import Header
from pydantic import BaseModel

from . import db, errors

HEADER = "Idempotency-Key"
KEPT = timedelta(days=1)

# Any printable ASCII without spaces, as clients generate them (a UUID, a ULID, a random token).
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=8,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Send a command again with the same key to get its first answer instead of a second effect "
        "(a random UUID per command; kept a day).",
    ),
]

Answer = TypeVar("Answer", bound=BaseModel)


def fingerprint(request: BaseModel) -> bytes:
    """A digest of the request as validated (the same values in another JSON layout are the same request)."""
    return hashlib.sha256(request.model_dump_json().encode()).digest()


async def once(
    conn: db.Connection,
    key: str | None,
    *,
    caller: uuid.UUID,
    operation: str,
    request: BaseModel,
    answer: type[Answer],
    run: Callable[[], Awaitable[Answer]],
) -> Answer:
    """`run()`'s answer, or without running it the answer it gave the first time `key` came with this request.

    With a key, `run` runs inside a transaction that also holds the key (its own transaction then nests in it): a
    refusal it raises rolls the key back with everything else, so sending the key again tries again. Without one,
    `run` runs as it is, at no cost."""
    if key is None:
        return await run()
    async with conn.transaction():
        return await _once(conn, key, caller, operation, fingerprint(request), answer, run)


async def _once(
    conn: db.Connection,
    key: str,
    caller: uuid.UUID,
    operation: str,
    digest: bytes,
    answer: type[Answer],
    run: Callable[[], Awaitable[Answer]],
) -> Answer:
    reserved = await conn.fetchval(
        "INSERT INTO idempotency_keys (caller, key, operation, fingerprint) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (caller, key) DO NOTHING RETURNING true",
        caller,
        key,
        operation,
        digest,
    )
    if not reserved:
        first = await conn.fetchrow(
            "SELECT operation, fingerprint, answer FROM idempotency_keys WHERE caller = $1 AND key = $2", caller, key
        )
        assert first is not None, "a key that conflicts is committed (its row is only ever deleted a day later)"
        if first["operation"] != operation or bytes(first["fingerprint"]) != digest:
            raise errors.Invalid(HEADER, "was sent before with a different request; use a new key for a new request")
        return answer.model_validate(first["answer"])
    result = await run()
    await conn.execute(
        "UPDATE idempotency_keys SET answer = $3 WHERE caller = $1 AND key = $2",
        caller,
        key,
        result.model_dump(mode="json"),
    )
    # The caller's keys older than a day go as a new one comes: nothing else has to sweep them.
    await conn.execute(
        "DELETE FROM idempotency_keys WHERE caller = $1 AND created_at < clock_timestamp() - $2::interval",
        caller,
        KEPT,
    )
    return result
