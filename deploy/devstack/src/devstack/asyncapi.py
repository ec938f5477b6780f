"""Writes each service's AsyncAPI document (from its FastStream worker) to contracts/asyncapi/<service>.yaml.

    .venv/bin/python -m devstack.asyncapi
"""

from __future__ import annotations

import subprocess
import sys

from devstack.config import REPO_ROOT, SERVICES, package_of

OUT = REPO_ROOT / "contracts" / "asyncapi"


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for service in SERVICES:
        target = OUT / f"{service}.yaml"
        subprocess.run([sys.executable, "-m", "faststream", "docs", "gen", "--factory", "--yaml", "--out", str(target),
                        f"{package_of(service)}.worker:create_worker"], check=True, cwd=REPO_ROOT,
                       capture_output=True)
        print(f"wrote {target.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
