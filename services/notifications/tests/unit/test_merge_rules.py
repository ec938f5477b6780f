"""Which claim-window reminder survives when both merged accounts hold one, and the consumer's topic wiring."""

import uuid

from notifications_testing import inbox_consumer

from notifications.config import Settings
from notifications.consumers import HANDLERS
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
    consumer = inbox_consumer(Settings())
    assert consumer.handlers["account.merged"][0] == "notifications.on_account_merged"


def test_every_handler_keeps_the_name_that_keys_its_inbox_rows_and_describes_itself():
    consumer = inbox_consumer(Settings())
    for topic, handler in HANDLERS.items():
        assert consumer.handlers[topic][0] == f"notifications.{handler.__name__}"
        assert handler.__name__.startswith("on_") and handler.__doc__ and "\n" not in handler.__doc__.strip()
