"""Kafka and PostgreSQL as their operators run them: Strimzi (kafka.strimzi.io/v1) and CloudNativePG
(postgresql.cnpg.io/v1), with the replication of the cluster profile (`./opencme up --profile cluster`).

The topics come from the contracts' topic registry and the broker settings from deploy/kafka/server.properties, the
same sources devstack creates them from, so neither can drift from what the tests run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from naming import (
    KAFKA_CLUSTER,
    KAFKA_MIN_INSYNC,
    KAFKA_NODES,
    KAFKA_REPLICATION,
    NAMESPACE,
    PG_CLUSTER,
    PG_INSTANCES,
    SERVICES,
    database,
    database_secret,
    pg_max_connections,
)

from opencme_contracts.topics import all_topic_names

Doc = dict[str, Any]

KAFKA_DIR = Path(__file__).resolve().parents[1] / "kafka"
# Broker settings carried over from devstack's template; the rest of it (roles, listeners, quorum, log dirs, node
# ids) is Strimzi's to set, and its thread counts are sized for a 2-core laptop.
BROKER_SETTINGS = (
    "offsets.topic.replication.factor",
    "offsets.topic.num.partitions",
    "transaction.state.log.replication.factor",
    "transaction.state.log.min.isr",
    "share.coordinator.state.topic.replication.factor",
    "share.coordinator.state.topic.min.isr",
    "min.insync.replicas",
    "default.replication.factor",
    "auto.create.topics.enable",
    "log.retention.hours",
)


def broker_config() -> dict[str, str | int]:
    """BROKER_SETTINGS from deploy/kafka/server.properties, filled in as for three nodes."""
    template = (KAFKA_DIR / "server.properties").read_text()
    values = {"replication": KAFKA_REPLICATION, "min_isr": KAFKA_MIN_INSYNC}
    settings: dict[str, str | int] = {}
    for line in template.splitlines():
        key, sep, value = line.partition("=")
        if sep and key in BROKER_SETTINGS:
            filled = value.format(**values)
            settings[key] = int(filled) if filled.isdigit() else filled
    missing = set(BROKER_SETTINGS) - set(settings)
    if missing:
        raise ValueError(f"deploy/kafka/server.properties no longer sets {', '.join(sorted(missing))}")
    return settings


def kafka_version() -> str:
    """The Kafka that devstack runs and the tests pass on (deploy/kafka/pom.xml)."""
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", (KAFKA_DIR / "pom.xml").read_text())
    if match is None:
        raise ValueError("deploy/kafka/pom.xml names no kafka.version")
    return match.group(1)


def kafka() -> list[Doc]:
    meta = {"namespace": NAMESPACE, "labels": {"strimzi.io/cluster": KAFKA_CLUSTER}}
    pool = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "KafkaNodePool",
        "metadata": {"name": "nodes", **meta},
        "spec": {
            # Each node a broker and a KRaft controller, as in the cluster profile: a quorum of three survives one.
            "replicas": KAFKA_NODES,
            "roles": ["controller", "broker"],
            "storage": {
                "type": "jbod",
                "volumes": [
                    {
                        "id": 0,
                        "type": "persistent-claim",
                        "size": "20Gi",
                        "deleteClaim": False,
                        "kraftMetadata": "shared",
                    }
                ],
            },
            "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}, "limits": {"memory": "2Gi"}},
            "jvmOptions": {"-Xms": "1g", "-Xmx": "1g"},
            "template": {
                "pod": {
                    # A node holding two replicas of a partition loses both with it: one Kafka node per machine,
                    # required, not preferred.
                    "affinity": {
                        "podAntiAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": [
                                {
                                    "labelSelector": {
                                        "matchLabels": {
                                            "strimzi.io/cluster": KAFKA_CLUSTER,
                                            "strimzi.io/pool-name": "nodes",
                                        }
                                    },
                                    "topologyKey": "kubernetes.io/hostname",
                                }
                            ]
                        }
                    }
                }
            },
        },
    }
    cluster = {
        "apiVersion": "kafka.strimzi.io/v1",
        "kind": "Kafka",
        "metadata": {"name": KAFKA_CLUSTER, "namespace": NAMESPACE},
        "spec": {
            "kafka": {
                "version": kafka_version(),
                # The services speak plain Kafka (no TLS or SASL) inside the namespace.
                "listeners": [{"name": "plain", "port": 9092, "type": "internal", "tls": False}],
                "config": broker_config(),
            },
            # The Topic Operator creates the KafkaTopic resources below.
            "entityOperator": {"topicOperator": {}},
        },
    }
    return [pool, cluster, *topics()]


def topics() -> list[Doc]:
    """One KafkaTopic per registered topic and per dead-letter topic, with the registry's partitions."""
    docs = []
    for name, partitions in all_topic_names():
        docs.append(
            {
                "apiVersion": "kafka.strimzi.io/v1",
                "kind": "KafkaTopic",
                # A resource name allows no "_" (board_report.status_changed): the topic's own name is topicName.
                "metadata": {
                    "name": name.replace("_", "-"),
                    "namespace": NAMESPACE,
                    "labels": {"strimzi.io/cluster": KAFKA_CLUSTER},
                },
                "spec": {
                    "topicName": name,
                    "partitions": partitions,
                    "replicas": KAFKA_REPLICATION,
                    "config": {"min.insync.replicas": KAFKA_MIN_INSYNC},
                },
            }
        )
    return docs


def postgres() -> list[Doc]:
    cluster = {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": PG_CLUSTER, "namespace": NAMESPACE},
        "spec": {
            "instances": PG_INSTANCES,
            "storage": {"size": "20Gi"},
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
            "postgresql": {
                "parameters": {"max_connections": str(pg_max_connections())},
                # Kafka's min.insync.replicas 2 for PostgreSQL: a commit returns once one standby of the two has it
                # too, so losing the primary loses no acknowledged write (and it waits while no standby is up).
                "synchronous": {"method": "any", "number": 1, "dataDurability": "required"},
            },
            "affinity": {
                "enablePodAntiAffinity": True,
                "topologyKey": "kubernetes.io/hostname",
                "podAntiAffinityType": "required",
            },
            # One login role per service, its password from the service's Secret (the pods read the same one).
            "managed": {
                "roles": [
                    {
                        "name": database(service),
                        "ensure": "present",
                        "login": True,
                        "passwordSecret": {"name": database_secret(service)},
                    }
                    for service in SERVICES
                ]
            },
        },
    }
    databases = [
        {
            "apiVersion": "postgresql.cnpg.io/v1",
            "kind": "Database",
            "metadata": {"name": database(service).replace("_", "-"), "namespace": NAMESPACE},
            "spec": {
                "name": database(service),
                "owner": database(service),
                "cluster": {"name": PG_CLUSTER},
                "ensure": "present",
                # Deleting this resource leaves the data: dropping a service's database is a decision, not a sync.
                "databaseReclaimPolicy": "retain",
            },
        }
        for service in SERVICES
    ]
    return [cluster, *databases]


def documents() -> list[Doc]:
    return [*kafka(), *postgres()]
