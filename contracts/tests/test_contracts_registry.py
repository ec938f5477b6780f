"""Every topic names who produces and consumes it, and every event travels on a topic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opencme_contracts import events
from opencme_contracts.envelope import EventPayload, registered_events
from opencme_contracts.snapshots import SCHEMAS_DIR, TOPICS_FILE, render_table, topics_document
from opencme_contracts.topics import TOPICS, Topic

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("topic", TOPICS.values(), ids=list(TOPICS))
def test_topic_carries_a_registered_event_named_like_the_topic(topic: Topic) -> None:
    event = topic.event
    assert topic.name == event.event_type
    assert registered_events().get((event.event_type, event.event_version)) is event


@pytest.mark.parametrize("topic", TOPICS.values(), ids=list(TOPICS))
def test_topic_has_a_producer_consumers_a_key_and_partitions(topic: Topic) -> None:
    assert topic.producer
    assert len(topic.consumers) >= 1
    assert len(set(topic.consumers)) == len(topic.consumers)
    assert topic.key
    assert topic.partitions >= 1
    assert topic.dlq == f"{topic.name}.dlq"


def test_every_event_in_the_public_api_is_registered_and_vice_versa() -> None:
    exported = {getattr(events, name) for name in events.__all__}
    payloads = {model for model in exported if issubclass(model, EventPayload)}

    assert payloads == set(registered_events().values())


def test_every_registered_event_type_has_a_topic() -> None:
    assert {event_type for event_type, _ in registered_events()} == set(TOPICS)


def test_committed_topic_registry_matches_the_code() -> None:
    assert json.loads((SCHEMAS_DIR / TOPICS_FILE).read_text(encoding="utf-8")) == topics_document()


def test_readme_topic_table_matches_the_registry() -> None:
    assert render_table() in README.read_text(encoding="utf-8"), (
        "contracts/README.md is out of date: paste `python -m opencme_contracts.snapshots --table` into it"
    )


@pytest.mark.parametrize("replicas", [1, 2, 3])
def test_a_busy_topic_is_shared_evenly_by_two_or_three_replicas_of_a_consumer(replicas: int) -> None:
    for name in ("credit.claimed", "certificate.issued", "registration.confirmed"):
        assert TOPICS[name].partitions % replicas == 0, (name, replicas)
