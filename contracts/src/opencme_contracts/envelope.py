"""The envelope every event travels in, and how to build and read one."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class EventPayload(BaseModel):
    """Base of every event's data: an immutable fact in the past tense.

    Consumers ignore fields they do not know, so a producer may add optional fields within a version.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1


PayloadT = TypeVar("PayloadT", bound=EventPayload)


class Envelope(BaseModel, Generic[PayloadT]):
    """Metadata shared by all events; `subject` is the aggregate id and the Kafka message key."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: uuid.UUID
    event_type: str
    event_version: int = Field(ge=1)
    occurred_at: AwareDatetime
    producer: str
    correlation_id: str | None = None
    subject: str
    data: PayloadT

    @property
    def topic(self) -> str:
        return self.event_type

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


class UnknownEventError(ValueError):
    """The message names an event type or version this package does not define."""


def new_envelope(
    payload: PayloadT,
    *,
    producer: str,
    subject: str | uuid.UUID,
    correlation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope[PayloadT]:
    # Parametrised by the payload's own class, so the envelope's JSON Schema and validation are the event's.
    model: type[Envelope[PayloadT]] = Envelope[type(payload)]  # type: ignore[misc, assignment]
    return model(
        event_id=uuid.uuid4(),
        event_type=payload.event_type,
        event_version=payload.event_version,
        occurred_at=occurred_at or datetime.now(UTC),
        producer=producer,
        correlation_id=correlation_id,
        subject=str(subject),
        data=payload,
    )


_REGISTRY: dict[tuple[str, int], type[EventPayload]] = {}


def register(model: type[PayloadT]) -> type[PayloadT]:
    """Class decorator: makes `parse_envelope` know the event type and version."""
    _REGISTRY[(model.event_type, model.event_version)] = model
    return model


def registered_events() -> dict[tuple[str, int], type[EventPayload]]:
    return dict(_REGISTRY)


def parse_envelope(raw: bytes | str | dict[str, Any]) -> Envelope[Any]:
    """Validate a message as received from Kafka; raises pydantic.ValidationError or UnknownEventError."""
    document = json.loads(raw) if isinstance(raw, (bytes, str)) else raw
    if not isinstance(document, dict):
        raise UnknownEventError("an event must be a JSON object")
    key = (document.get("event_type"), document.get("event_version"))
    model = _REGISTRY.get(key)  # type: ignore[arg-type]
    if model is None:
        raise UnknownEventError(f"unknown event type/version {key[0]!r} v{key[1]!r}")
    return Envelope[model].model_validate(document)  # type: ignore[valid-type]
