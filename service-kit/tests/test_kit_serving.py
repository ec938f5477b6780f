"""The kit's HTTP serving: uvicorn's server waking once a second instead of ten times, stopping at once on a signal,
and several such processes under gunicorn with the kit's settings (what devstack and the images run)."""

import asyncio
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from opencme_kit import serving

from .test_kit_unexpected_errors import free_port


def ping_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, int]:
        return {"pid": os.getpid()}

    return app


class CountingServer(serving.QuietServer):
    ticks = 0

    async def on_tick(self, counter: int) -> bool:
        self.ticks += 1
        return await super().on_tick(counter)


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


async def started(server: uvicorn.Server) -> asyncio.Task[None]:
    serving_task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            await asyncio.sleep(0.02)
    return serving_task


async def test_the_quiet_server_answers_with_a_date_and_wakes_once_a_second_when_idle():
    port = free_port()
    server = CountingServer(uvicorn.Config(ping_app(), host="127.0.0.1", port=port, log_level="critical"))
    serving_task = await started(server)
    try:
        status, headers, _ = await asyncio.to_thread(get, port, "/ping")
        before = server.ticks
        await asyncio.sleep(2.5)
        idle_ticks = server.ticks - before
    finally:
        server.should_exit = True
        await serving_task
    assert status == 200 and headers["date"].endswith(" GMT")
    # uvicorn's own server ticks 25 times in 2.5 s.
    assert 1 <= idle_ticks <= 4, idle_ticks


async def test_a_shutdown_signal_stops_the_quiet_server_without_waiting_for_its_next_tick(monkeypatch):
    monkeypatch.setattr(serving, "TICK_SECONDS", 60.0)
    # uvicorn raises the signals it caught again once it has stopped: let that one reach a handler that ignores it.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    port = free_port()
    server = serving.QuietServer(uvicorn.Config(ping_app(), host="127.0.0.1", port=port, log_level="critical"))
    serving_task = await started(server)
    await asyncio.sleep(0.2)  # asleep in its tick
    # A signal handler runs outside the event loop's callbacks: call it from another thread as the closest stand-in.
    threading.Thread(target=server.handle_exit, args=(signal.SIGTERM, None)).start()
    try:
        async with asyncio.timeout(10):  # the tick alone would keep it a minute
            await serving_task
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture
def gunicorn_app(tmp_path):
    (tmp_path / "pinged.py").write_text(
        "import os\nfrom fastapi import FastAPI\n\n\ndef create_app():\n    app = FastAPI()\n\n"
        '    @app.get("/ping")\n    async def ping():\n        return {"pid": os.getpid()}\n\n    return app\n'
    )
    return tmp_path


def test_gunicorn_with_the_kit_settings_serves_from_two_workers_and_stops_on_sigterm(gunicorn_app):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"} | {"HOME": str(gunicorn_app)}
    command = [sys.executable, "-m", "gunicorn", "--config", "python:opencme_kit.serving", "--chdir", str(gunicorn_app)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "pinged:create_app()"]
    arbiter = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        answer, workers = None, set()
        deadline = time.monotonic() + 30
        while (answer is None or len(workers) < 2) and time.monotonic() < deadline:
            time.sleep(0.2)
            with contextlib.suppress(OSError):
                answer = get(port, "/ping")
            children = subprocess.run(["pgrep", "-P", str(arbiter.pid)], capture_output=True, text=True).stdout
            workers = set(map(int, children.split()))
        assert answer is not None, "gunicorn did not answer"
        status, _, body = answer
        assert status == 200 and json.loads(body)["pid"] in workers and len(workers) == 2
        arbiter.send_signal(signal.SIGTERM)
        assert arbiter.wait(timeout=15) == 0
    finally:
        if arbiter.poll() is None:
            arbiter.kill()
        output = arbiter.communicate()[0].decode(errors="replace")
    # gunicorn 23+ would create a control socket under $HOME/.gunicorn without the kit's settings.
    assert not (gunicorn_app / ".gunicorn").exists(), output


@pytest.fixture
async def database_url(make_database):
    return await make_database("kit")


@pytest.fixture
def metered_app(tmp_path):
    """A module whose create_app() is built by the kit's build_api (its /metrics and request counting included)."""
    (tmp_path / "metered.py").write_text(
        "import os\nfrom fastapi import APIRouter\nfrom opencme_kit.service import KitSettings, build_api\n\n"
        "router = APIRouter()\n\n\n"
        '@router.get("/learners/{learner}")\nasync def learner(learner: str):\n    return {"pid": os.getpid()}\n\n\n'
        'def create_app():\n    return build_api(service="kit-test", settings=KitSettings(), routers=[router], '
        "migrations=[])\n"
    )
    return tmp_path


def request_count(port: int) -> float:
    status, headers, body = get(port, "/metrics")
    assert status == 200 and headers["content-type"].startswith("text/plain")
    wanted = {"route": "/learners/{learner}", "method": "GET", "status": "200"}
    return sum(
        sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if sample.name == "opencme_http_requests_total" and sample.labels == wanted
    )


def test_one_scrape_counts_the_requests_of_every_gunicorn_worker_even_one_that_died(
    metered_app, database_url, tmp_path
):
    port = free_port()
    metrics_folder = tmp_path / "metrics"
    metrics_folder.mkdir()
    (metrics_folder / "counter_999999.db").write_bytes(b"a previous life's samples")
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"} | {
        "HOME": str(metered_app),
        "DATABASE_URL": database_url,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_folder),
    }
    command = [sys.executable, "-m", "gunicorn", "--config", "python:opencme_kit.serving", "--chdir", str(metered_app)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "metered:create_app()"]
    arbiter = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _count_across_workers(port, metrics_folder, arbiter)
    finally:
        if arbiter.poll() is None:
            arbiter.send_signal(signal.SIGTERM)
            arbiter.wait(timeout=15)
        output = arbiter.communicate()[0].decode(errors="replace")
    assert arbiter.returncode == 0, output


def _count_across_workers(port: int, metrics_folder, arbiter: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # up: /healthz is not a counted route
        with contextlib.suppress(OSError):
            if get(port, "/healthz")[0] == 200:
                break
        time.sleep(0.1)
    # Once it answers, no request fails unseen: one that failed on the client's side might still have been counted.
    sent, answered_by = 0, set()
    while len(answered_by) < 2 and time.monotonic() < deadline:
        status, _, body = get(port, f"/learners/{sent}")
        assert status == 200
        sent += 1
        answered_by.add(json.loads(body)["pid"])
        time.sleep(0.05)
    assert len(answered_by) == 2, "both workers answer"
    assert not (metrics_folder / "counter_999999.db").exists()  # emptied at start
    assert request_count(port) == sent  # whichever worker answers the scrape sums both

    os.kill(answered_by.pop(), signal.SIGKILL)  # gunicorn replaces it; its requests stay counted
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = subprocess.run(["pgrep", "-P", str(arbiter.pid)], capture_output=True, text=True).stdout.split()
        if len(children) == 2 and not answered_by - set(map(int, children)):
            break
        time.sleep(0.2)
    with contextlib.suppress(OSError):
        get(port, "/healthz")  # the replacement may still be starting
    counted = None
    for _ in range(50):
        with contextlib.suppress(OSError):
            counted = request_count(port)
            break
        time.sleep(0.2)
    assert counted == sent
