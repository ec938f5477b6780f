"""Sleeping until there is work: how long, and waking early when told."""

import asyncio

from opencme_kit.waking import until_due, woken


def test_the_sleep_lasts_until_the_work_is_due_within_its_bounds():
    assert until_due(None, at_most=60.0) == 60.0  # nothing due: look again unprompted
    assert until_due(2.5, at_most=60.0) == 2.5
    assert until_due(600.0, at_most=60.0) == 60.0
    assert until_due(-3.0, at_most=60.0) == 0.0  # overdue: at once
    assert until_due(-3.0, at_most=60.0, at_least=0.1) == 0.1


async def test_a_set_event_ends_the_wait_before_its_timeout():
    event = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, event.set)
    async with asyncio.timeout(10):  # the wait's own timeout would take an hour
        await woken(event, 3600.0)
    assert event.is_set()


async def test_without_a_notice_the_wait_ends_at_its_timeout():
    event = asyncio.Event()
    await woken(event, 0.05)
    assert not event.is_set()
