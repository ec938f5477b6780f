"""The bare anchor of bench/claim_intake.py: a claim as nothing but FastAPI and asyncpg can take it.

    DATABASE_URL=postgresql://... uvicorn claim_intake_anchor:app --app-dir bench [--workers N]

POST /claims takes the same JSON body as credit's POST /claims, and the learner from X-Learner-Id (no token to check),
and in one transaction inserts the claim and its outbox row into tables shaped as credit's are (SCHEMA: the claims
table with its indexes and foreign key, the kit's outbox); 201 with the claim. No eligibility, no rules, no event
envelope: what is left is the floor a claim through OpenCME is measured against. Four database round trips (BEGIN,
two INSERTs, COMMIT) and the pool's reset of the connection. bench/claim_intake.py applies SCHEMA before starting it.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

SCHEMA = """
CREATE TABLE activities (id uuid PRIMARY KEY, title text NOT NULL);
CREATE TABLE claims (
    id                uuid PRIMARY KEY,
    learner_id        uuid NOT NULL,
    activity_id       uuid NOT NULL REFERENCES activities (id),
    credits           jsonb NOT NULL,
    evaluation        jsonb NOT NULL,
    completed_on      date NOT NULL,
    claimed_at        timestamptz NOT NULL,
    moc_boards        text[] NOT NULL DEFAULT '{}',
    share_permission  boolean NOT NULL DEFAULT false,
    revoked_at        timestamptz
);
CREATE UNIQUE INDEX claims_one_standing_per_activity ON claims (learner_id, activity_id) WHERE revoked_at IS NULL;
CREATE INDEX claims_by_learner ON claims (learner_id, completed_on);
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    event_id      uuid NOT NULL UNIQUE,
    topic         text NOT NULL,
    message_key   text NOT NULL,
    payload       text NOT NULL,
    headers       jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
"""


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1, max_size=10)
    try:
        yield
    finally:
        await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/claims", status_code=201)
async def claim(request: Request, x_learner_id: Annotated[uuid.UUID, Header()]) -> JSONResponse:
    body: dict[str, Any] = await request.json()
    claim_id, now = uuid.uuid4(), datetime.now(UTC)
    credits = [{"credit_type": k, "amount": v} for k, v in body["credits"].items()]
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO claims (id, learner_id, activity_id, credits, evaluation, completed_on, claimed_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            claim_id,
            x_learner_id,
            uuid.UUID(body["activity_id"]),
            json.dumps(credits),
            json.dumps(body["evaluation"]),
            now.date(),
            now,
        )
        await conn.execute(
            "INSERT INTO outbox (event_id, topic, message_key, payload) VALUES ($1, $2, $3, $4)",
            uuid.uuid4(),
            "credit.claimed",
            str(x_learner_id),
            json.dumps({"claim_id": str(claim_id), "learner_id": str(x_learner_id), "credits": credits}),
        )
    return JSONResponse(
        {"id": str(claim_id), "activity_id": body["activity_id"], "claimed_at": now.isoformat(), "credits": credits},
        status_code=201,
    )
