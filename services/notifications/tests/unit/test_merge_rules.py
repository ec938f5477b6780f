"""Which claim-window reminder survives when both merged accounts hold one, and the consumer's topic wiring."""

import uuid

from faststream.kafka import KafkaBroker

from notifications.config import Settings
from notifications.consumers import HANDLERS, create_consumer
from notifications.merges import HeldReminder, reminder_to_keep
from opencme_contracts.topics import consumed_by


def held(status: str) -> HeldReminder:
    return HeldReminder(uuid.uuid4(), status)


def test_no_reminder_on_either_account_keeps_none():
    assert reminder_to_keep(None, None) == (None, [])


def test_a_reminder_on_one_account_only_is_kept():
    merged = held("queued")
    assert reminder_to_keep(None, merged) == (merged.message_id, [])


def test_when_both_are_on_their_way_the_survivors_is_kept_and_the_merged_ones_withdrawn():
    surviving, merged = held("queued"), held("waiting_for_recipient")
    assert reminder_to_keep(surviving, merged) == (surviving.message_id, [merged.message_id])


def test_a_reminder_that_already_went_out_is_kept_and_the_other_is_withdrawn():
    surviving, merged = held("queued"), held("sent")
    assert reminder_to_keep(surviving, merged) == (merged.message_id, [surviving.message_id])


def test_a_withdrawn_reminder_gives_way_to_one_still_on_its_way():
    surviving, merged = held("cancelled"), held("queued")
    assert reminder_to_keep(surviving, merged) == (merged.message_id, [surviving.message_id])


def test_the_consumer_handles_exactly_the_topics_the_registry_lists_for_notifications():
    assert set(HANDLERS) == {topic.name for topic in consumed_by("notifications")}
    assert "account.merged" in HANDLERS


def test_the_worker_subscribes_to_account_merged():
    consumer = create_consumer(KafkaBroker(), Settings())
    assert consumer.handlers["account.merged"][0] == "notifications.on_account_merged"
