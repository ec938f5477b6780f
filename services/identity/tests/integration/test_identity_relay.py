"""Identity's worker against real Kafka and PostgreSQL: profile.updated and account.merged reach their topics, keyed
by the learner, each topic in the order of the changes."""

import asyncio
import json
import uuid

from aiokafka import AIOKafkaConsumer
from identity_testing import identity_settings, running_identity, sign_up_and_in, staff_member

from identity.worker import create_worker


async def test_a_name_change_and_a_merge_reach_kafka_keyed_by_the_learner_with_growing_versions(make_database, infra):
    database_url = await make_database("identity")
    settings = identity_settings(database_url, kafka_bootstrap_servers=infra.kafka_bootstrap, outbox_poll_interval=0.2)
    async with create_worker(settings), running_identity(database_url) as client:
        survivor, headers = await sign_up_and_in(client, last_name="Doe")
        duplicate, _ = await sign_up_and_in(client, board_ids={"ABP": "777"})
        edit = {k: survivor[k] for k in ("first_name", "degree", "npi", "board_ids", "birth_month", "birth_day")}
        assert (await client.put("/me", json={**edit, "last_name": "Smith"}, headers=headers)).status_code == 200
        _, support = await staff_member(client)
        merged = await client.post(
            "/merges",
            headers=support,
            json={
                "surviving_user_id": survivor["id"],
                "merged_user_id": duplicate["id"],
                "reason": "duplicate (ticket 9)",
            },
        )
        assert merged.status_code == 201, merged.text

        reader = AIOKafkaConsumer(
            "profile.updated",
            "account.merged",
            bootstrap_servers=infra.kafka_bootstrap,
            auto_offset_reset="earliest",
            group_id=f"identity-test-{uuid.uuid4().hex[:6]}",
        )
        await reader.start()
        seen: list[dict] = []
        try:
            async with asyncio.timeout(45):
                while len(seen) < 3:
                    batch = await reader.getmany(timeout_ms=500)
                    for records in batch.values():
                        seen += [json.loads(r.value) for r in records if r.key == survivor["id"].encode()]
        finally:
            await reader.stop()

    # Keyed by the learner, so one partition per learner and topic: a consumer sees the versions in order.
    updates = [e["data"] for e in seen if e["event_type"] == "profile.updated"]
    [merge] = [e["data"] for e in seen if e["event_type"] == "account.merged"]
    renamed, combined = updates
    assert renamed["profile"]["last_name"] == "Smith" and renamed["version"] == 2
    assert merge["merged_user_id"] == duplicate["id"] and merge["reason"] == "duplicate (ticket 9)"
    assert combined["version"] == 3 and combined["profile"]["board_ids"] == {"ABIM": "123456", "ABP": "777"}
    assert all(e["subject"] == survivor["id"] for e in seen)
