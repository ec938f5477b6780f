"""Demo data, loaded through the gateway like any client would: accounts, activities of every format, an event code."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from devstack.stack import ADMIN_EMAIL, ADMIN_PASSWORD

STAFF_EMAIL, STAFF_PASSWORD = "coordinator@example.org", "coordinator passphrase 2026"
LEARNER_EMAIL, LEARNER_PASSWORD = "jane.doe@example.org", "learner passphrase 2026"


@dataclass
class DemoData:
    admin: tuple[str, str]
    staff: tuple[str, str]
    learner: tuple[str, str]
    event_code: str
    activities: dict[str, str]


class DemoError(RuntimeError):
    pass


def _check(response: httpx.Response, *ok: int) -> Any:
    if response.status_code not in ok:
        raise DemoError(f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text}")
    return response.json() if response.content else {}


def sign_in(client: httpx.Client, email: str, password: str) -> dict[str, str]:
    token = _check(client.post("/api/identity/sessions", json={"email": email, "password": password}), 200)
    return {"Authorization": f"Bearer {token['access_token']}"}


def ensure_account(client: httpx.Client, body: dict[str, Any]) -> None:
    _check(client.post("/api/identity/users", json=body), 201, 409)


def listed_activities(client: httpx.Client) -> list[dict[str, Any]]:
    """Every activity the public catalog lists, current and upcoming and past, page by page (at most 100 a page)."""
    found: list[dict[str, Any]] = []
    for past in (False, True):
        offset = 0
        while True:
            response = client.get("/api/catalog/activities", params={"past": past, "limit": 100, "offset": offset})
            page = _check(response, 200)
            found += page
            offset += len(page)
            if not page or offset >= int(response.headers["X-Total-Count"]):
                break
    return found


def activities(now: datetime) -> list[dict[str, Any]]:
    day = now.replace(hour=8, minute=0, second=0, microsecond=0)
    ama = lambda n: [{"credit_type": "AMA_PRA_1", "max_credits": n}]  # noqa: E731
    return [
        {
            "title": "Cardiology Update 2027",
            "format": "live_course",
            "starts_at": (day + timedelta(days=45)).isoformat(),
            "ends_at": (day + timedelta(days=46, hours=9)).isoformat(),
            "location": "Main Campus, Bunts Auditorium",
            "fees": {"physician": 45000, "resident": 15000, "nurse": 20000, "guest": 10000},
            "capacity": 250,
            "credit_designations": [
                *ama("14.25"),
                {"credit_type": "MOC_ABIM", "max_credits": "14.25"},
                {"credit_type": "ANCC", "max_credits": "14.25"},
            ],
            "moc_boards": ["ABIM"],
            "description": "Two days of practical updates in cardiovascular medicine.",
        },
        {
            "title": "Medicine Grand Rounds: Sepsis in 2026",
            "format": "grand_rounds",
            "starts_at": (now - timedelta(minutes=30)).isoformat(),
            "ends_at": (now + timedelta(minutes=30)).isoformat(),
            "location": "Lerner Research Institute, NA5-01",
            "credit_designations": [*ama("1"), {"credit_type": "MOC_ABIM", "max_credits": "1"}],
            "moc_boards": ["ABIM"],
            "requires_event_code": True,
        },
        {
            "title": "Hypertension Guidelines, Explained",
            "format": "text_based",
            "available_until": (now + timedelta(days=365)).isoformat(),
            "credit_designations": ama("1.5"),
        },
        {
            "title": "Journal CME: Anticoagulation After TAVR",
            "format": "journal_based",
            "available_until": (now + timedelta(days=365)).isoformat(),
            "credit_designations": ama("1"),
        },
        {
            "title": "Webcast: Managing Type 2 Diabetes",
            "format": "webcast",
            "available_until": (now + timedelta(days=180)).isoformat(),
            "credit_designations": ama("0.75"),
        },
        {
            "title": "Internal Medicine Board Review",
            "format": "board_review",
            "starts_at": (day + timedelta(days=90)).isoformat(),
            "ends_at": (day + timedelta(days=94, hours=9)).isoformat(),
            "location": "InterContinental Hotel, Cleveland",
            "fees": {"physician": 129500, "resident": 79500},
            "credit_designations": [*ama("40.5"), {"credit_type": "MOC_ABIM", "max_credits": "40.5"}],
            "moc_boards": ["ABIM"],
        },
        {
            "title": "Enduring: Opioid Prescribing Safety",
            "format": "enduring",
            "available_until": (now + timedelta(days=730)).isoformat(),
            "credit_designations": ama("2"),
        },
    ]


def load(gateway_url: str, *, timeout: float = 60.0) -> DemoData:
    with httpx.Client(base_url=gateway_url, timeout=30.0) as client:
        ensure_account(
            client,
            {
                "email": STAFF_EMAIL,
                "password": STAFF_PASSWORD,
                "first_name": "Casey",
                "last_name": "Coordinator",
                "profession": "CME coordinator",
            },
        )
        ensure_account(
            client,
            {
                "email": LEARNER_EMAIL,
                "password": LEARNER_PASSWORD,
                "first_name": "Jane",
                "last_name": "Doe",
                "degree": "MD",
                "profession": "Physician",
                "specialty": "Internal Medicine",
                "npi": "1234567893",
                "board_ids": {"ABIM": "123456"},
                "birth_month": 4,
                "birth_day": 30,
            },
        )
        admin = sign_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        staff_id = _check(client.get("/api/identity/me", headers=sign_in(client, STAFF_EMAIL, STAFF_PASSWORD)), 200)[
            "id"
        ]
        for role in ("staff", "support"):
            _check(client.post(f"/api/identity/users/{staff_id}/roles", json={"role": role}, headers=admin), 200)
        staff = sign_in(client, STAFF_EMAIL, STAFF_PASSWORD)  # a new token carries the new roles

        existing = {a["title"]: a for a in listed_activities(client)}
        now = datetime.now(UTC)
        created: dict[str, str] = {}
        event_code = ""
        for body in activities(now):
            if body["title"] in existing:  # loaded by an earlier `up` on the same data: read its code back
                created[body["format"]] = activity_id = existing[body["title"]]["id"]
                if body["format"] == "grand_rounds":
                    sessions = _check(client.get(f"/api/catalog/activities/{activity_id}/sessions", headers=staff), 200)
                    event_code = next((s["event_code"] for s in sessions if s["event_code"]), event_code)
                continue
            activity = _check(client.post("/api/catalog/activities", json=body, headers=staff), 201)
            if body["format"] == "grand_rounds":
                session = _check(
                    client.post(
                        f"/api/catalog/activities/{activity['id']}/sessions",
                        headers=staff,
                        json={"title": "Sepsis in 2026", "starts_at": body["starts_at"], "ends_at": body["ends_at"]},
                    ),
                    201,
                )
                event_code = session["event_code"]
            _check(client.post(f"/api/catalog/activities/{activity['id']}/publish", headers=staff), 200)
            created[body["format"]] = activity["id"]
        return DemoData(
            admin=(ADMIN_EMAIL, ADMIN_PASSWORD),
            staff=(STAFF_EMAIL, STAFF_PASSWORD),
            learner=(LEARNER_EMAIL, LEARNER_PASSWORD),
            event_code=event_code,
            activities=created,
        )


def wait_for_gateway(gateway_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{gateway_url}/api/identity/.well-known/jwks.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise DemoError("the gateway did not route to identity in time")
