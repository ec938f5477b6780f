"""nginx as the gateway: /api/<service>/ routes to each service, one port."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import urllib.request

from devstack.config import REPO_ROOT, SERVICES, StackConfig
from devstack.procs import StartError, spawn, stop, wait_until

TEMPLATE = REPO_ROOT / "deploy" / "gateway" / "nginx.conf.template"


def render(config: StackConfig, prefix: str) -> str:
    upstreams = "".join(
        f"    upstream {s.replace('-', '_')} {{ server 127.0.0.1:{config.service_port(s)}; keepalive 16; }}\n"
        for s in SERVICES
    )
    locations = "".join(
        f"        location /api/{s}/ {{\n"
        f'            proxy_set_header Connection "";\n'
        f"            proxy_pass http://{s.replace('-', '_')}/;\n"
        f"        }}\n"
        for s in SERVICES
    )
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""
    return TEMPLATE.read_text().format(
        prefix=prefix, port=config.gateway_port, upstreams=upstreams, locations=locations, user_directive=user
    )


class Gateway:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
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
        conf.write_text(render(self.config, str(self.prefix)))
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
