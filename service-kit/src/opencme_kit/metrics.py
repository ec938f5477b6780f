"""Prometheus metrics: what an operator scrapes from each API process group and each worker at GET /metrics.

An API runs as several gunicorn worker processes; each writes its samples to files in PROMETHEUS_MULTIPROC_DIR (which
the gunicorn config in `serving.py` makes, empties at start and tidies when a worker dies) and any of them answers a
scrape with the sum of all. A worker is one process and keeps its samples in memory. What costs a query (consumer lag,
outbox backlog, dead-letter depth) is measured when a scrape asks for it (`worker_health.py`), never by a timer.

The gateway refuses /metrics (deploy/gateway/opencme.conf.template): Prometheus scrapes the pods directly.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import Scope

CONTENT_TYPE = CONTENT_TYPE_LATEST

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "opencme_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "opencme_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and method",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

CONSUMER_PROCESSED = Counter("opencme_consumer_processed", "Events applied by the inbox consumer", ["topic"])
CONSUMER_DUPLICATES = Counter(
    "opencme_consumer_duplicates", "Events skipped because the inbox had already applied them", ["topic"]
)
CONSUMER_IGNORED = Counter(
    "opencme_consumer_ignored", "Events the handler leaves alone, passed over without a transaction", ["topic"]
)
CONSUMER_DEAD_LETTERED = Counter(
    "opencme_consumer_dead_lettered", "Messages sent to the topic's dead-letter topic", ["topic"]
)
CONSUMER_FAILURES = Counter(
    "opencme_consumer_failures",
    "Failed attempts at applying an event (retried; kind: handler or database)",
    ["topic", "kind"],
)
OUTBOX_PUBLISHED = Counter("opencme_outbox_published", "Outbox rows published to Kafka by this process's relay")


def _route_of(scope: Scope) -> str:
    # The router leaves the matched route in the scope: its template keeps the label's values few (/claims/{id}).
    route = scope.get("route")
    return getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"


def count_request(scope: Scope, status: int, seconds: float) -> None:
    """Counts an answered HTTP request by route template, method and status and observes its duration (the kit's
    middleware, edge.py, calls it once per request)."""
    method = scope["method"] if scope["method"] in _METHODS else "other"
    route = _route_of(scope)
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_LATENCY.labels(route, method).observe(seconds)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class _Together:
    """A registry's samples and some measured for this scrape, as one thing to expose."""

    def __init__(self, registry: CollectorRegistry, measured: Iterable[Metric]) -> None:
        self.registry = registry
        self.measured = list(measured)

    def collect(self) -> Iterable[Metric]:
        yield from self.registry.collect()
        yield from self.measured


def exposition(measured: Iterable[Metric] = ()) -> bytes:
    """The text a scrape gets: every process's samples under gunicorn (multiprocess mode), this process's otherwise,
    and `measured` (values measured for this scrape)."""
    if multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return generate_latest(_Together(registry, measured))
