"""The web portal (web/): installed from its lock (npm ci) and built (vite), so that the gateway serves web/dist.

Both steps are skipped when nothing they depend on changed: `npm ci` when package-lock.json is the one installed,
the build when no source is newer than the last build.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time

from devstack.config import REPO_ROOT
from devstack.procs import StartError

WEB = REPO_ROOT / "web"
DIST = WEB / "dist"
_SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.json")


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise StartError("npm not found: the portal needs Node.js 20 and npm")
    return npm


def _run(argv: list[str], what: str) -> None:
    done = subprocess.run(argv, cwd=WEB, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise StartError(f"{what} failed in {WEB}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")


def _newest_source() -> float:
    newest = 0.0
    for name in _SOURCES:
        path = WEB / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def install() -> bool:
    """`npm ci` unless node_modules already holds what package-lock.json pins; True when it ran."""
    lock = hashlib.sha256((WEB / "package-lock.json").read_bytes()).hexdigest()
    stamp = WEB / "node_modules" / ".opencme-installed"
    if stamp.exists() and stamp.read_text() == lock:
        return False
    _run([_npm(), "ci", "--no-audit", "--no-fund"], "npm ci")
    stamp.write_text(lock)
    return True


def ensure_built() -> float:
    """Install and build the portal as needed; returns the seconds it took."""
    started = time.monotonic()
    if not (WEB / "package.json").exists():
        raise StartError(f"no portal to build: {WEB / 'package.json'} is missing")
    installed = install()
    index = DIST / "index.html"
    if installed or not index.exists() or index.stat().st_mtime < _newest_source():
        _run([_npm(), "run", "build"], "the portal's build (npm run build)")
    return time.monotonic() - started
