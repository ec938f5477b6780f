"""The committed AsyncAPI documents (contracts/asyncapi) are what the workers declare today."""

import pytest
import yaml

from devstack import asyncapi
from devstack.config import SERVICES
from opencme_contracts.topics import TOPICS


def test_committed_asyncapi_documents_match_the_workers(tmp_path):
    for generated in asyncapi.generate(tmp_path):
        committed = asyncapi.OUT / generated.name
        assert committed.read_text() == generated.read_text(), (
            f"{committed} is out of date: run .venv/bin/python -m devstack.asyncapi and commit the result"
        )


@pytest.mark.parametrize("service", SERVICES)
def test_the_topic_registry_names_as_consumers_exactly_the_services_whose_workers_subscribe(service):
    """contracts' registry (who consumes each topic) and each worker's subscriptions (its AsyncAPI document) agree: a
    service listed but not subscribed would never get its share of a topic, and its replicas' partition counts and the
    operators' lag alerts would be wrong."""
    document = yaml.safe_load((asyncapi.OUT / f"{service}.yaml").read_text())
    channels = document["channels"]
    received = {
        channels[operation["channel"]["$ref"].rsplit("/", 1)[1]]["address"]
        for operation in document.get("operations", {}).values()
        if operation["action"] == "receive"
    }
    assert received == {t.name for t in TOPICS.values() if service in t.consumers}
