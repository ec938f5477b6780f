"""The set-up (`./opencme`) compiles every module to bytecode. Python compiles a module that has no .pyc each time a
process imports it, and writes none when PYTHONDONTWRITEBYTECODE is set: a service's imports then took ~8 s of CPU
instead of ~2.5 s, in every process the stack and the tests start."""

import importlib
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENTRY_POINTS = [
    f"{package}.{part}"
    for package in ("identity", "catalog", "credit", "certificates", "board_reporting", "notifications")
    for part in ("main", "worker")
] + ["devstack.__main__", "certificates.rendering"]


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_what_a_service_process_imports_is_compiled_already(entry_point: str) -> None:
    importlib.import_module(entry_point)
    uncompiled = sorted(
        name
        for name, module in list(sys.modules.items())
        if (source := getattr(module, "__file__", None))
        and source.endswith(".py")
        and Path(source).resolve().is_relative_to(REPO)  # the virtualenv's packages and the workspace's own
        and "/tests/" not in source
        and not Path(module.__cached__).is_file()
    )
    assert uncompiled == []
