"""The office's reports of registrations and attendance over a period, for a chart and its table."""

from __future__ import annotations

from catalog import reports_repository, schemas
from opencme_kit import db
from opencme_kit.periods import ReportQuery


async def registrations_report(*, conn: db.Connection, query: ReportQuery) -> schemas.RegistrationsReport:
    start, end = query.bounds
    rows = await reports_repository.registrations_by_bucket(
        conn, bucket=query.bucket, start=start, end=end, activity_id=query.activity_id
    )
    return schemas.RegistrationsReport(
        bucket=query.bucket, rows=[schemas.RegistrationsRow.model_validate(dict(r)) for r in rows]
    )


async def attendance_report(*, conn: db.Connection, query: ReportQuery) -> schemas.AttendanceReport:
    start, end = query.bounds
    rows = await reports_repository.attendance_by_bucket(
        conn, bucket=query.bucket, start=start, end=end, activity_id=query.activity_id
    )
    return schemas.AttendanceReport(
        bucket=query.bucket, rows=[schemas.AttendanceRow.model_validate(dict(r)) for r in rows]
    )
