"""The kit's one request middleware (edge.py) on an app built by build_api with a real database: every answer carries
the correlation id and is counted by route, an unexpected error is a problem+json 500 counted as such, and the
connection a route borrowed goes back to the pool whether the route answered, was refused or failed."""

import uuid

import pytest
from fastapi import APIRouter
from prometheus_client import REGISTRY

from devstack.testing import running_app
from opencme_kit import errors
from opencme_kit.service import ConnDep, KitSettings, build_api

router = APIRouter()


@router.get("/answers/{n}")
async def answers(n: int, conn: ConnDep) -> dict[str, int]:
    return {"n": await conn.fetchval("SELECT $1::int + 1", n)}


@router.get("/refuses")
async def refuses(conn: ConnDep) -> None:
    await conn.execute("SELECT 1")
    raise errors.NotFound("thing", "no such thing")


@router.get("/fails")
async def fails(conn: ConnDep) -> None:
    await conn.execute("SELECT 1")
    raise RuntimeError("a bug")


@router.get("/fails-in-a-transaction")
async def fails_in_a_transaction(conn: ConnDep) -> None:
    tx = conn.transaction()
    await tx.start()  # left open: the pool's reset rolls it back when the connection is given back
    raise RuntimeError("a bug")


@router.get("/in-a-transaction")
async def in_a_transaction(conn: ConnDep) -> dict[str, bool]:
    return {"in": conn.is_in_transaction()}


@pytest.fixture(scope="module")
async def client(make_database):
    app = build_api(
        service="kit-edge-test",
        settings=KitSettings(database_url=await make_database("kit")),
        routers=[router],
        migrations=[],
    )
    async with running_app(app) as client:
        client.app = app
        yield client


def requests_counted(route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "opencme_http_requests_total", {"route": route, "method": "GET", "status": status}
    )
    return value or 0.0


def all_connections_idle(client) -> bool:
    pool = client.app.state.pool
    return pool.get_idle_size() == pool.get_size()


async def test_an_answer_echoes_the_gateways_correlation_id_and_is_counted_by_its_route_template(client):
    before = requests_counted("/answers/{n}", "200")
    response = await client.get("/answers/41", headers={"X-Correlation-ID": "from-the-gateway"})
    assert (response.status_code, response.json()) == (200, {"n": 42})
    assert response.headers.get_list("x-correlation-id") == ["from-the-gateway"]
    assert requests_counted("/answers/{n}", "200") == before + 1
    assert all_connections_idle(client)


async def test_a_request_without_a_correlation_id_gets_a_new_one_per_request(client):
    first, second = (await client.get("/answers/1"), await client.get("/answers/1"))
    ids = {first.headers["x-correlation-id"], second.headers["x-correlation-id"]}
    assert len(ids) == 2 and all(len(uuid.UUID(i).hex) == 32 for i in ids)


async def test_a_refusal_is_its_problem_and_gives_the_connection_back(client):
    before = requests_counted("/refuses", "404")
    response = await client.get("/refuses")
    assert response.status_code == 404 and response.headers["content-type"] == "application/problem+json"
    assert requests_counted("/refuses", "404") == before + 1
    assert all_connections_idle(client)


@pytest.mark.parametrize("path", ["/fails", "/fails-in-a-transaction"])
async def test_an_unexpected_error_is_a_counted_500_with_the_correlation_id_and_gives_the_connection_back(client, path):
    before = requests_counted(path, "500")
    response = await client.get(path, headers={"X-Correlation-ID": "cid-of-the-bug"})
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Internal Server Error" and "a bug" not in response.text
    assert response.headers["x-correlation-id"] == "cid-of-the-bug"
    assert requests_counted(path, "500") == before + 1
    assert all_connections_idle(client)
    # The connection given back is clean: the next borrower is not inside the failed request's transaction.
    assert (await client.get("/in-a-transaction")).json() == {"in": False}
    assert all_connections_idle(client)
