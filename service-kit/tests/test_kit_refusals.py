"""A rule's refusal, raised with no HTTP in sight, reaches the client as problem+json with the right status."""

import httpx
import pytest
from fastapi import FastAPI

from opencme_kit import errors, problems


class Full(errors.Conflict):
    title = "Registration refused"


def app_raising(exc: Exception) -> FastAPI:
    app = FastAPI()
    problems.install(app)

    @app.get("/")
    async def refuse() -> None:
        raise exc

    return app


@pytest.mark.parametrize(
    ("refusal", "status", "title"),
    [
        (errors.Invalid("credits.0.amount", "must be a multiple of 0.25"), 422, "Invalid request"),
        (Full("activity_id", "the course is full"), 409, "Registration refused"),
        (errors.NotFound("activity_id", "no such activity"), 404, "Not Found"),
        (errors.Forbidden(None, "staff only"), 403, "Forbidden"),
        (errors.Refusal("email", "not allowed"), 422, "Refused"),
    ],
)
async def test_a_refusal_becomes_a_problem_naming_the_field_and_the_reason(refusal, status, title):
    transport = httpx.ASGITransport(app=app_raising(refusal))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == title and body["status"] == status
    if refusal.field:
        assert body["errors"] == [{"field": refusal.field, "reason": refusal.reason}]
        assert body["detail"] == f"{refusal.field}: {refusal.reason}"
    else:
        assert "errors" not in body and body["detail"] == refusal.reason
