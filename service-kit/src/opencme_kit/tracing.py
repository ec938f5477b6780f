"""Traces with OpenTelemetry: HTTP request → outbox row → Kafka message headers → the consumer's span, one trace.

Nothing is traced unless an exporter is configured, with the SDK's standard variables: OTEL_TRACES_EXPORTER=console
(spans as JSON on stdout) or otlp, or OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) alone, which means otlp.
The OTLP exporter speaks HTTP/protobuf (port 4318); OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER
and OTEL_BSP_* keep their usual meaning. Unconfigured, the API's no-op tracer costs a function call per span and
writes no trace context anywhere.

FastAPI's native telemetry makes each request's server span (named by its route template) as soon as a tracer
provider is installed, continuing a W3C traceparent the caller sent. `outbox.add` stores the context of a short
producer span in the row's headers; the relay publishes the headers as they are; the inbox consumer continues the
trace in a consumer span. The correlation id travels beside it, unchanged.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

log = logging.getLogger(__name__)

tracer = trace.get_tracer("opencme_kit")


def exporters_from_environment(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The span exporters the environment asks for: OTEL_TRACES_EXPORTER (comma-separated; "none" for none), else
    otlp when an OTLP endpoint is set, else none (the SDK's own default, otlp, would send to localhost:4318 on every
    machine that never asked for traces)."""
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip()
    if named:
        return [name.strip() for name in named.split(",") if name.strip() and name.strip() != "none"]
    if environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return ["otlp"]
    return []


def configure(service: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Installs the SDK's tracer provider as the process's global one when an exporter is configured; returns whether
    traces are now recorded. Once per process (an API worker, a worker): the global provider is set only once."""
    exporters = exporters_from_environment(environ)
    if not exporters:
        return False
    if type(trace.get_tracer_provider()).__name__ != "ProxyTracerProvider":
        return True  # already installed (a test's in-memory provider, or a second app in one process)
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; what it is given overrides them, so the
    # service's own name is given only when OTEL_SERVICE_NAME does not name it.
    resource = Resource.create({} if environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service})
    provider = TracerProvider(resource=resource)  # the sampler comes from OTEL_TRACES_SAMPLER(_ARG)
    for name in exporters:
        exporter: SpanExporter
        if name == "console":
            exporter = ConsoleSpanExporter()
        elif name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()  # endpoint, headers, timeout from OTEL_EXPORTER_OTLP_*
        else:
            log.warning("unknown OTEL_TRACES_EXPORTER %r ignored (console and otlp are supported)", name)
            continue
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    log.info("tracing to %s", ", ".join(exporters))
    return True


def recording() -> bool:
    """Whether a tracer provider is installed (by `configure`, or a test's own). Without one every span is a no-op and
    no trace context exists to propagate."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


@contextlib.contextmanager
def producing(topic: str, headers: MutableMapping[str, str]) -> Iterator[None]:
    """A producer span for an event queued for `topic`; its context goes into `headers` (W3C traceparent, tracestate)
    so that the consumer continues the trace. Nothing at all when nothing is traced (a no-op span and its propagation
    cost a claim more than the rest of queueing its event in Python)."""
    if not recording():
        yield
        return
    with tracer.start_as_current_span(
        f"{topic} create",
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": topic,
            "messaging.operation.type": "create",
        },
    ):
        propagate.inject(headers)
        yield


@contextlib.contextmanager
def consuming(topic: str, headers: Mapping[str, Any], attributes: Mapping[str, Any]) -> Iterator[Span]:
    """The consumer span of a message from `topic`, a child of the producer's span found in its headers."""
    parent = propagate.extract(headers)
    with tracer.start_as_current_span(
        f"{topic} process",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic, **attributes},
    ) as span:
        yield span
