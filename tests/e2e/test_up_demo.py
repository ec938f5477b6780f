"""The demo data `./opencme up` loads, against the whole stack: it loads, and loading it again (a restart of `up` on
the same data) finds what is there instead of creating it twice. Named to run after the other whole-stack tests, so
that their catalogs hold only what they made themselves."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import httpx
import pytest

from devstack import demo

pytestmark = pytest.mark.e2e


def test_the_demo_data_loads_and_loads_again_without_duplicates(stack):
    url = stack.config.gateway_url

    first = demo.load(url)
    again = demo.load(url)

    assert again.activities == first.activities and again.event_code == first.event_code
    with httpx.Client(base_url=url, timeout=30.0) as client:
        titles = Counter(a["title"] for a in demo.listed_activities(client))
        assert {title: n for title, n in titles.items() if n > 1} == {}
        demo_titles = {body["title"] for body in demo.activities(datetime.now(UTC))}
        assert {title: titles[title] for title in demo_titles} == dict.fromkeys(demo_titles, 1)
        for email, password in (first.admin, first.staff, first.learner):
            demo.sign_in(client, email, password)
