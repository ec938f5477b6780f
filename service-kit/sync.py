"""Copies the canonical kit (service-kit/src/kit) into every service (services/<name>/src/<package>/kit).

Run after changing the kit: `python service-kit/sync.py`. tests/test_kit_copies.py fails when a copy drifts.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CANONICAL = ROOT / "service-kit" / "src" / "kit"


def service_copies() -> list[Path]:
    return sorted(p.parent / "kit" for p in ROOT.glob("services/*/src/*/__init__.py"))


def main() -> int:
    for target in service_copies():
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(CANONICAL, target, ignore=shutil.ignore_patterns("__pycache__"))
        print(f"kit -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
