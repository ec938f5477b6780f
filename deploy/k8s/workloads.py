"""The six services (an API and a worker each) and the gateway: Deployments, Services, PodDisruptionBudgets.

No migration Job: every API and worker process applies its service's pending migrations at start, under a PostgreSQL
advisory lock (opencme_kit.db.apply_migrations), so one migrates and the others wait; the startup probes allow for it.
A rolling update runs old pods beside the migrated schema for a moment: migrations only add (expand, then contract
in a later release).
"""

from __future__ import annotations

from typing import Any

from naming import (
    API_PROCESSES,
    API_REPLICAS,
    DB_POOL_SIZE,
    GATEWAY_REPLICAS,
    KAFKA_BOOTSTRAP,
    NAMESPACE,
    PG_HOST,
    SERVICES,
    VERSION,
    WORKER_REPLICAS,
    database,
    database_secret,
)

Doc = dict[str, Any]

API_PORT = 8000
WORKER_HEALTH_PORT = 8001
GATEWAY_PORT = 8080
SERVICE_UID = 10001  # the `opencme` user of services/<name>/Dockerfile
NGINX_UID = 101  # the `nginx` user of the nginx image (deploy/gateway/Dockerfile)

# Memory: the largest RSS of each process seen over ten minutes of the test suite's whole-stack tests, sampled every
# 5 s with ps: an API pod is a gunicorn arbiter (32 MiB) and its one worker (86-94 MiB; identity's 186 MiB, argon2id
# holding 19 MiB per password hash in flight; certificates' 145 MiB), a worker 83-90 MiB (certificates' 128 MiB:
# WeasyPrint and its fonts). The request is about that; the limit leaves room for a burst (sign-ins, a
# 100-certificate bundle, a transcript) before the kernel kills the process. CPU: requests only, no limit, so that a
# burst uses an idle core instead of being throttled; an idle process uses ~0.1 % of a core (bench/README.md), a claim
# costs the API ~3 ms and a certificate ~0.1 s of a core.
RESOURCES = {
    "api": {"requests": {"cpu": "100m", "memory": "160Mi"}, "limits": {"memory": "512Mi"}},
    "worker": {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "384Mi"}},
    "identity-api": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "640Mi"}},
    "certificates-api": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "768Mi"}},
    "certificates-worker": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "768Mi"}},
    "gateway": {"requests": {"cpu": "50m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
}


def secret_env(name: str, secret: str, key: str, *, optional: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": secret, "key": key}
    if optional:
        ref["optional"] = True
    return {"name": name, "valueFrom": {"secretKeyRef": ref}}


def service_env(service: str) -> list[dict[str, Any]]:
    """What differs per service; the rest comes from the opencme-config ConfigMap."""
    env = [
        # The URL is assembled from the role's Secret (the one CloudNativePG sets the password from); Kubernetes
        # expands $(NAME) from the variables above it. The password goes into a URL: make it URL-safe (hex).
        secret_env("DATABASE_USER", database_secret(service), "username"),
        secret_env("DATABASE_PASSWORD", database_secret(service), "password"),
        {"name": "DATABASE_HOST", "valueFrom": {"configMapKeyRef": {"name": "opencme-config", "key": "DATABASE_HOST"}}},
        {
            "name": "DATABASE_URL",
            "value": f"postgresql://$(DATABASE_USER):$(DATABASE_PASSWORD)@$(DATABASE_HOST)/{database(service)}"
            "?sslmode=require",
        },
    ]
    if service == "identity":
        # Encrypts the token signing keys at rest; the first administrator is made once, if the Secret names one.
        env.append(secret_env("SIGNING_KEY_PASSPHRASE", "opencme-identity", "SIGNING_KEY_PASSPHRASE"))
        env.append(secret_env("BOOTSTRAP_ADMIN_EMAIL", "opencme-identity", "BOOTSTRAP_ADMIN_EMAIL", optional=True))
        env.append(
            secret_env("BOOTSTRAP_ADMIN_PASSWORD", "opencme-identity", "BOOTSTRAP_ADMIN_PASSWORD", optional=True)
        )
    if service == "notifications":
        # SMTP AUTH only when the Secret exists (the settings want both or neither).
        env.append(secret_env("SMTP_USERNAME", "opencme-smtp", "SMTP_USERNAME", optional=True))
        env.append(secret_env("SMTP_PASSWORD", "opencme-smtp", "SMTP_PASSWORD", optional=True))
    return env


def config_map() -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "opencme-config", "namespace": NAMESPACE},
        "data": {
            # The operators' Services from infra.yaml; a managed PostgreSQL or Kafka: their addresses here instead.
            "DATABASE_HOST": PG_HOST,
            "KAFKA_BOOTSTRAP_SERVERS": KAFKA_BOOTSTRAP,
            "JWKS_URL": f"http://identity-api:{API_PORT}/.well-known/jwks.json",
            "DB_POOL_SIZE": str(DB_POOL_SIZE),
            "PORTAL_URL": "https://cme.example.org",
            "PUBLIC_BASE_URL": "https://cme.example.org",
            "SMTP_HOST": "smtp.example.org",
            "SMTP_PORT": "587",
            "SMTP_STARTTLS": "true",
            "BOARD_ENDPOINT_URL": "https://pars.example.org",
            "LOG_LEVEL": "INFO",
            # The root filesystem is read-only: fontconfig (WeasyPrint) keeps its cache in the pod's /tmp volume.
            "XDG_CACHE_HOME": "/tmp/cache",
            # The APIs believe X-Forwarded-For only from these peers: the gateway's pod network (set it to yours;
            # a NetworkPolicy should let only the gateway reach the APIs).
            "FORWARDED_ALLOW_IPS": "10.0.0.0/8",
        },
    }


def http_probe(path: str, port: str, *, period: int, timeout: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": port},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


def pod_security(uid: int) -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        # Numeric: the images name their user, and the kubelet cannot check a name against runAsNonRoot.
        "runAsUser": uid,
        "runAsGroup": uid,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}


def spread(app: str) -> list[dict[str, Any]]:
    """Replicas on different nodes (and zones, where nodes have them), preferred rather than required: a cluster
    with fewer nodes than replicas still runs them all."""
    return [
        {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": {"app": app}},
        }
        for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone")
    ]


def pod_spec(app: str, container: dict[str, Any], *, uid: int, volumes: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        # The services never call the Kubernetes API; and no FOO_SERVICE_PORT variables that could meet a setting.
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": pod_security(uid),
        "topologySpreadConstraints": spread(app),
        "containers": [container],
        "volumes": volumes,
    }


def deployment(
    name: str, labels: dict[str, str], replicas: int, pod: dict[str, Any], annotations: dict[str, str]
) -> Doc:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            # A new pod is ready before an old one goes.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {"metadata": {"labels": labels, "annotations": annotations}, "spec": pod},
        },
    }


def disruption_budget(name: str) -> Doc:
    """A drain or an eviction takes at most one pod of the Deployment at a time."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": name}}},
    }


def service_part(service: str, part: str) -> Doc:
    """A service's API (gunicorn, the image's command) or worker (`python -m <package>.worker`)."""
    name, package = f"{service}-{part}", SERVICES[service]
    env = service_env(service)
    container: dict[str, Any] = {
        "name": part,
        "image": f"ghcr.io/opencme/{service}:{VERSION}",
        "envFrom": [{"configMapRef": {"name": "opencme-config"}}],
        "env": env,
        "resources": RESOURCES.get(name, RESOURCES[part]),
        "securityContext": CONTAINER_SECURITY,
        # Writable scratch space only: fontconfig's cache, gunicorn's metrics samples, Python's temp files.
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    # Prometheus scrapes each pod directly (the gateway refuses /metrics): the annotations name the port and path
    # for the usual `kubernetes-pods` scrape job; with the Prometheus Operator, a PodMonitor selecting the label
    # `service` and the port named `http` (APIs) or `health` (workers) does the same.
    if part == "api":
        port_name, port = "http", API_PORT
        env.append({"name": "WEB_CONCURRENCY", "value": str(API_PROCESSES)})
        container["ports"] = [{"name": port_name, "containerPort": port}]
        # Start-up applies migrations before the port answers: up to three minutes before liveness takes over.
        container["startupProbe"] = http_probe("/healthz", port_name, period=2, timeout=2, failures=90)
        # /readyz asks PostgreSQL: a pod that cannot reach it leaves the Service until it can.
        container["readinessProbe"] = http_probe("/readyz", port_name, period=5, timeout=3, failures=2)
        # /healthz answers from the event loop alone: a loop blocked for 30 s is restarted.
        container["livenessProbe"] = http_probe("/healthz", port_name, period=10, timeout=3, failures=3)
        # The Service stops sending new connections before gunicorn starts its graceful stop (5 s).
        container["lifecycle"] = {"preStop": {"exec": {"command": ["sleep", "5"]}}}
    else:
        port_name, port = "health", WORKER_HEALTH_PORT
        container["command"] = ["python", "-m", f"{package}.worker"]
        env += [
            {"name": "WORKER_HEALTH_PORT", "value": str(port)},
            {"name": "WORKER_HEALTH_HOST", "value": "0.0.0.0"},
            # Messages waiting and none finished for this long: /healthz answers 503 and the probe restarts the pod.
            {"name": "CONSUMER_STUCK_AFTER", "value": "120"},
        ]
        container["ports"] = [{"name": port_name, "containerPort": port}]
        # /healthz answers once migrations ran and the consumer joined Kafka; then 503 when Kafka does not answer a
        # ping or the consumer is stuck. Readiness makes a stuck worker count as down for the disruption budget;
        # liveness restarts it after a minute. The check pings Kafka and reads end offsets (well under a second;
        # Kafka's own timeout is 5 s).
        container["startupProbe"] = http_probe("/healthz", port_name, period=2, timeout=10, failures=90)
        container["readinessProbe"] = http_probe("/healthz", port_name, period=10, timeout=10, failures=2)
        container["livenessProbe"] = http_probe("/healthz", port_name, period=15, timeout=10, failures=4)
    labels = {
        "app": name,
        "service": service,
        "app.kubernetes.io/component": part,
        "app.kubernetes.io/part-of": "opencme",
    }
    scrape = {"prometheus.io/scrape": "true", "prometheus.io/path": "/metrics", "prometheus.io/port": str(port)}
    volumes = [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}]
    replicas = API_REPLICAS if part == "api" else WORKER_REPLICAS
    return deployment(name, labels, replicas, pod_spec(name, container, uid=SERVICE_UID, volumes=volumes), scrape)


def gateway() -> Doc:
    """nginx with the built portal (deploy/gateway/Dockerfile): its template's service addresses default to the
    Services below (identity-api:8000, ...)."""
    container = {
        "name": "nginx",
        "image": f"ghcr.io/opencme/gateway:{VERSION}",
        "ports": [{"name": "http", "containerPort": GATEWAY_PORT}],
        "readinessProbe": http_probe("/healthz", "http", period=5, timeout=2, failures=2),
        "livenessProbe": http_probe("/healthz", "http", period=10, timeout=2, failures=3),
        "resources": RESOURCES["gateway"],
        "securityContext": CONTAINER_SECURITY,
        # As a user other than root nginx writes only here: the configuration the image's entrypoint renders from
        # the template, its pid file, and its proxy and body buffers.
        "volumeMounts": [
            {"name": "conf", "mountPath": "/etc/nginx/conf.d"},
            {"name": "run", "mountPath": "/run"},
            {"name": "cache", "mountPath": "/var/cache/nginx"},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    volumes = [{"name": name, "emptyDir": {"sizeLimit": "64Mi"}} for name in ("conf", "run", "cache", "tmp")]
    labels = {"app": "gateway", "app.kubernetes.io/component": "gateway", "app.kubernetes.io/part-of": "opencme"}
    return deployment(
        "gateway", labels, GATEWAY_REPLICAS, pod_spec("gateway", container, uid=NGINX_UID, volumes=volumes), {}
    )


def service_object(name: str, port: int) -> Doc:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": port, "targetPort": "http"}]},
    }


def documents() -> list[Doc]:
    docs: list[Doc] = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}, config_map()]
    for service in SERVICES:
        for part in ("api", "worker"):
            docs += [service_part(service, part), disruption_budget(f"{service}-{part}")]
        docs.append(service_object(f"{service}-api", API_PORT))
    docs += [gateway(), disruption_budget("gateway"), service_object("gateway", 80)]
    return docs
