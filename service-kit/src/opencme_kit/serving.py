"""Serving a service's HTTP processes without waking when there is nothing to do.

uvicorn's server wakes ten times a second to refresh its Date header and look for a shutdown, and its multi-process
supervisor pings every worker over a pipe twice a second: about 0.6 % of a core per idle API, most of an idle stack's
CPU. Here the server wakes once a second (the Date header has a one-second resolution anyway) and at once on a
shutdown signal, and several processes are supervised by gunicorn, whose arbiter sleeps on its signal queue:

    gunicorn -c python:opencme_kit.serving 'catalog.main:create_app()' --bind 0.0.0.0:8000 --workers 2

A worker process serving its health probe runs `QuietServer` directly (`run_worker`).

Metrics under gunicorn: every worker process writes its samples to files in PROMETHEUS_MULTIPROC_DIR and any of them
sums them all for a scrape (`metrics.py`). The arbiter sets that folder before it forks the first worker (the
variable is read when prometheus_client is first imported, in each worker's app), empties it (a restarted service
must not count its last life's requests) and marks each worker that exits dead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from gunicorn.arbiter import Arbiter
from uvicorn_worker import UvicornWorker

from .waking import woken

TICK_SECONDS = 1.0


class QuietServer(uvicorn.Server):
    """uvicorn's server with a one-second tick that a shutdown signal cuts short."""

    _woken: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._woken = asyncio.Event()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            # uvicorn counts tenths of a second: a multiple of ten makes every tick refresh the Date header and call
            # the supervisor's notify callback (gunicorn's heartbeat).
            counter = (counter + 10) % 864000
            await woken(self._woken, TICK_SECONDS)
            should_exit = await self.on_tick(counter)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        super().handle_exit(sig, frame)
        # The handler runs between two bytecodes of the main thread, which may be blocked in the loop's selector:
        # wake the loop through its self-pipe so that the shutdown starts now rather than at the next tick.
        if self._loop is not None and self._woken is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._woken.set)


class QuietUvicornWorker(UvicornWorker):
    """gunicorn's uvicorn worker serving with `QuietServer` (uvicorn believes X-Forwarded-For from the peers in
    gunicorn's --forwarded-allow-ips)."""

    async def _serve(self) -> None:
        self.config.app = self.wsgi
        server = QuietServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)


# gunicorn settings when this module is its config (`-c python:opencme_kit.serving`); the command line adds bind,
# workers and forwarded_allow_ips.
worker_class = "opencme_kit.serving.QuietUvicornWorker"
# No control socket: gunicorn would otherwise create one under $XDG_RUNTIME_DIR or ~/.gunicorn.
control_socket_disable = True
# Requests in flight get this long after SIGTERM (a rolling restart); then the worker is stopped.
graceful_timeout = 5
# Longer than the gateway keeps a pooled connection (60 s), so nginx never reuses one the server has closed.
keepalive = 75
# A worker that has not reported for this long (its event loop blocked) is replaced.
timeout = 60
accesslog = None


_made_metrics_folder: str | None = None


def on_starting(server: Any) -> None:
    """gunicorn's hook in the arbiter, before any worker: the metrics folder of this gunicorn, emptied. A folder the
    environment names is used (and emptied); otherwise a new one under the temporary directory, which is the
    service's alone. prometheus_client is not imported here: the arbiter's own import would fix its mode too early."""
    global _made_metrics_folder
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()
    else:
        _made_metrics_folder = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="opencme-metrics-")


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn's hook when a worker has exited: its live gauges leave the sums (its counters stay counted)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """gunicorn's hook as the arbiter stops: the metrics folder it made goes with it."""
    if _made_metrics_folder is not None:
        shutil.rmtree(_made_metrics_folder, ignore_errors=True)
