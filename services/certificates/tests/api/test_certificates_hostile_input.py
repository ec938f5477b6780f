"""Nothing a client can send is a 5xx: every text a client controls (the verification code in the path, the
transcript's period and learner in the query, the bundle's ids in the body, a certificate id in the path) refuses
NUL, lone surrogates, controls, bidirectional controls and 100 KB strings with a 422 naming the field."""

import json
import uuid
from urllib.parse import quote

import pytest
from certificates_testing import MINT

from devstack.testing import HOSTILE_STRINGS

HOSTILE = [pytest.param(text, id=repr(text)[:40]) for text in HOSTILE_STRINGS]
# In a URL, as long as a client can send one (httpx stops at 64 KiB; the gateway and uvicorn at far less).
IN_URL = [pytest.param(text[:60_000], id=repr(text)[:40]) for text in HOSTILE_STRINGS]


def encoded(text: str) -> str:
    """`text` percent-encoded for a path or query (a lone surrogate as the bytes a client would send)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def refused_naming(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize("text", IN_URL)
async def test_a_verification_code_refuses_hostile_text_naming_code(service, text):
    refused_naming(await service.get(f"/verify/{encoded(text)}"), "code")


@pytest.mark.parametrize("text", ["7KQ2\x00M9XD", "7KQ2-M9XD-4TPA\x07", "\u202e7KQ2-M9XD-4TPA", "7" * 41])
async def test_a_code_that_looks_almost_right_is_still_refused_naming_code(service, text):
    refused_naming(await service.get(f"/verify/{encoded(text)}"), "code")


@pytest.mark.parametrize("path", ["/transcript", "/transcript.pdf"])
@pytest.mark.parametrize("parameter", ["from", "to", "learner_id"])
@pytest.mark.parametrize("text", IN_URL)
async def test_the_transcripts_query_refuses_hostile_text_naming_the_parameter(service, path, parameter, text):
    response = await service.get(f"{path}?{parameter}={encoded(text)}", headers=MINT.headers(uuid.uuid4()))
    refused_naming(response, parameter)


@pytest.mark.parametrize("text", HOSTILE)
async def test_a_bundle_refuses_hostile_text_for_an_id_naming_its_place(service, text):
    body = json.dumps({"ids": [str(uuid.uuid4()), text]}).encode()  # json escapes a lone surrogate as \\ud800
    response = await service.post(
        "/certificates/bundle",
        content=body,
        headers={**MINT.headers(uuid.uuid4()), "content-type": "application/json"},
    )
    refused_naming(response, "ids.1")


@pytest.mark.parametrize("text", IN_URL)
async def test_a_bundle_refuses_hostile_text_for_its_learner_naming_learner_id(service, text):
    response = await service.post(
        f"/certificates/bundle?learner_id={encoded(text)}",
        json={"ids": [str(uuid.uuid4())]},
        headers=MINT.headers(uuid.uuid4(), roles=("learner", "support")),
    )
    refused_naming(response, "learner_id")


@pytest.mark.parametrize("suffix", ["", "/pdf"])
@pytest.mark.parametrize("text", IN_URL)
async def test_a_certificate_id_refuses_hostile_text_naming_certificate_id(service, suffix, text):
    response = await service.get(f"/certificates/{encoded(text)}{suffix}", headers=MINT.headers(uuid.uuid4()))
    refused_naming(response, "certificate_id")


@pytest.mark.parametrize("ids", [["\x00"], "\x00", {"\x00": "x"}, None])
async def test_a_bundle_of_the_wrong_shape_is_refused_naming_ids(service, ids):
    response = await service.post("/certificates/bundle", json={"ids": ids}, headers=MINT.headers(uuid.uuid4()))
    assert response.status_code == 422, response.text
    assert all(e["field"].startswith("ids") for e in response.json()["errors"])


async def test_a_repeated_id_is_refused_naming_ids(service):
    # The one rule across a request's values here: each certificate once. It names the list a form marks.
    repeated = str(uuid.uuid4())
    response = await service.post(
        "/certificates/bundle", json={"ids": [repeated, repeated]}, headers=MINT.headers(uuid.uuid4())
    )
    refused_naming(response, "ids")
