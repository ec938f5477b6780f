"""nginx as the gateway: the portal at /, each service's API under /api/<service>/, on one port.

The routing, headers and policies are deploy/gateway/opencme.conf.template, the one source that docker-compose and
Kubernetes render too; devstack only wraps it in a main configuration with its own paths.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Mapping

from devstack.config import REPO_ROOT, SERVICES, StackConfig
from devstack.procs import StartError, spawn, stop, wait_until

TEMPLATE = REPO_ROOT / "deploy" / "gateway" / "opencme.conf.template"
WEB_ROOT = REPO_ROOT / "web" / "dist"

MAIN = """{user_directive}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;

events {{ worker_connections 1024; }}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    # The combined format with the request's time and the service's (seconds), written in 64 KiB blocks at least
    # once a second rather than one write per request.
    log_format timed '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                     '"$http_referer" "$http_user_agent" rt=$request_time urt=$upstream_response_time';
    access_log {prefix}/access.log timed buffer=64k flush=1s;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

{gateway}
}}
"""


def substitute(template: str, values: Mapping[str, str]) -> str:
    """Fill in ${OPENCME_*} names as the nginx image's envsubst does; every one must have a value."""
    missing = sorted(set(re.findall(r"\$\{(OPENCME_[A-Z_]+)\}", template)) - set(values))
    if missing:
        raise ValueError(f"no value for {', '.join(missing)}")
    return re.sub(r"\$\{(OPENCME_[A-Z_]+)\}", lambda m: values[m.group(1)], template)


def template_values(config: StackConfig) -> dict[str, str]:
    values = {
        "OPENCME_GATEWAY_LISTEN": f"127.0.0.1:{config.gateway_port}",
        "OPENCME_WEB_ROOT": str(WEB_ROOT),
    }
    for service in SERVICES:
        # The template names one server per upstream; a service's further replicas join that upstream as servers
        # of their own ("a; server b"), and nginx spreads requests over them and passes over one that is down.
        servers = [f"127.0.0.1:{config.service_port(service, replica)}" for replica in range(config.replicas)]
        values[f"OPENCME_{service.upper().replace('-', '_')}_API"] = "; server ".join(servers)
    return values


def render(config: StackConfig, prefix: str, upstreams: Mapping[str, str] | None = None) -> str:
    """The main configuration; `upstreams` (service -> host:port) replaces the config's addresses (tests)."""
    values = template_values(config)
    for service, address in (upstreams or {}).items():
        values[f"OPENCME_{service.upper().replace('-', '_')}_API"] = address
    gateway = substitute(TEMPLATE.read_text(), values)
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    indented = "".join(f"    {line}" if line.strip() else line for line in gateway.splitlines(keepends=True))
    return MAIN.format(prefix=prefix, user_directive=user, gateway=indented)


class Gateway:
    def __init__(self, config: StackConfig, upstreams: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.upstreams = upstreams
        self.prefix = config.state_dir / "nginx"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(nginx):
            raise StartError("nginx not found: install Debian's 'nginx-light' package")
        self.prefix.mkdir(parents=True, exist_ok=True)
        for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.prefix / temp).mkdir(exist_ok=True)
            if os.geteuid() == 0:  # workers run as nobody and must write proxied bodies here
                nobody = pwd.getpwnam("nobody")
                os.chown(self.prefix / temp, nobody.pw_uid, nobody.pw_gid)
        conf = self.prefix / "nginx.conf"
        conf.write_text(render(self.config, str(self.prefix), self.upstreams))
        self.proc = spawn(
            "gateway",
            [nginx, "-p", str(self.prefix), "-c", str(conf), "-e", str(self.prefix / "error.log")],
            log_dir=self.config.logs_dir,
        )
        url = f"{self.config.gateway_url}/healthz"
        return wait_until(
            lambda: urllib.request.urlopen(url, timeout=1).status == 200,
            what="nginx gateway",
            timeout=20,
            log=self.prefix / "error.log",
            proc=self.proc,
        )

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
