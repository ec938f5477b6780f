"""The period an office report covers, as its query string gives it: UTC days `from` to `to` (both included), cut into
buckets of a day, a week (from Monday, as PostgreSQL's date_trunc) or a month; optionally one activity.

Every service that reports over time takes the same parameters and refuses the same mistakes (an end before the start,
more buckets than a chart can show), each named on its field:

    @router.get("/office/reports/claims")
    async def claims_report(query: Annotated[ReportQuery, Query()], ...) -> ...:
        rows = await conn.fetch("... date_trunc($1, claimed_at AT TIME ZONE 'UTC') ...", query.bucket, *query.bounds)
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from opencme_kit.validation import FieldInvalid

Bucket = Literal["day", "week", "month"]

# A chart of more bars than this reads as noise; a longer period takes a longer bucket.
MOST_BUCKETS = 366
_DAYS_PER_BUCKET: dict[str, int] = {"day": 1, "week": 7, "month": 31}
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)

# What an office report's route may answer besides its report, for its OpenAPI description.
REPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid access token (problem+json)"},
    403: {"description": "The caller is not staff or an admin (problem+json)"},
    422: {"description": "A bad period, bucket or activity (problem+json, `errors` naming the field)"},
}


class Period(BaseModel):
    """UTC days `from` to `to`, both included."""

    from_: date = Field(alias="from", description="the period's first UTC day")
    to: date = Field(description="the period's last UTC day (included)")
    activity_id: uuid.UUID | None = Field(default=None, description="one activity only; every activity when absent")

    @model_validator(mode="after")
    def _in_order(self) -> Period:
        for name, day in (("from", self.from_), ("to", self.to)):
            if not EARLIEST <= day <= LATEST:
                raise FieldInvalid(name, f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
        if self.to < self.from_:
            raise FieldInvalid("to", "must not be before from")
        return self

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The instants [start, end) the period covers, for `at >= $start AND at < $end`."""
        start = datetime.combine(self.from_, time(), UTC)
        return start, datetime.combine(self.to + timedelta(days=1), time(), UTC)


class ReportQuery(Period):
    """A period cut into buckets for a chart over time."""

    bucket: Bucket = Field(default="week", description="day, week (from Monday) or month, in UTC")

    @model_validator(mode="after")
    def _few_enough_buckets(self) -> ReportQuery:
        most_days = MOST_BUCKETS * _DAYS_PER_BUCKET[self.bucket]
        if (self.to - self.from_).days + 1 > most_days:
            raise FieldInvalid(
                "bucket", f"a report by {self.bucket} covers at most {most_days} days: choose a longer bucket or period"
            )
        return self
