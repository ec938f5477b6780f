"""The ports the stacks listen on: distinct within a profile, and none where the kernel picks the local ports of
outgoing connections (a listener there can find its port taken for a moment, and fail to start)."""

from pathlib import Path

import pytest

from devstack.config import EPHEMERAL_FROM, SERVICES, StackConfig


def ports_of(config: StackConfig) -> list[int]:
    ports = [config.pg_port, config.gateway_port, config.smtp_port, config.smtp_http_port, config.board_port]
    for node in range(config.kafka_nodes):
        ports += config.kafka_node_ports(node)
    for replica in range(config.replicas):
        for service in SERVICES:
            ports += [config.service_port(service, replica), config.worker_health_port(service, replica)]
    return ports


def test_the_kernels_ephemeral_range_starts_where_the_stack_assumes():
    first = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    assert first >= EPHEMERAL_FROM


@pytest.mark.parametrize("profile", ["dev", "test", "cluster", "chaos"])
@pytest.mark.parametrize("offset", ["0", "200", "900"])  # the benches' and a second checkout's
def test_every_port_is_distinct_and_below_the_ephemeral_range(profile, offset, monkeypatch):
    monkeypatch.setenv("OPENCME_PORT_OFFSET", offset)
    monkeypatch.setenv("OPENCME_REPLICAS", "3")
    ports = ports_of(StackConfig.for_profile(profile))
    assert len(ports) == len(set(ports)), sorted(ports)
    assert max(ports) < EPHEMERAL_FROM, max(ports)
