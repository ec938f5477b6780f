"""Writes opencme.yaml: Kubernetes manifests for the six services (API + worker each) and the gateway.

    python deploy/k8s/generate.py

PostgreSQL and Kafka are expected to exist already (a managed service or an operator such as Strimzi/CloudNativePG);
their addresses come from the `opencme-infra` Secret: one DATABASE_URL_<SERVICE> per service and
KAFKA_BOOTSTRAP_SERVERS.
Identity's SIGNING_KEY_PASSPHRASE (encrypts the token signing keys at rest) comes from the `opencme-identity` Secret.
Images are those built from services/<name>/Dockerfile, tagged ghcr.io/opencme/<name>:<version> by convention.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SERVICES = {
    "identity": "identity",
    "catalog": "catalog",
    "credit": "credit",
    "certificates": "certificates",
    "board-reporting": "board_reporting",
    "notifications": "notifications",
}
NAMESPACE = "opencme"
VERSION = "0.1.0"
HERE = Path(__file__).resolve().parent


def env_for(service: str, package: str) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        {
            "name": "DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": "opencme-infra", "key": f"DATABASE_URL_{package.upper()}"}},
        },
        {
            "name": "KAFKA_BOOTSTRAP_SERVERS",
            "valueFrom": {"secretKeyRef": {"name": "opencme-infra", "key": "KAFKA_BOOTSTRAP_SERVERS"}},
        },
        {"name": "JWKS_URL", "value": "http://identity-api:8000/.well-known/jwks.json"},
    ]
    if service == "identity":
        env.append(
            {
                "name": "SIGNING_KEY_PASSPHRASE",
                "valueFrom": {"secretKeyRef": {"name": "opencme-identity", "key": "SIGNING_KEY_PASSPHRASE"}},
            }
        )
    return env


def deployment(name: str, service: str, package: str, *, command: list[str] | None, probes: bool) -> dict:
    container: dict = {
        "name": name,
        "image": f"ghcr.io/opencme/{service}:{VERSION}",
        "envFrom": [{"configMapRef": {"name": "opencme-config"}}],
        "env": env_for(service, package),
        "resources": {"requests": {"cpu": "100m", "memory": "192Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True},
        # Writable scratch space only (fontconfig's cache for WeasyPrint, Python's temp files).
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if command:
        container["command"] = command
    # Prometheus scrapes each pod directly (the gateway refuses /metrics): the annotations name the port and path
    # for the usual `kubernetes-pods` scrape job; with the Prometheus Operator, a PodMonitor selecting the label
    # `service` and the port named `http` (APIs) or `health` (workers) does the same.
    scrape = {"prometheus.io/scrape": "true", "prometheus.io/path": "/metrics", "prometheus.io/port": "8000"}
    if probes:
        container["ports"] = [{"containerPort": 8000, "name": "http"}]
        container["readinessProbe"] = {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5}
        container["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10}
    else:  # a worker: /healthz answers 503 when Kafka does not answer or its consumer is stuck, and serves /metrics
        scrape["prometheus.io/port"] = "8001"
        container["ports"] = [{"containerPort": 8001, "name": "health"}]
        container["env"] += [
            {"name": "WORKER_HEALTH_PORT", "value": "8001"},
            {"name": "WORKER_HEALTH_HOST", "value": "0.0.0.0"},
            # Messages waiting and none finished for this long: /healthz answers 503 and the probe restarts the pod.
            {"name": "CONSUMER_STUCK_AFTER", "value": "120"},
        ]
        container["livenessProbe"] = {
            "httpGet": {"path": "/healthz", "port": "health"},
            "periodSeconds": 15,
            # The check pings Kafka and reads end offsets (well under a second; Kafka's own timeout is 5 s).
            "timeoutSeconds": 10,
            "failureThreshold": 4,
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": name, "service": service}},
        "spec": {
            "replicas": 2 if probes else 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name, "service": service}, "annotations": scrape},
                "spec": {"containers": [container], "volumes": [{"name": "tmp", "emptyDir": {}}]},
            },
        },
    }


def service_object(name: str, port: int, target: int | str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"selector": {"app": name}, "ports": [{"port": port, "targetPort": target}]},
    }


def documents() -> list[dict]:
    docs: list[dict] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "opencme-config", "namespace": NAMESPACE},
            "data": {
                "PORTAL_URL": "https://cme.example.org",
                "PUBLIC_BASE_URL": "https://cme.example.org",
                "SMTP_HOST": "smtp.example.org",
                "SMTP_PORT": "587",
                "SMTP_STARTTLS": "true",
                "BOARD_ENDPOINT_URL": "https://pars.example.org",
                "LOG_LEVEL": "INFO",
                # The APIs believe X-Forwarded-For only from these peers: the gateway's pod network (set it to yours;
                # a NetworkPolicy should let only the gateway reach the APIs).
                "FORWARDED_ALLOW_IPS": "10.0.0.0/8",
            },
        },
    ]
    for service, package in SERVICES.items():
        docs.append(deployment(f"{service}-api", service, package, command=None, probes=True))
        docs.append(service_object(f"{service}-api", 8000, "http"))
        # One worker: it holds the outbox relay's lock; a second one would stand by.
        docs.append(
            deployment(
                f"{service}-worker", service, package, command=["python", "-m", f"{package}.worker"], probes=False
            )
        )
    docs.append(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "gateway", "namespace": NAMESPACE},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "gateway"}},
                "template": {
                    "metadata": {"labels": {"app": "gateway"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "nginx",
                                # deploy/gateway/Dockerfile: the portal and the one gateway template, whose service
                                # addresses default to the Services below (identity-api:8000, ...).
                                "image": f"ghcr.io/opencme/gateway:{VERSION}",
                                "ports": [{"containerPort": 8080}],
                                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                            }
                        ],
                    },
                },
            },
        }
    )
    docs.append(service_object("gateway", 80, 8080))
    return docs


def main() -> None:
    text = "# Generated by deploy/k8s/generate.py; edit that, not this.\n"
    text += yaml.safe_dump_all(documents(), sort_keys=False)
    (HERE / "opencme.yaml").write_text(text)
    print(f"wrote {HERE / 'opencme.yaml'}")


if __name__ == "__main__":
    main()
