"""Talking to a certifying board's learner-report endpoint (ACCME PARS-style)."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from board_reporting.domain import BoardAnswer

# Statuses that say "not now" rather than "not this": the request itself may be fine.
_TRANSIENT_STATUSES = frozenset({408, 425, 429})


class BoardClient(Protocol):
    """Real HTTP in production; the tests also use an in-memory board."""

    async def submit(self, record: dict[str, Any]) -> BoardAnswer:
        """Send one learner report; never raises for the board's or the network's failures."""
        ...


class HttpBoardClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0, http: httpx.AsyncClient | None = None) -> None:
        self.url = f"{base_url.rstrip('/')}/learner-reports"
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def submit(self, record: dict[str, Any]) -> BoardAnswer:
        try:
            response = await self._http.post(self.url, json=record)
        except httpx.HTTPError as exc:
            return BoardAnswer("transient", reason=f"{type(exc).__name__}: {exc}"[:500])
        if response.status_code >= 500 or response.status_code in _TRANSIENT_STATUSES:
            return BoardAnswer("transient", reason=f"HTTP {response.status_code}: {response.text[:300]}")
        if response.status_code >= 400:
            return BoardAnswer("invalid", reason=f"HTTP {response.status_code}: {response.text[:1000]}")
        try:
            answer = response.json()
            status = answer["status"]
        except (ValueError, KeyError, TypeError):
            return BoardAnswer("transient", reason=f"unreadable answer: {response.text[:300]}")
        if status == "accepted":
            return BoardAnswer("accepted", board_report_id=str(answer.get("reportID") or "") or None)
        if status == "rejected":
            return BoardAnswer("rejected", reason=str(answer.get("reason") or "rejected without a reason"))
        return BoardAnswer("transient", reason=f"unexpected status {status!r}")
