"""Kafka's storage tool takes the cluster id as an argument: one starting with '-' would be read as an option."""

import base64

from devstack import kafka


def test_cluster_ids_are_22_url_safe_characters_never_starting_with_a_dash():
    ids = [kafka._cluster_id() for _ in range(2000)]  # about 31 of 2000 random ids would start with '-'
    assert not [i for i in ids if i.startswith("-")]
    assert all(len(i) == 22 and len(base64.urlsafe_b64decode(i + "==")) == 16 for i in ids)
    assert len(set(ids)) == len(ids)
