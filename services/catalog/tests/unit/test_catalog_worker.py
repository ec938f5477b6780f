"""The worker's wiring, without starting Kafka or PostgreSQL."""

from catalog.config import Settings
from catalog.worker import create_worker


def test_the_worker_subscribes_to_merges_and_to_the_events_that_carry_verified_emails():
    worker = create_worker(Settings(database_url="postgresql://unused@127.0.0.1:9/unused"))
    topics = {name for subscriber in worker.broker.subscribers for name in subscriber.topic_names}
    assert topics == {"account.merged", "user.registered", "profile.updated", "email.verified"}
