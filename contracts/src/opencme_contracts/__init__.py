"""Events exchanged between OpenCME services, and the topics that carry them.

Only event models and topic names live here: no database helpers, settings or business rules.
"""

from opencme_contracts.envelope import Envelope, EventPayload, new_envelope, parse_envelope
from opencme_contracts.events import *  # noqa: F403 - the event models are this package's API
from opencme_contracts.events import __all__ as _event_names
from opencme_contracts.topics import TOPICS, Topic, dlq_topic

__all__ = [
    "Envelope",
    "EventPayload",
    "TOPICS",
    "Topic",
    "dlq_topic",
    "new_envelope",
    "parse_envelope",
    *_event_names,
]
