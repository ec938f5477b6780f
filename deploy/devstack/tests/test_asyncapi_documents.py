"""The committed AsyncAPI documents (contracts/asyncapi) are what the workers declare today."""

from devstack import asyncapi


def test_committed_asyncapi_documents_match_the_workers(tmp_path):
    for generated in asyncapi.generate(tmp_path):
        committed = asyncapi.OUT / generated.name
        assert committed.read_text() == generated.read_text(), (
            f"{committed} is out of date: run .venv/bin/python -m devstack.asyncapi and commit the result"
        )
