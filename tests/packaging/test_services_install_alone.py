"""Each service installs and starts from its Docker build context alone: the root pyproject.toml and lock, contracts,
the kit and that one service, synced non-editable with `uv sync --frozen --no-dev --no-editable --package ...`
exactly as its Dockerfile does. Nothing of another service, and none of another service's own heavy dependencies,
is in that environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVICES = {
    "identity": "identity",
    "catalog": "catalog",
    "credit": "credit",
    "certificates": "certificates",
    "board-reporting": "board_reporting",
    "notifications": "notifications",
}

# Dependencies that only one part of the repository needs; each must be in its owner's environment and no other's.
OWN_DEPENDENCIES = {
    "weasyprint": "certificates",
    "pikepdf": "certificates",
    "pypdf": "dev",  # the tests read PDFs with it; the service writes them with WeasyPrint and pikepdf
    "segno": "certificates",
    "argon2-cffi": "identity",
    "aiosmtplib": "notifications",
    "icalendar": "notifications",
    "aiosmtpd": "devstack",
    "pytest": "dev",
    "schemathesis": "dev",
}


def uv_binary() -> str:
    uv = os.environ.get("OPENCME_UV") or shutil.which("uv")
    assert uv, "uv is needed (./opencme installs it and sets OPENCME_UV)"
    return uv


def build_context(folder: str) -> list[str]:
    """The paths the Dockerfile's own .dockerignore lets into its context (its `!` lines)."""
    ignore = (ROOT / folder / "Dockerfile.dockerignore").read_text().splitlines()
    return [line[1:].rstrip("/") for line in ignore if line.startswith("!")]


def copy_context(paths: list[str], target: Path) -> None:
    skip = shutil.ignore_patterns("tests", "__pycache__", "*.egg-info", ".venv")
    for path in paths:
        source, dest = ROOT / path, target / path
        if source.is_dir():
            shutil.copytree(source, dest, ignore=skip)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)


PROBE = textwrap.dedent("""
    import importlib.metadata, json, sys
    module = sys.argv[1]
    main = __import__(f"{module}.main", fromlist=["create_app"])
    worker = __import__(f"{module}.worker", fromlist=["create_worker"])
    config = __import__(f"{module}.config", fromlist=["MIGRATIONS"])
    app, stream = main.create_app(), worker.create_worker()
    migrations = [name for m in config.MIGRATIONS for name, _ in m.files()]
    print(json.dumps({
        "distributions": sorted({d.metadata["Name"].lower() for d in importlib.metadata.distributions()}),
        "module_file": sys.modules[module].__file__,
        "migrations": migrations,
        "routes": len(app.routes),
    }))
""")


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_a_service_installs_and_starts_from_its_build_context_alone(service, tmp_path):
    folder, module = f"services/{service}", SERVICES[service]
    context = build_context(folder)
    assert sorted(context) == sorted(["pyproject.toml", "uv.lock", "contracts", "service-kit", folder])
    copy_context(context, tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    subprocess.run(
        [uv_binary(), "sync", "--frozen", "--no-dev", "--no-editable", "--quiet", "--package", f"opencme-{service}"],
        cwd=tmp_path,
        env=env,
        check=True,
        timeout=300,
    )

    # Run from a neutral folder: nothing may come from the copied sources, only from the installed environment.
    probe = subprocess.run(
        [str(tmp_path / ".venv" / "bin" / "python"), "-c", PROBE, module],
        cwd="/",
        env={**env, "PYTHONSAFEPATH": "1"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found = json.loads(probe.stdout.strip().splitlines()[-1])

    assert "/site-packages/" in found["module_file"]  # installed, not editable
    assert found["migrations"] and all(name.endswith(".sql") for name in found["migrations"])
    assert found["routes"] > 0
    installed = set(found["distributions"])
    others = {f"opencme-{s}" for s in SERVICES if s != service} | {"opencme-devstack"}
    assert installed & others == set()
    assert {"opencme-contracts", "opencme-kit", f"opencme-{service}"} <= installed
    for dependency, owner in OWN_DEPENDENCIES.items():
        assert (dependency in installed) == (owner == service), f"{dependency} in {service}'s environment"
