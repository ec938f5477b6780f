"""The gateway never lets the internet read a service's Prometheus metrics: /api/<service>/metrics is a 404 however
the path is spelled, while the service's other routes still reach it. nginx runs the real template, in front of a
stand-in service that would answer anything."""

from __future__ import annotations

import dataclasses
import http.server
import socket
import threading
from collections.abc import Iterator
from typing import ClassVar

import httpx
import pytest

from devstack.config import SERVICES, StackConfig
from devstack.gateway import Gateway


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class AnswersAnything(http.server.BaseHTTPRequestHandler):
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        body = b"opencme_http_requests_total 1\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[tuple[str, list[str]]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AnswersAnything)
    AnswersAnything.asked = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", AnswersAnything.asked
    finally:
        server.shutdown()


@pytest.fixture
def gateway(service, tmp_path) -> Iterator[str]:
    config = dataclasses.replace(StackConfig.for_profile("test"), state_dir=tmp_path, gateway_port=free_port())
    running = Gateway(config, upstreams=dict.fromkeys(SERVICES, service[0]))
    running.start()
    try:
        yield config.gateway_url
    finally:
        running.stop()


def test_the_gateway_refuses_every_services_metrics_and_still_routes_its_api(gateway, service):
    _, asked = service
    with httpx.Client(base_url=gateway, timeout=10) as client:
        for path in (
            "/api/catalog/metrics",
            "/api/credit/metrics/",
            "/api/identity/METRICS",
            "/api/board-reporting/%6detrics",
            "/api/notifications//metrics",
            "/api/certificates/./metrics?format=text",
        ):
            refused = client.get(path)
            assert refused.status_code == 404, path
            assert refused.headers["content-type"].startswith("application/problem+json"), path
            assert "opencme_" not in refused.text, path
        routed = client.get("/api/catalog/activities")
    assert routed.status_code == 200 and asked == ["/activities"]
