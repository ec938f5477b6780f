"""A report's period: UTC days, both included, in order, and few enough buckets for a chart; each refusal names its
field."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from opencme_kit.periods import ReportQuery


def refusal(**params: str) -> tuple[str, str]:
    with pytest.raises(ValidationError) as refused:
        ReportQuery.model_validate(params)
    (error,) = refused.value.errors()
    cause = error["ctx"]["error"]
    return ",".join(cause.fields), cause.reason


def test_the_period_covers_its_last_day_whole():
    query = ReportQuery.model_validate({"from": "2026-03-01", "to": "2026-03-31", "bucket": "day"})
    assert query.bounds == (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def test_one_day_is_a_period():
    query = ReportQuery.model_validate({"from": "2026-03-01", "to": "2026-03-01"})
    assert (query.from_, query.to, query.bucket) == (date(2026, 3, 1), date(2026, 3, 1), "week")


def test_an_end_before_the_start_is_refused_on_to():
    assert refusal(**{"from": "2026-03-02", "to": "2026-03-01"}) == ("to", "must not be before from")


def test_a_day_outside_the_calendar_it_can_count_is_refused_on_its_field():
    assert refusal(**{"from": "0001-01-01", "to": "2026-03-01"})[0] == "from"


@pytest.mark.parametrize(
    ("bucket", "to", "allowed"),
    [
        ("day", "2026-12-31", True),
        ("day", "2027-01-02", False),
        ("week", "2033-01-01", True),
        ("month", "2055-01-01", True),
    ],
)
def test_a_period_of_more_buckets_than_a_chart_shows_is_refused_on_the_bucket(bucket, to, allowed):
    params = {"from": "2026-01-01", "to": to, "bucket": bucket}
    if allowed:
        assert ReportQuery.model_validate(params).bucket == bucket
    else:
        field, reason = refusal(**params)
        assert field == "bucket" and "longer bucket" in reason
