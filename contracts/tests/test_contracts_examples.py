"""contracts/examples holds one committed message per event, valid and exactly as a producer would write it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opencme_contracts.envelope import parse_envelope, registered_events
from opencme_contracts.topics import TOPICS

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.json"))


def test_every_registered_event_has_an_example() -> None:
    # Examples show the newest version of each event type.
    assert {path.stem for path in EXAMPLES} == {event_type for event_type, _ in registered_events()}


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_parses_as_its_event(path: Path) -> None:
    envelope = parse_envelope(path.read_bytes())

    assert envelope.event_type == path.stem
    assert isinstance(envelope.data, registered_events()[(envelope.event_type, envelope.event_version)])
    assert envelope.producer == TOPICS[envelope.event_type].producer


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_round_trips_through_the_wire_format_unchanged(path: Path) -> None:
    envelope = parse_envelope(path.read_bytes())
    wire = envelope.to_bytes()

    assert parse_envelope(wire) == envelope
    # Equal documents: the example sets every field and carries none that the model would drop.
    assert json.loads(wire) == json.loads(path.read_text(encoding="utf-8"))


def test_a_part_of_a_meetings_cancellation_fits_a_kafka_message_with_the_longest_addresses():
    from opencme_contracts import events
    from opencme_contracts.envelope import new_envelope

    example = json.loads((EXAMPLES_DIR / "activity.cancelled.json").read_text())["data"]
    registration = example["registrations"][0] | {"email": f"{'a' * 64}@{'b' * 185}.org"}  # 254 characters
    most = events.ActivityCancelled.REGISTRATIONS_PER_EVENT
    part = events.ActivityCancelled.model_validate(
        example | {"registrations": [registration] * most, "reason": "r" * 2000, "part": 1, "parts": 12}
    )
    envelope = new_envelope(part, producer="catalog", subject=part.activity.activity_id)
    assert len(envelope.to_bytes()) < 1_000_000 * 0.5  # Kafka's default limit is 1 MB: half of it at most
