"""A worker whose work can wait yields the cores: its own niceness, and its session's scheduling group's where it
leads the session (the kernel's autogroup scheduling shares the cores equally between sessions otherwise)."""

import os
import subprocess
import sys

from opencme_kit.service import AUTOGROUP

REPORT = (
    "import os; from opencme_kit.service import AUTOGROUP, yield_cores; yield_cores(7); "
    "print(os.nice(0), AUTOGROUP.read_text().split()[-1] if AUTOGROUP.exists() else '-')"
)


def run(*, new_session: bool) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-c", REPORT], capture_output=True, text=True, check=True, start_new_session=new_session
    )
    niceness, group = done.stdout.split()
    return int(niceness), group


def test_a_worker_leading_its_session_makes_the_sessions_group_as_nice_as_itself() -> None:
    niceness, group = run(new_session=True)
    assert niceness == min(19, os.nice(0) + 7)
    if AUTOGROUP.exists():  # the kernel schedules by session (autogroup), as most distributions' do
        assert group == "7"


def test_a_worker_in_a_shared_session_leaves_the_group_alone() -> None:
    before = AUTOGROUP.read_text() if AUTOGROUP.exists() else None
    niceness, group = run(new_session=False)
    assert niceness == min(19, os.nice(0) + 7)
    assert (AUTOGROUP.read_text() if AUTOGROUP.exists() else None) == before
    if before is not None:
        assert group == before.split()[-1]
