"""Writes each service's AsyncAPI document (from its FastStream worker) to contracts/asyncapi/<service>.yaml.

.venv/bin/python -m devstack.asyncapi
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from devstack.config import REPO_ROOT, SERVICES, package_of

OUT = REPO_ROOT / "contracts" / "asyncapi"


def main() -> int:
    for target in generate(OUT):
        print(f"wrote {target.relative_to(REPO_ROOT)}")
    return 0


def generate(out: Path) -> list[Path]:
    """Writes every service's document into `out`; returns the files written."""
    out.mkdir(exist_ok=True)
    written = []
    for service in SERVICES:
        target = out / f"{service}.yaml"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "faststream",
                "docs",
                "gen",
                "--factory",
                "--yaml",
                "--out",
                str(target),
                f"{package_of(service)}.worker:create_worker",
            ],
            check=True,
            cwd=REPO_ROOT,
            capture_output=True,
        )
        _sort_sections(target)
        _one_description_per_channel(target)
        written.append(target)
    return written


def _sort_sections(path: Path) -> None:
    """FastStream lists channels in no fixed order; sorting them keeps the committed documents stable."""
    document = yaml.safe_load(path.read_text())
    for section in (document, document.get("components", {})):
        for key in ("channels", "operations", "messages", "schemas"):
            if isinstance(section.get(key), dict):
                section[key] = dict(sorted(section[key].items()))
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


def _one_description_per_channel(path: Path) -> None:
    """A worker reads all its topics with one consumer, described by one line per topic ("<topic>: <handler's
    docstring>", opencme_kit.messaging); each channel keeps its own line."""
    document = yaml.safe_load(path.read_text())
    for channel in document.get("channels", {}).values():
        prefix = f"{channel['address']}: "
        lines = (channel.get("description") or "").splitlines()
        own = [line.removeprefix(prefix) for line in lines if line.startswith(prefix)]
        if own:
            channel["description"] = own[0]
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))


if __name__ == "__main__":
    sys.exit(main())
