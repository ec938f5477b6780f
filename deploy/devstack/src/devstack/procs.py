"""Starting and stopping the stack's child processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path


class StartError(RuntimeError):
    """A part of the stack did not come up; the message says which and where its log is."""


def api_command(package: str, port: int, *, workers: int = 1) -> list[str]:
    """A service's HTTP API as `./opencme up` and the images run it: gunicorn with the kit's settings (quiet uvicorn
    workers, graceful stop in 5 s, keep-alive longer than the gateway's pooled connections) on 127.0.0.1:`port`,
    believing X-Forwarded-For from the gateway (127.0.0.1) only."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:opencme_kit.serving",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--forwarded-allow-ips",
        "127.0.0.1",
        f"{package}.main:create_app()",
    ]


def spawn(
    name: str, argv: Sequence[str], *, log_dir: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start a long-running child in its own session, its output appended to <log_dir>/<name>.log.

    A session of its own is also a scheduling group of its own where the kernel's autogroup scheduling is on (it is
    here): each child gets a fair share of the cores whatever the others' niceness, unless it makes its group nicer.
    The workers whose work can wait do (the kit's `yield_cores`); the SMTP sink and fake board, which stand for
    servers elsewhere, do not. Tried before that, with all children in `up`'s session so that niceness counted
    between services: the surge was not clearly faster, and the SMTP sink and fake board, at niceness 15 among a
    surge's renders, answered so late that the fault-injection suite's backoff check failed in two runs of three."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child for its lifetime
    return subprocess.Popen(
        list(argv),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen[bytes], *, timeout: float = 15.0) -> None:
    """SIGTERM the child's process group, then SIGKILL what is left after `timeout`."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def wait_until(
    check: Callable[[], bool],
    *,
    what: str,
    timeout: float,
    log: Path | None = None,
    proc: subprocess.Popen[bytes] | None = None,
    interval: float = 0.2,
) -> float:
    """Poll `check` until it holds; returns the seconds waited. Fails early if `proc` dies."""
    started = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - started
        except Exception:
            pass
        if proc is not None and proc.poll() is not None:
            raise StartError(f"{what} exited with code {proc.returncode}; see {log}")
        if time.monotonic() - started > timeout:
            raise StartError(f"{what} not ready after {timeout:.0f}s; see {log}")
        time.sleep(interval)


def run_checked(argv: Sequence[str], *, what: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(list(argv), capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise StartError(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result
