"""RFC 9457 problem details for every error a client can cause, naming the field and the reason."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from . import errors
from .validation import FieldInvalid

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise from a route or use case; becomes a problem+json response."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.type = type_
        self.headers = headers
        self.extra = extra


def field_problem(field: str, reason: str, *, status: int = 422, title: str = "Invalid request") -> Problem:
    return Problem(status, title, f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def not_found(what: str) -> Problem:
    return Problem(404, "Not Found", f"{what} not found")


def _response(
    request: Request,
    status: int,
    title: str,
    detail: str | None,
    *,
    type_: str = "about:blank",
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "instance": request.url.path}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


_REFUSAL_STATUS: tuple[tuple[type[errors.Refusal], int], ...] = (
    (errors.NotFound, 404),
    (errors.Forbidden, 403),
    (errors.Conflict, 409),
    (errors.Refusal, 422),
)


def _field_errors(error: Any) -> list[dict[str, str]]:
    """One entry per field a form must mark; a cross-field rule (FieldInvalid) names its own under the model."""
    where = tuple(error.get("loc", ()))
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, FieldInvalid):
        return [{"field": _field_name((*where, *field.split("."))), "reason": cause.reason} for field in cause.fields]
    return [{"field": _field_name(where), "reason": _reason(error)}]


def _reason(error: Any) -> str:
    # A validator's own sentence, without pydantic's "Value error, " in front of it.
    if error.get("type") == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    return str(error.get("msg", "invalid"))


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return _response(
            request,
            exc.status,
            exc.title,
            exc.detail,
            type_=exc.type,
            errors=exc.errors,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(errors.Refusal)
    async def on_refusal(request: Request, exc: errors.Refusal) -> JSONResponse:
        # The one place a service's rules meet HTTP: the kind of refusal decides the status.
        status = next(code for kind, code in _REFUSAL_STATUS if isinstance(exc, kind))
        fields = [{"field": exc.field, "reason": exc.reason}] if exc.field else None
        return _response(request, status, exc.title, str(exc), errors=fields)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [error for e in exc.errors() for error in _field_errors(e)]
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        return _response(request, 422, "Invalid request", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}.get(
            exc.status_code, "Error"
        )
        return _response(
            request,
            exc.status_code,
            title,
            str(exc.detail) if exc.detail else None,
            headers=getattr(exc, "headers", None),
        )


def unexpected_error(scope: Scope) -> JSONResponse:
    """The answer to an unexpected exception: a problem+json 500 that tells nothing internal. The kit's middleware
    (edge.py) sends it and keeps the keep-alive connection open: Starlette's own last-resort handler answers and then
    re-raises, and uvicorn closes the connection; the gateway, which pools upstream connections, would then send the
    next request (another user's) down the closed one and answer it 502, and a POST is never retried."""
    body = {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "instance": scope.get("path", ""),
        "detail": "an unexpected error occurred; it has been logged",
    }
    return JSONResponse(body, status_code=500, media_type=MEDIA_TYPE)
