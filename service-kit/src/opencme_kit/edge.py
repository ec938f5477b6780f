"""The one ASGI middleware every API request passes through, doing the kit's per-request work in one layer.

On the way in: the correlation id (the gateway's X-Correlation-ID, else a new one) is set for the request's logs and
events. On the way out: the id is echoed on the answer; the request is counted and timed for Prometheus by route
template, method and status; an unexpected exception is logged and answered as a problem+json 500 on a connection
that stays open; and the database connection the request borrowed (`ConnDep`) goes back to the pool.

One layer rather than one per concern: each ASGI middleware wraps the app and its `send` once more for every request,
and under load that wrapping was a measurable part of a claim's CPU.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import logs, metrics, problems

log = logging.getLogger(__name__)

_HEADER = logs.HEADER.encode()
BORROWED = "opencme_kit.borrowed"  # the scope key of the request's borrowed connections (see service.get_conn)


class EdgeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.perf_counter()
        cid = logs.correlation_id_from(scope["headers"])
        cid_header = (_HEADER, cid.encode("latin-1"))
        token = logs.correlation_id.set(cid)
        status = 0  # none sent yet
        borrowed: list[Any] = []
        scope[BORROWED] = borrowed

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0].lower() != _HEADER]
                headers.append(cid_header)
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if status:  # half an answer went out: only closing the connection can tell the client
                raise
            await problems.unexpected_error(scope)(scope, receive, send_with_id)
        finally:
            # 500 is what the client sees when the app fails before answering.
            metrics.count_request(scope, status or 500, time.perf_counter() - arrived)
            logs.correlation_id.reset(token)
            for conn, lender in borrowed:
                await lender.take_back(conn)
