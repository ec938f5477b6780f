"""The Kubernetes manifests (deploy/k8s), checked offline.

- Kubernetes' own kinds validate against the API's schemas for Kubernetes 1.30 and 1.37 (kubernetes-validate, which
  ships them), strictly: a field the API does not know fails.
- Strimzi's and CloudNativePG's resources type-check against the TypeScript types that @kubernetes-models generates
  from those operators' own schemas (Strimzi's CRDs, CloudNativePG's API), where an unknown field is an error, and
  pass the validators generated from the same schemas (enums, patterns, required fields). The packages are installed
  from deploy/k8s/schemas/package-lock.json (npm ci), as the portal's are.
- The committed YAML is what generate.py writes; and what must agree does: budgets and pods, probes and ports, the
  topic registry and the KafkaTopics, the databases and the Secrets the pods read.
"""

from __future__ import annotations

import copy
import fcntl
import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import kubernetes_validate
import pytest
import yaml

from opencme_contracts.topics import DLQ_PARTITIONS, TOPICS
from opencme_kit.service import _health_router

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SCHEMAS = K8S / "schemas"
KUBERNETES_VERSIONS = ("1.30", "1.37")
# The operators' kinds: the TypeScript type of each, from the packages in deploy/k8s/schemas.
OPERATOR_TYPES = {
    ("kafka.strimzi.io/v1", "Kafka"): "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/Kafka",
    (
        "kafka.strimzi.io/v1",
        "KafkaNodePool",
    ): "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaNodePool",
    ("kafka.strimzi.io/v1", "KafkaTopic"): "@kubernetes-models/strimzi-kafka-operator/kafka.strimzi.io/v1/KafkaTopic",
    ("postgresql.cnpg.io/v1", "Cluster"): "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Cluster",
    ("postgresql.cnpg.io/v1", "Database"): "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1/Database",
}

Doc = dict[str, Any]


def load_generator() -> ModuleType:
    """deploy/k8s/generate.py, which imports its siblings as a script does."""
    sys.path.insert(0, str(K8S))
    try:
        spec = importlib.util.spec_from_file_location("k8s_generate", K8S / "generate.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(K8S))


def load(name: str) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all((K8S / name).read_text()) if doc]


WORKLOADS = load("opencme.yaml")
INFRA = load("infra.yaml")


def of_kind(kind: str, docs: list[Doc] | None = None) -> list[Doc]:
    return [doc for doc in (WORKLOADS + INFRA if docs is None else docs) if doc["kind"] == kind]


def one(kind: str, name: str) -> Doc:
    (doc,) = [doc for doc in of_kind(kind) if doc["metadata"]["name"] == name]
    return doc


def container(deployment: Doc) -> Doc:
    (found,) = deployment["spec"]["template"]["spec"]["containers"]
    return found


def env_of(deployment: Doc) -> dict[str, Doc]:
    return {var["name"]: var for var in container(deployment).get("env", [])}


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) == {"matchLabels"}, "only matchLabels selectors are understood here"
    return all(labels.get(key) == value for key, value in selector["matchLabels"].items())


def named_port(deployment: Doc, port: str | int) -> int:
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in container(deployment)["ports"] if p["name"] == port]
    return int(number)


# --- the files and their schemas ---------------------------------------------------------------------------------


def test_committed_manifests_are_what_generate_writes() -> None:
    rendered = load_generator().render()
    assert set(rendered) == {"opencme.yaml", "infra.yaml"}
    for name, text in rendered.items():
        assert (K8S / name).read_text() == text, f"deploy/k8s/{name} is stale: run python deploy/k8s/generate.py"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_kubernetes_document_validates_strictly(version: str) -> None:
    builtin = [doc for doc in WORKLOADS + INFRA if (doc["apiVersion"], doc["kind"]) not in OPERATOR_TYPES]
    assert len(builtin) == len(WORKLOADS)  # infra.yaml holds the operators' kinds only
    for doc in builtin:
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_refuses_an_unknown_field_and_a_wrong_type() -> None:
    deployment = copy.deepcopy(one("Deployment", "credit-api"))
    container(deployment)["readinesProbe"] = container(deployment).pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)
    budget = copy.deepcopy(one("PodDisruptionBudget", "credit-worker"))
    budget["spec"]["maxUnavailable"] = [1]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(budget, KUBERNETES_VERSIONS[-1], strict=True)


@pytest.fixture(scope="module")
def operator_schemas() -> Path:
    """deploy/k8s/schemas/node_modules as its package-lock.json pins it (npm ci once per lock; one process at a time,
    whatever the number of pytest workers)."""
    npm = shutil.which("npm")
    assert npm, "npm is needed (Node.js 20, as for the portal)"
    lock = hashlib.sha256((SCHEMAS / "package-lock.json").read_bytes()).hexdigest()
    stamp = SCHEMAS / "node_modules" / ".opencme-installed"
    with open(SCHEMAS / ".install.lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not (stamp.exists() and stamp.read_text() == lock):
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"], cwd=SCHEMAS, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, f"npm ci in {SCHEMAS} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            stamp.write_text(lock)
    return SCHEMAS / "node_modules"


def typescript_module(docs: list[Doc]) -> str:
    """The documents as TypeScript constants, each typed with its kind's model type."""
    lines, names = [], {}
    for key, module in OPERATOR_TYPES.items():
        names[key] = f"I{key[1]}"
        lines.append(f'import type {{ {names[key]} }} from "{module}";')
    for n, doc in enumerate(docs):
        lines.append(f"export const doc{n}: {names[doc['apiVersion'], doc['kind']]} = {json.dumps(doc, indent=1)};")
    return "\n".join(lines) + "\n"


def type_check(docs: dict[str, list[Doc]]) -> dict[str, str]:
    """tsc --strict over one file per entry; returns each file's errors (empty when it type-checks)."""
    work = Path(tempfile.mkdtemp(prefix=".check-", dir=SCHEMAS))  # beside node_modules, so that imports resolve
    try:
        for name, file_docs in docs.items():
            (work / f"{name}.ts").write_text(typescript_module(file_docs))
        done = subprocess.run(
            [
                "node",
                str(SCHEMAS / "node_modules" / "typescript" / "bin" / "tsc"),
                "--noEmit",
                "--strict",
                "--skipLibCheck",
                "--module",
                "nodenext",
                "--moduleResolution",
                "nodenext",
                "--target",
                "es2022",
                *(str(work / f"{name}.ts") for name in docs),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(work)
    errors = dict.fromkeys(docs, "")
    for line in done.stdout.splitlines():
        if match := re.match(r"^.*?([\w-]+)\.ts\(\d+,\d+\): (.*)$", line):
            errors[match.group(1)] += match.group(2) + "\n"
        elif line.strip():
            pytest.fail(f"tsc said something about no file: {line}\n{done.stdout}")
    return errors


def test_operator_resources_type_check_against_the_operators_schemas(operator_schemas: Path) -> None:
    topic = copy.deepcopy(of_kind("KafkaTopic")[0])
    topic["spec"]["partition"] = topic["spec"].pop("partitions")  # a misspelt field
    cluster = copy.deepcopy(one("Cluster", "opencme-pg"))
    cluster["spec"]["instances"] = "3"  # a string where the schema wants an integer
    errors = type_check({"infra": INFRA, "broken": [topic, cluster]})
    assert errors["infra"] == ""
    assert "and '\"partition\"' does not exist" in errors["broken"]
    assert "Type 'string' is not assignable to type 'number'" in errors["broken"]


def validate_with_models(docs: list[Doc]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", str(SCHEMAS / "validate.mjs")], input=json.dumps(docs), capture_output=True, text=True, check=False
    )


def test_operator_resources_pass_the_operators_validators(operator_schemas: Path) -> None:
    done = validate_with_models(INFRA)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    topic = copy.deepcopy(of_kind("KafkaTopic")[0])
    topic["spec"]["replicas"] = -3
    pool = copy.deepcopy(one("KafkaNodePool", "nodes"))
    pool["spec"]["roles"] = ["broker", "zookeeper"]
    done = validate_with_models([topic, pool])
    assert done.returncode == 1
    assert f"KafkaTopic/{topic['metadata']['name']}: " in done.stdout and "KafkaNodePool/nodes: " in done.stdout


# --- what must agree -----------------------------------------------------------------------------------------------


def test_every_deployment_runs_two_replicas_and_has_one_budget_selecting_exactly_its_pods() -> None:
    deployments, budgets = of_kind("Deployment"), of_kind("PodDisruptionBudget")
    assert len(deployments) == 13  # six APIs, six workers, the gateway
    for deployment in deployments:
        name, labels = deployment["metadata"]["name"], deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["replicas"] >= 2, name
        assert selects(deployment["spec"]["selector"], labels), name
        (budget,) = [b for b in budgets if selects(b["spec"]["selector"], labels)]
        others = [d for d in deployments if d is not deployment]
        assert not [
            d for d in others if selects(budget["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
        ]
        assert budget["spec"].get("maxUnavailable") == 1 or budget["spec"].get("minAvailable") == 1, name
    assert len(budgets) == len(deployments)


def test_apis_and_workers_are_probed_where_the_kit_answers() -> None:
    api_paths = {route.path for route in _health_router().routes}  # type: ignore[attr-defined]
    for deployment in of_kind("Deployment"):
        name, c = deployment["metadata"]["name"], container(deployment)
        probes = {
            kind: c[f"{kind}Probe"]["httpGet"] for kind in ("startup", "readiness", "liveness") if f"{kind}Probe" in c
        }
        ports = {kind: named_port(deployment, probe["port"]) for kind, probe in probes.items()}
        scrape_port = deployment["spec"]["template"]["metadata"].get("annotations", {}).get("prometheus.io/port")
        if name.endswith("-api"):
            assert {k: p["path"] for k, p in probes.items()} == {
                "startup": "/healthz",
                "readiness": "/readyz",
                "liveness": "/healthz",
            }
            assert {"/healthz", "/readyz", "/metrics"} <= api_paths
            assert set(ports.values()) == {8000} and scrape_port == "8000", name
            assert c.get("command") is None  # the image's gunicorn, bound to 0.0.0.0:8000
        elif name.endswith("-worker"):
            env = env_of(deployment)
            assert {p["path"] for p in probes.values()} == {"/healthz"} and set(probes) == {
                "startup",
                "readiness",
                "liveness",
            }
            health_port = int(env["WORKER_HEALTH_PORT"]["value"])
            assert set(ports.values()) == {health_port} and scrape_port == str(health_port), name
            assert env["WORKER_HEALTH_HOST"]["value"] == "0.0.0.0"  # the kubelet probes the pod's address
            assert c["command"][-1] == name.removesuffix("-worker").replace("-", "_") + ".worker"
        else:
            assert {p["path"] for p in probes.values()} == {"/healthz"} and set(ports.values()) == {8080}
            assert "location = /healthz" in (ROOT / "deploy" / "gateway" / "opencme.conf.template").read_text()


def test_every_service_targets_a_port_its_pods_open() -> None:
    for service in of_kind("Service"):
        (deployment,) = [
            d
            for d in of_kind("Deployment")
            if selects({"matchLabels": service["spec"]["selector"]}, d["spec"]["template"]["metadata"]["labels"])
        ]
        for port in service["spec"]["ports"]:
            named_port(deployment, port["targetPort"])


def test_every_container_has_requests_a_memory_limit_and_a_locked_down_context() -> None:
    for deployment in of_kind("Deployment"):
        pod, c = deployment["spec"]["template"]["spec"], container(deployment)
        name = deployment["metadata"]["name"]
        requests, limits = c["resources"]["requests"], c["resources"]["limits"]
        assert set(requests) == {"cpu", "memory"} and "memory" in limits, name
        assert mebibytes(limits["memory"]) >= 2 * mebibytes(requests["memory"]), name
        assert pod["securityContext"]["runAsNonRoot"] is True and isinstance(pod["securityContext"]["runAsUser"], int)
        assert c["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        volumes = {v["name"] for v in pod["volumes"]}
        assert {m["name"] for m in c["volumeMounts"]} <= volumes and "/tmp" in {
            m["mountPath"] for m in c["volumeMounts"]
        }
        assert {t["topologyKey"] for t in pod["topologySpreadConstraints"]} >= {"kubernetes.io/hostname"}


def mebibytes(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()  # type: ignore[union-attr]
    return int(number) * (1024 if unit == "Gi" else 1)


def test_kafka_topics_are_the_registry_s_with_three_replicas_and_two_in_sync() -> None:
    wanted = {t.name: t.partitions for t in TOPICS.values()} | {t.dlq: DLQ_PARTITIONS for t in TOPICS.values()}
    kafka_topics = {t["spec"]["topicName"]: t for t in of_kind("KafkaTopic")}
    assert {name: t["spec"]["partitions"] for name, t in kafka_topics.items()} == wanted
    for topic in kafka_topics.values():
        assert topic["spec"]["replicas"] == 3
        assert int(topic["spec"]["config"]["min.insync.replicas"]) == 2
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == one("Kafka", "opencme")["metadata"]["name"]
    kafka, pool = one("Kafka", "opencme"), one("KafkaNodePool", "nodes")
    assert {
        k: int(kafka["spec"]["kafka"]["config"][k]) for k in ("default.replication.factor", "min.insync.replicas")
    } == {
        "default.replication.factor": 3,
        "min.insync.replicas": 2,
    }
    assert pool["spec"]["replicas"] == 3 and sorted(pool["spec"]["roles"]) == ["broker", "controller"]
    # Two workers of a service share its consumer group: every topic but a single-partition one gives each a share.
    workers = {
        d["metadata"]["name"]: d["spec"]["replicas"]
        for d in of_kind("Deployment")
        if d["metadata"]["name"].endswith("-worker")
    }
    for topic in TOPICS.values():
        for consumer in topic.consumers:
            assert topic.partitions == 1 or topic.partitions % workers[f"{consumer}-worker"] == 0, topic.name


def test_each_service_connects_to_its_own_cloudnative_pg_database_with_the_secret_its_role_is_made_from() -> None:
    pg, config = one("Cluster", "opencme-pg"), one("ConfigMap", "opencme-config")["data"]
    roles = {role["name"]: role for role in pg["spec"]["managed"]["roles"]}
    databases = {db["spec"]["name"]: db for db in of_kind("Database")}
    assert config["DATABASE_HOST"] == f"{pg['metadata']['name']}-rw:5432"
    assert config["KAFKA_BOOTSTRAP_SERVERS"] == f"{one('Kafka', 'opencme')['metadata']['name']}-kafka-bootstrap:9092"
    used = set()
    for deployment in of_kind("Deployment"):
        if deployment["metadata"]["name"] == "gateway":
            continue
        env = env_of(deployment)
        database = re.fullmatch(
            r"postgresql://\$\(DATABASE_USER\):\$\(DATABASE_PASSWORD\)@\$\(DATABASE_HOST\)/(\w+)\?sslmode=require",
            env["DATABASE_URL"]["value"],
        )
        assert database, env["DATABASE_URL"]
        name = database.group(1)
        secret = env["DATABASE_USER"]["valueFrom"]["secretKeyRef"]
        assert (secret["key"], env["DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]) == (
            "username",
            {**secret, "key": "password"},
        )
        assert (
            databases[name]["spec"]["owner"] == name
            and databases[name]["spec"]["cluster"]["name"] == pg["metadata"]["name"]
        )
        assert roles[name]["passwordSecret"]["name"] == secret["name"] and roles[name]["login"] is True
        # $(NAME) is expanded from variables defined above it only.
        names = list(env)
        for ref in re.findall(r"\$\((\w+)\)", env["DATABASE_URL"]["value"]):
            assert names.index(ref) < names.index("DATABASE_URL")
        used.add((deployment["metadata"]["labels"]["service"], name))
    assert len({service for service, _ in used}) == 6 and len(used) == 6  # one database per service, API and worker
    assert set(databases) == set(roles) == {name for _, name in used}


def test_postgresql_admits_every_pool_of_every_pod_during_a_rolling_update() -> None:
    pool_size = int(one("ConfigMap", "opencme-config")["data"]["DB_POOL_SIZE"])
    wanted = 0
    for deployment in of_kind("Deployment"):
        if deployment["metadata"]["name"] == "gateway":
            continue
        processes = int(env_of(deployment).get("WEB_CONCURRENCY", {"value": "1"})["value"])
        surge = deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        wanted += (deployment["spec"]["replicas"] + surge) * processes * pool_size
    assert int(one("Cluster", "opencme-pg")["spec"]["postgresql"]["parameters"]["max_connections"]) >= wanted


def test_generate_check_fails_on_a_hand_edited_manifest(tmp_path: Path) -> None:
    check_mode = load_generator()
    for name in ("opencme.yaml", "infra.yaml"):
        shutil.copy(K8S / name, tmp_path / name)
    check_mode.HERE = tmp_path
    assert check_mode.main(["--check"]) == 0
    text = (tmp_path / "infra.yaml").read_text()
    edited = text.replace("min.insync.replicas: 2", "min.insync.replicas: 1", 1)
    assert edited != text
    (tmp_path / "infra.yaml").write_text(edited)
    assert check_mode.main(["--check"]) == 1
