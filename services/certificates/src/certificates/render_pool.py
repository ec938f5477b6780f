"""Certificates are rendered in worker processes, one per core of the machine the worker runs on.

WeasyPrint is pure Python for most of a render and holds the GIL: on threads, renders take turns on one core and stall
the worker's event loop (Kafka, the database, the outbox relay) while they run. In processes they run side by side,
and the loop only waits for the answer. The processes are started with `spawn` (a fresh interpreter, not a fork of a
process that has threads and open sockets) and set their fonts and stylesheets up before their first certificate.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Generic, TypeVar

from certificates.rendering import render_certificate_pdf, warm_up

log = logging.getLogger(__name__)

Out = TypeVar("Out")  # what a render gives: a certificate's PDF, a sheet of transcript strips


class RenderCrashed(Exception):
    """A render process died (killed, out of memory, a crash in a native library). Every render it had in hand fails
    with this; the pool starts new processes for the next one, so trying again can succeed."""


def available_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the whole machine's count)."""
    return len(os.sched_getaffinity(0))


# Renders yield the cores to everything else: in a surge, a learner's claim, their download and the events between
# the services are answered first, and the renders take what is left (all of it, once the claims are in).
RENDER_NICENESS = 10


def _start_render_process(niceness: int) -> None:
    os.nice(niceness)
    warm_up()


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)  # keeps this process busy, so that the next task starts another
    return os.getpid()


class RenderPool(Generic[Out]):
    """`await pool.render(document)` -> `render(document)` (e.g. the certificate's PDF), run in one of `processes`
    processes (default: one per available core). The processes start with `start()` (the worker's start) or on the
    first render, and stay until `close()`."""

    def __init__(self, processes: int = 0, *, render: Callable[[Any], Out], niceness: int = RENDER_NICENESS) -> None:
        self.processes = processes or available_cores()
        self._render = render  # a module-level function: it is sent to the processes by name
        self.niceness = niceness
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_render_process,
                initargs=(self.niceness,),
            )
        return self._executor

    async def start(self) -> None:
        """Start every process now and let each set its fonts up (a second or two), so that the first certificates
        after a deploy or a restart do not wait for it: a surge right after one began seconds behind."""
        executor, loop = self._pool(), asyncio.get_running_loop()
        # One task per process, all at once: the executor starts a process for each task no idle process can take.
        pids = await asyncio.gather(*(loop.run_in_executor(executor, _pid_after, 0.2) for _ in range(self.processes)))
        log.info("render processes ready: %s", sorted(set(pids)))

    async def render(self, document: Any) -> Out:
        """The PDF; raises what the renderer raises (`CertificateDoesNotFit`, a `ValueError`: rendering again cannot
        help) or `RenderCrashed` (it can)."""
        executor = self._pool()
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, self._render, document)
        except BrokenProcessPool as exc:
            if self._executor is executor:  # the first render to hear of it replaces the pool for everyone
                log.error("a certificate render process died; starting new ones")
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            what = getattr(document, "certificate_number", type(document).__name__)
            raise RenderCrashed(f"the render process died while rendering {what}") from exc

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


# The worker's pool: the issuer and replacements (replacements.py) share it.
shared = RenderPool(render=render_certificate_pdf)
