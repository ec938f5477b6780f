"""One failure stays one failure: an unexpected error is answered as problem+json and the keep-alive connection
stays usable, so a gateway that pools connections never hands the next request a closed one."""

import asyncio
import http.client
import socket

import uvicorn
from fastapi import FastAPI

from opencme_kit import edge, problems


def app_with_a_bug() -> FastAPI:
    app = FastAPI()
    problems.install(app)
    app.add_middleware(edge.EdgeMiddleware)

    @app.get("/bug")
    async def bug() -> None:
        raise RuntimeError("a bug")

    @app.post("/valid")
    async def valid() -> dict[str, bool]:
        return {"ok": True}

    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def two_requests_on_one_connection(port: int) -> list[tuple[int, str, bytes]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    answers = []
    for method, path in (("GET", "/bug"), ("POST", "/valid")):
        connection.request(method, path, body=b"" if method == "POST" else None)
        response = connection.getresponse()
        answers.append((response.status, response.getheader("content-type", ""), response.read()))
    connection.close()
    return answers


async def test_a_request_after_an_unexpected_error_succeeds_on_the_same_connection():
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app_with_a_bug(), host="127.0.0.1", port=port, log_level="critical"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        (bug_status, bug_type, bug_body), (status, _, body) = await asyncio.to_thread(
            two_requests_on_one_connection, port
        )
    finally:
        server.should_exit = True
        await serving
    assert bug_status == 500 and bug_type == "application/problem+json"
    assert b'"title":"Internal Server Error"' in bug_body and b"a bug" not in bug_body  # nothing internal leaks
    assert (status, body) == (200, b'{"ok":true}')
