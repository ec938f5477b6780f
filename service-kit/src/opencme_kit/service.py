"""Assembling a service: settings, the HTTP app (API process) and the FastStream app (worker process)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import uvicorn
import uvloop
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from faststream import FastStream
from faststream.specification import AsyncAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from opencme_contracts import TOPICS, Envelope

from . import db, edge, logs, metrics, problems, tracing
from .auth import TokenVerifier
from .messaging import Handler, InboxConsumer, create_broker
from .outbox import OutboxRelay
from .serving import QuietServer
from .worker_health import WorkerHealth

log = logging.getLogger(__name__)


# What os.nice accepts as an increment that stays within the scheduler's range: a service sets its own default.
Niceness = Annotated[int, Field(ge=0, le=19)]


class KitSettings(BaseSettings):
    """Settings every service has; each service subclasses it. Environment variables only."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    jwks_url: str = "http://127.0.0.1:8101/.well-known/jwks.json"
    log_level: str = "INFO"
    outbox_poll_interval: float = 2.0
    db_pool_size: int = 10
    # A worker serves GET /healthz (200, or 503 when Kafka does not answer or its consumer is stuck) and GET /metrics
    # on this port when set, for probes and Prometheus (worker_health.py).
    worker_health_port: int | None = None
    worker_health_host: str = "127.0.0.1"
    # The consumer is stuck when messages wait and it has finished none for this many seconds.
    consumer_stuck_after: float = 120.0
    # The worker process starts this much nicer than its parent, and so does its session's scheduling group when it
    # leads one (yield_cores): work that can wait (mail, board reports) yields a shared host's cores to the work
    # people wait for, certificates' renders included. On a node of its own it changes nothing.
    worker_niceness: Niceness = 0


async def get_conn(request: Request) -> db.Connection:
    """The request's database connection: borrowed from the pool when a route first asks for it (after the token is
    checked, by the order of the route's parameters), first come first served (db.Lender), and given back by the kit's
    middleware (edge.py) once the answer has gone or the request has failed. A plain dependency rather than a
    generator: FastAPI's handling of a generator dependency (exit stacks, a cancel scope, a checkpoint) cost more CPU
    per request than borrowing the connection."""
    borrowed = request.scope.get(edge.BORROWED)
    if borrowed is None:
        raise RuntimeError("ConnDep needs the kit's EdgeMiddleware (build_api installs it)")
    lender: db.Lender = request.app.state.lender
    conn = await lender.lend()
    borrowed.append((conn, lender))
    return conn


def settings_of(request: Request) -> Any:
    """The app's settings; a service's deps.py types it: `SettingsDep = Annotated[Settings, Depends(settings_of)]`."""
    return request.app.state.settings


ConnDep = Annotated[db.Connection, Depends(get_conn)]

BackgroundTask = Callable[[db.Pool], Coroutine[Any, Any, None]]


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> dict[str, str]:
        try:
            async with request.app.state.pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
        except Exception as exc:
            raise problems.Problem(503, "Not Ready", "database unavailable") from exc
        return {"status": "ready"}

    @router.get("/metrics", include_in_schema=False)
    def scrape() -> Response:
        # A plain def: reading the other processes' sample files runs in the thread pool, not on the event loop.
        return Response(metrics.exposition(), media_type=metrics.CONTENT_TYPE)

    return router


def build_api(
    *,
    service: str,
    settings: KitSettings,
    routers: Sequence[APIRouter],
    migrations: Sequence[db.Migrations],
    description: str = "",
    startup: Sequence[BackgroundTask] = (),
    background: Sequence[BackgroundTask] = (),
) -> FastAPI:
    """The service's HTTP app; `startup` steps run once before it serves, `background` tasks for its lifetime."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.configure_logging(service, settings.log_level)
        tracing.configure(service)
        # Requests leave no session state on their connections (transactions, SET LOCAL and transaction-level locks
        # only; the migrations release their lock), so a connection goes back without a reset: one round trip less
        # per request. A worker's pool keeps the reset: its relay and loops LISTEN and hold session locks.
        app.state.pool = await db.create_pool(
            settings.database_url, max_size=settings.db_pool_size, reset_session=False
        )
        app.state.lender = db.Lender(app.state.pool)
        await db.apply_migrations(app.state.pool, migrations)
        app.state.verifier = TokenVerifier(settings.jwks_url)
        for step in startup:
            await step(app.state.pool)
        # What start-up made (modules, routes, pydantic validators: most of the heap) lives as long as the process:
        # out of the collector's sight, a full collection under load scans the requests' objects only.
        gc.collect()
        gc.freeze()
        tasks = [asyncio.create_task(task(app.state.pool)) for task in background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await app.state.pool.close()

    app = FastAPI(
        title=f"OpenCME {service}",
        description=description,
        lifespan=lifespan,
        version="0.1.0",
        # FastAPI's own OpenTelemetry: a server span per request once `tracing` installs a provider; no spans for
        # each dependency and serialisation step, and no metrics or logs through OpenTelemetry (Prometheus and the
        # JSON logs have those).
        telemetry={"operation_spans": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    problems.install(app)
    app.add_middleware(edge.EdgeMiddleware)
    app.include_router(_health_router())
    for router in routers:
        app.include_router(router)
    return app


class _Worker(FastStream):
    """A FastStream app that, when the broker fails to start after the start-up hooks ran, still runs its shutdown
    hooks, so the database pool and the loops they opened are released (FastStream only stops what started)."""

    def __init__(self, *args: Any, release: Callable[[], Awaitable[None]], health: WorkerHealth, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._release = release
        self.health = health

    async def start(self, **run_extra_options: Any) -> None:
        try:
            await super().start(**run_extra_options)
        except BaseException:
            await self._release()
            raise


def build_worker(
    *,
    service: str,
    settings: KitSettings,
    migrations: Sequence[db.Migrations],
    handlers: Mapping[str, Handler] | None = None,
    background: Sequence[BackgroundTask] = (),
) -> FastStream:
    """The service's worker: its idempotent consumers (`handlers`: topic -> handler, from its consumers.py), its
    outbox relay and any background loops."""
    broker = create_broker(settings.kafka_bootstrap_servers, client_id=service)
    consumer = InboxConsumer(broker, service=service, handlers=handlers, settings=settings) if handlers else None
    # The outbox relay publishes with broker.publish; declaring the service's topics documents them in AsyncAPI.
    for topic in TOPICS.values():
        if topic.producer == service:
            broker.publisher(
                topic.name,
                schema=Envelope[topic.event],  # type: ignore[name-defined]  # a runtime model class
                title=f"{service}:{topic.name}",
                description=f"key: {topic.key}; consumed by {', '.join(topic.consumers)}",
            )
    state: dict[str, Any] = {}
    health = WorkerHealth(
        broker=broker,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        service=service,
        pool=lambda: state.get("pool"),
        consumer=consumer,
        stuck_after=settings.consumer_stuck_after,
    )

    # Stopping runs in this order: the loops (relay, background tasks) and the commit of the messages handled so far,
    # then the broker, which lets a message in hand finish (its graceful timeout; its offset is committed at once),
    # then the pool, which that message still needs.
    async def stop_loops() -> None:
        if consumer is not None:
            await consumer.stopping()
        tasks = state.pop("tasks", [])
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def close_pool() -> None:
        if (pool := state.pop("pool", None)) is not None:
            await pool.close()

    async def release() -> None:
        await stop_loops()
        await close_pool()

    app = _Worker(
        broker,
        specification=AsyncAPI(broker, title=f"OpenCME {service}", version="0.1.0"),
        release=release,
        health=health,
        on_shutdown=[stop_loops],
        after_shutdown=[close_pool],
    )

    @app.on_startup
    async def connect_db() -> None:
        logs.configure_logging(service, settings.log_level)
        tracing.configure(service)
        # No reset query on each return, as for the APIs: what a worker keeps in a session (its loops' LISTENs, the
        # relay's lock) is on connections borrowed with db.held, reset when they go back.
        state["pool"] = await db.create_pool(settings.database_url, max_size=settings.db_pool_size, reset_session=False)
        await db.apply_migrations(state["pool"], migrations)
        if consumer is not None:
            consumer.pool = state["pool"]

    @app.after_startup
    async def start_loops() -> None:
        if consumer is not None:
            consumer.started()
        relay = OutboxRelay(
            state["pool"], broker, lock_key=zlib.crc32(service.encode()), poll_interval=settings.outbox_poll_interval
        )
        state["tasks"] = [asyncio.create_task(relay.run())]
        state["tasks"] += [asyncio.create_task(task(state["pool"])) for task in background]
        log.info("worker started")

    return app


AUTOGROUP = Path("/proc/self/autogroup")


def yield_cores(niceness: int) -> None:
    """Makes this process `niceness` nicer (os.nice) and, when it leads a session of its own (as devstack starts each
    service), makes the session's scheduling group as nice too.

    With the kernel's autogroup scheduling (on in most distributions) each session is a group that shares the cores
    equally with the others, whatever the niceness of its processes: a worker's niceness then counted only against
    the processes of its own session, and notifications took as much of the cores in a surge as the certificates'
    renders did. A process that does not lead its session leaves the group alone, as it is shared (a shell's, a test
    run's). Without autogroup scheduling, in a container or a cgroup of its own, the group's niceness changes nothing;
    an orchestrator weighs the worker's CPU instead (its CPU request)."""
    os.nice(niceness)
    if niceness and os.getsid(0) == os.getpid():
        with contextlib.suppress(OSError):  # no autogroup scheduling in this kernel
            AUTOGROUP.write_text(f"{niceness}\n")


def run_worker(app: FastStream, settings: KitSettings) -> None:
    """Runs a worker process until SIGINT/SIGTERM: plain FastStream, or, with WORKER_HEALTH_PORT set, under the kit's
    quiet uvicorn server with GET /healthz, so that an orchestrator can restart a worker whose broker connection is
    gone or whose consumer is stuck, and GET /metrics for Prometheus (worker_health.py).

    The loop is uvloop's, as the APIs' (uvicorn picks it): in a 1,000-claim surge the certificates and notifications
    workers took about a fifth less CPU on it than on asyncio's."""
    yield_cores(settings.worker_niceness)
    if settings.worker_health_port is None:
        uvloop.run(app.run())
        return
    assert isinstance(app, _Worker), "run_worker runs what build_worker made"
    served = app.as_asgi(asgi_routes=app.health.routes())
    config = uvicorn.Config(
        served,
        host=settings.worker_health_host,
        port=settings.worker_health_port,
        access_log=False,
        log_level=logging.INFO,
    )
    uvloop.run(QuietServer(config).serve())
