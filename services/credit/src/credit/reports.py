"""The office's reports: credit claimed per type over a period, and an activity's evaluation results (answers counted,
comments with their day, never who gave them)."""

from __future__ import annotations

from credit import reports_repository as store
from credit import schemas
from opencme_kit import db
from opencme_kit.periods import ReportQuery

RATINGS = range(1, 6)
YES_NO_QUESTIONS = ("objectives_met", "free_of_commercial_bias", "will_change_practice")


async def credits_report(*, conn: db.Connection, query: ReportQuery) -> schemas.CreditsReport:
    start, end = query.bounds
    rows = await store.credits_by_bucket(conn, bucket=query.bucket, start=start, end=end, activity_id=query.activity_id)
    return schemas.CreditsReport(bucket=query.bucket, rows=[schemas.CreditsRow.model_validate(dict(r)) for r in rows])


async def evaluations_report(*, conn: db.Connection, query: schemas.EvaluationsQuery) -> schemas.EvaluationsReport:
    start, end = query.bounds
    activity_id = query.activity_id
    ratings = await store.ratings(conn, activity_id=activity_id, start=start, end=end)
    answers = await store.yes_no_answers(
        conn, activity_id=activity_id, start=start, end=end, questions=YES_NO_QUESTIONS
    )
    comments = await store.comments(conn, activity_id=activity_id, start=start, end=end)
    return schemas.EvaluationsReport(
        activity_id=query.activity_id,
        responses=sum(ratings.values()),
        ratings=[schemas.RatingCount(rating=rating, answers=ratings.get(rating, 0)) for rating in RATINGS],
        questions=[schemas.YesNoCount.model_validate(dict(r)) for r in answers],
        comments=[schemas.EvaluationComment.model_validate(dict(r)) for r in comments],
    )
