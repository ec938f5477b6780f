"""The portal's browser journeys (web/e2e, Playwright driving Debian's Chromium) against this run's stack: every
service as its own process behind the gateway, which serves the built portal. A failed journey fails this test with
Playwright's own report of it; a missing Chromium fails it too, never a skip."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from devstack.portal import WEB
from devstack.stack import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.e2e


def test_the_portals_browser_journeys_pass_against_the_running_stack(stack):
    npx = shutil.which("npx")
    assert npx, "Node.js 20 and npm are needed for the portal's browser tests"
    c = stack.config
    env = {
        **os.environ,
        "CI": os.environ.get("CI", "true"),  # forbid .only, write the report
        "OPENCME_BASE_URL": c.gateway_url,
        "OPENCME_SMTP_URL": f"http://127.0.0.1:{c.smtp_http_port}",
        "OPENCME_BOARD_URL": f"http://127.0.0.1:{c.board_port}",
        "OPENCME_ADMIN_EMAIL": ADMIN_EMAIL,
        "OPENCME_ADMIN_PASSWORD": ADMIN_PASSWORD,
    }
    run = subprocess.run(
        [npx, "playwright", "test"], cwd=WEB, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    report = (run.stdout + run.stderr)[-20000:]
    sys.stdout.write(report)  # pytest shows it for a failure; -s shows it always
    assert run.returncode == 0, f"the browser journeys failed (report in web/e2e/.report):\n{report}"
