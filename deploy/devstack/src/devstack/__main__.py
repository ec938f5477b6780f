"""`python -m devstack up`: start everything with demo data; Ctrl-C stops it all.

`python -m devstack infra --profile test`: only PostgreSQL and Kafka (prints their endpoints), e.g. for running one
service's tests against servers that stay up.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from devstack import demo, portal
from devstack.config import StackConfig
from devstack.procs import StartError
from devstack.stack import Stack


def _wait_for_ctrl_c(stack: Stack) -> None:
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    while not stopping.wait(2.0):
        if dead := stack.failed():
            print(f"stopped unexpectedly: {', '.join(dead)} (logs in {stack.log_dir})", file=sys.stderr)
            stopping.set()


def up(profile: str) -> int:
    stack = Stack(StackConfig.for_profile(profile))
    started = time.monotonic()
    try:
        print("building the portal (web/) ...", flush=True)
        print(f"  ready in {portal.ensure_built():.1f}s", flush=True)
        print("starting PostgreSQL and Kafka ...", flush=True)
        stack.start_infra()
        print(
            f"  PostgreSQL ready in {stack.timings['postgres']:.1f}s, Kafka with topics in "
            f"{stack.timings['kafka']:.1f}s",
            flush=True,
        )
        print("starting the SMTP sink, the fake board and the six services ...", flush=True)
        stack.start_tools()
        stack.start_services()
        stack.start_gateway()
        demo.wait_for_gateway(stack.config.gateway_url)
        data = demo.load(stack.config.gateway_url)
    except (StartError, demo.DemoError) as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    except BaseException:
        stack.stop()  # Ctrl-C during start-up, or a bug: leave nothing running
        raise
    c = stack.config
    print(
        f"""
OpenCME is running ({time.monotonic() - started:.0f}s to start).

  Portal:               {c.gateway_url}/
  Gateway (API):        {c.gateway_url}/api/<identity|catalog|credit|certificates|board-reporting|notifications>/
  API docs:             {c.gateway_url}/api/catalog/docs   (each service has /docs)
  Mail sent (SMTP sink): http://127.0.0.1:{c.smtp_http_port}/
  Fake board reports:   http://127.0.0.1:{c.board_port}/_reports
  Logs:                 {c.logs_dir}
  Service APIs:         {c.api_workers} process(es) each under gunicorn (OPENCME_API_WORKERS)
  Replicas:             {c.replicas} of every API and worker; Kafka: {c.kafka_nodes} node(s) at {c.kafka_bootstrap}

  Admin:    {data.admin[0]} / {data.admin[1]}
  Staff:    {data.staff[0]} / {data.staff[1]}   (CME coordinator and help desk)
  Learner:  {data.learner[0]} / {data.learner[1]}
  Grand-rounds event code: {data.event_code}

Press Ctrl-C to stop.""",
        flush=True,
    )
    _wait_for_ctrl_c(stack)
    print("stopping ...", flush=True)
    stack.stop()
    print("stopped.")
    return 0


def infra(profile: str) -> int:
    stack = Stack(StackConfig.for_profile(profile))
    stack.start_infra()
    print(f"OPENCME_TEST_PG_DSN={stack.postgres.dsn()}\nOPENCME_TEST_KAFKA={stack.config.kafka_bootstrap}", flush=True)
    _wait_for_ctrl_c(stack)
    stack.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack")
    parser.add_argument("command", choices=("up", "infra"))
    parser.add_argument(
        "--profile",
        choices=("dev", "test", "cluster"),
        default="dev",
        help="cluster: three Kafka nodes (replication 3, min.insync.replicas 2) and OPENCME_REPLICAS (2) copies of "
        "every API and worker",
    )
    args = parser.parse_args()
    return up(args.profile) if args.command == "up" else infra(args.profile)


if __name__ == "__main__":
    sys.exit(main())
