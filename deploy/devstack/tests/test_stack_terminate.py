"""Stack.terminate, the graceful stop of one replica a rolling restart makes: SIGTERM to the main process (as an
orchestrator sends it), then wait; what the process left behind is killed; a process that does not leave within the
timeout is killed and the call fails. Tried on stand-in processes (a few lines of Python) in the places of a worker's
replicas."""

import dataclasses
import os
import sys
import time
from pathlib import Path

import pytest

from devstack.config import StackConfig
from devstack.procs import spawn, wait_until
from devstack.stack import Stack

# Starts a child of its own (as a worker's render pool) that notes a SIGTERM it receives and leaves; says it is ready
# once both handlers are in place. On SIGTERM it writes what it finished and exits 0, leaving the child behind; with
# "ignore" it ignores SIGTERM, as a stuck process.
STAND_IN = """
import pathlib, signal, subprocess, sys, time
out = pathlib.Path(sys.argv[1])
child = subprocess.Popen([sys.executable, "-c", '''
import pathlib, signal, sys, time
def noted(signum, frame):
    pathlib.Path(sys.argv[1]).write_text("child got SIGTERM")
    sys.exit(0)
signal.signal(signal.SIGTERM, noted)
pathlib.Path(sys.argv[1] + ".ready").touch()
while True:
    time.sleep(0.05)
''', str(out.with_suffix(".child"))])
def leave(signum, frame):
    out.write_text("finished in-flight work")
    sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if sys.argv[2] == "ignore" else leave)
while not out.with_suffix(".child.ready").exists():
    time.sleep(0.01)
out.with_suffix(".pid").write_text(str(child.pid))
while True:
    time.sleep(0.05)
"""


@pytest.fixture
def stack(tmp_path):
    config = dataclasses.replace(StackConfig.for_profile("cluster"), state_dir=tmp_path / "state")
    stack = Stack(config)
    yield stack
    stack.stop(infra=False)


def stand_in(stack: Stack, name: str, out: Path, mode: str) -> int:
    """Starts the stand-in as `name`; returns its child's pid."""
    stack.processes[name] = spawn(name, [sys.executable, "-c", STAND_IN, str(out), mode], log_dir=stack.log_dir)
    wait_until(out.with_suffix(".pid").exists, what=name, timeout=20, proc=stack.processes[name])
    return int(out.with_suffix(".pid").read_text())


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A child killed but not yet reaped by anyone (its parent has exited) is a zombie until init reaps it.
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")


def test_terminate_sends_sigterm_to_one_replica_only_and_clears_what_it_left(stack, tmp_path):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    child = stand_in(stack, "credit-worker", first, "leave")
    stand_in(stack, "credit-worker-2", second, "leave")

    seconds = stack.terminate("credit", "worker", replica=0)

    assert stack.processes["credit-worker"].returncode == 0  # its handler ran: SIGTERM, not SIGKILL
    assert first.read_text() == "finished in-flight work"
    assert not first.with_suffix(".child").exists()  # the signal went to the main process alone
    wait_until(lambda: gone(child), what="the child left behind to be killed", timeout=5)  # fails if it is not
    assert seconds < 10
    assert stack.processes["credit-worker-2"].poll() is None and not second.exists()


def test_terminate_kills_and_fails_when_the_process_outlasts_the_timeout(stack, tmp_path):
    out = tmp_path / "stuck.txt"
    stand_in(stack, "certificates-worker-2", out, "ignore")
    started = time.monotonic()

    with pytest.raises(RuntimeError, match="still running 1 s after SIGTERM: killed"):
        stack.terminate("certificates", "worker", replica=1, timeout=1.0)

    assert stack.processes["certificates-worker-2"].returncode == -9
    assert not out.exists()
    assert time.monotonic() - started < 10
