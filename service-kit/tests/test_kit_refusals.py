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


async def test_a_rule_across_fields_is_reported_on_the_field_to_mark_under_the_models_place():
    from pydantic import BaseModel, model_validator

    from opencme_kit.validation import FieldInvalid

    class Period(BaseModel):
        starts: int
        ends: int

        @model_validator(mode="after")
        def _in_order(self) -> "Period":
            if self.ends < self.starts:
                raise FieldInvalid("ends", "must not be before starts")
            if self.ends == self.starts:
                raise FieldInvalid(("starts", "ends"), "must differ")
            return self

    class Plan(BaseModel):
        periods: list[Period]

    app = FastAPI()
    problems.install(app)

    @app.post("/")
    async def submit(plan: Plan) -> None:
        return None

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        backwards = await client.post("/", json={"periods": [{"starts": 1, "ends": 2}, {"starts": 5, "ends": 3}]})
        same = await client.post("/", json={"periods": [{"starts": 4, "ends": 4}]})
    assert backwards.status_code == 422
    assert backwards.json()["errors"] == [{"field": "periods.1.ends", "reason": "must not be before starts"}]
    assert same.json()["errors"] == [
        {"field": "periods.0.starts", "reason": "must differ"},
        {"field": "periods.0.ends", "reason": "must differ"},
    ]
