"""Who yields the shared cores to whom: on one host, the work that can wait (mail, board reports, and the servers that
stand in for theirs) runs nicer than the certificates' renders (10), which run nicer than everything people wait on
(the APIs, the other workers): a surge's certificates are made before their emails are sent."""

from __future__ import annotations

import os

import pytest

from certificates.render_pool import RENDER_NICENESS
from devstack.stack import TOOLS_NICENESS

pytestmark = pytest.mark.e2e

WAITING_WORK = {"notifications-worker", "board-reporting-worker", "smtp-sink", "fake-board"}


def test_mail_and_board_reports_yield_the_cores_to_the_certificates_and_everything_else_runs_as_started(stack):
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    niceness = {
        name: os.getpriority(os.PRIO_PROCESS, proc.pid) - ours
        for name, proc in stack.processes.items()
        if proc.poll() is None
    }
    assert niceness.keys() >= WAITING_WORK, niceness
    for name in WAITING_WORK:  # the workers at their worker_niceness, the tools as nice as them
        assert niceness[name] == TOOLS_NICENESS > RENDER_NICENESS, (name, niceness[name])
    others = {name: value for name, value in niceness.items() if name not in WAITING_WORK}
    assert {"certificates-worker", "credit-api", "credit-worker"} <= others.keys(), others
    assert set(others.values()) == {0}, others
