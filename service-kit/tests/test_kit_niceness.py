"""A worker whose work can wait yields the cores: its own niceness, and its session's scheduling group's where it
leads the session (the kernel's autogroup scheduling shares the cores equally between sessions otherwise)."""

import ast
import os
import subprocess
import sys

from opencme_kit.service import AUTOGROUP

REPORT = (
    "import os; from opencme_kit.service import AUTOGROUP, yield_cores; yield_cores(7); "
    "print(os.nice(0), repr(AUTOGROUP.read_text() if AUTOGROUP.exists() else None))"
)


def shown_group() -> str | None:
    """This process's scheduling group as the kernel shows it; None without autogroup scheduling."""
    return AUTOGROUP.read_text() if AUTOGROUP.exists() else None


def group_niceness(shown: str | None) -> str | None:
    """The niceness of a session's scheduling group as /proc/<pid>/autogroup shows it ("/autogroup-75780 nice 7"), or
    None where the kernel has no autogroup scheduling or the process is in the root group, which shows nothing: the
    session of the first process, init's or a container's, where a test run may be, as CI's is."""
    return shown.split()[-1] if shown else None


def run(*, new_session: bool) -> tuple[int, str | None]:
    done = subprocess.run([sys.executable, "-c", REPORT], capture_output=True, text=True, start_new_session=new_session)
    assert done.returncode == 0, done.stderr
    niceness, shown = done.stdout.split(maxsplit=1)
    return int(niceness), group_niceness(ast.literal_eval(shown))


def test_a_worker_leading_its_session_makes_the_sessions_group_as_nice_as_itself() -> None:
    niceness, group = run(new_session=True)
    assert niceness == min(19, os.nice(0) + 7)
    if AUTOGROUP.exists():  # the kernel schedules by session (autogroup), as most distributions' do
        assert group == "7"


def test_a_worker_in_a_shared_session_leaves_the_group_alone() -> None:
    before = shown_group()
    niceness, group = run(new_session=False)
    assert niceness == min(19, os.nice(0) + 7)
    assert shown_group() == before
    assert group == group_niceness(before)
