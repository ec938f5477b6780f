"""Traces: one trace from the HTTP request through the outbox row and the Kafka message's headers to the consumer's
span (real PostgreSQL and Kafka, spans kept by the SDK's in-memory exporter), beside the correlation id; and no
exporter at all unless the environment asks for one."""

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import APIRouter, Request
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from opencme_contracts import EmailVerified, new_envelope
from opencme_kit import db, logs, outbox
from opencme_kit.service import KitSettings, build_api
from opencme_kit.tracing import exporters_from_environment

from .test_kit_pipeline import fresh_topic
from .test_kit_worker_health import running_worker


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    """The process's tracer provider (set once per process) with an in-memory exporter added."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


def test_nothing_is_exported_unless_the_environment_names_an_exporter_or_an_otlp_endpoint():
    assert exporters_from_environment({}) == []
    assert exporters_from_environment({"OTEL_TRACES_EXPORTER": "none"}) == []
    assert exporters_from_environment({"OTEL_TRACES_EXPORTER": "console"}) == ["console"]
    assert exporters_from_environment({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}) == ["otlp"]
    assert exporters_from_environment({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}) == ["otlp"]
    assert exporters_from_environment(
        {"OTEL_TRACES_EXPORTER": "console,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}
    ) == ["console", "otlp"]


async def test_the_trace_of_an_http_request_continues_in_the_span_of_the_consumer_of_its_event(
    infra, spans, make_database, tmp_path
):
    topic = await fresh_topic(infra)
    router = APIRouter()

    @router.post("/learners/{learner}/emails", status_code=202)
    async def add_email(learner: uuid.UUID, request: Request) -> None:
        async with request.app.state.pool.acquire() as conn, conn.transaction():
            # As outbox.emit does, with the test's own topic: the envelope carries the request's correlation id.
            event = EmailVerified(user_id=learner, email="traced@example.org", verified_at=datetime.now(UTC))
            envelope = new_envelope(
                event, producer="kit-test", subject=learner, correlation_id=logs.correlation_id.get()
            )
            await outbox.add(conn, envelope, topic=topic)

    database_url = await make_database("kit")
    (tmp_path / "001_applied.sql").write_text("CREATE TABLE applied (event_id uuid PRIMARY KEY);")
    settings = KitSettings(database_url=database_url, kafka_bootstrap_servers=infra.kafka_bootstrap)
    api = build_api(service="kit-test", settings=settings, routers=[router], migrations=[])
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            answer = await client.post(f"/learners/{uuid.uuid4()}/emails")
    assert answer.status_code == 202

    seen_correlation_ids: list[str | None] = []

    async def record(conn, envelope, settings):
        seen_correlation_ids.append(logs.correlation_id.get())

    database = (database_url, db.Migrations(tmp_path))
    async with running_worker(infra, database, {topic: record}, released=asyncio.Event()):
        async with asyncio.timeout(30):
            while not (consumed := [s for s in spans.get_finished_spans() if s.name == f"{topic} process"]):
                await asyncio.sleep(0.2)

    server = next(s for s in spans.get_finished_spans() if s.name == "POST /learners/{learner}/emails")
    produced = next(s for s in spans.get_finished_spans() if s.name == f"{topic} create")
    assert server.kind == SpanKind.SERVER and produced.kind == SpanKind.PRODUCER
    assert consumed[0].kind == SpanKind.CONSUMER
    assert produced.parent.span_id == server.context.span_id
    assert consumed[0].parent.span_id == produced.context.span_id
    assert consumed[0].context.trace_id == server.context.trace_id
    assert seen_correlation_ids == [answer.headers["x-correlation-id"]]  # the correlation id stays beside the trace
