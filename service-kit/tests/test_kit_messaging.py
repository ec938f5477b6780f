"""How the kit reads KAFKA_BOOTSTRAP_SERVERS: one server, or every node of a cluster."""

from opencme_kit.messaging import bootstrap_list


def test_a_cluster_bootstrap_names_each_server_so_clients_start_with_any_one_down():
    assert bootstrap_list("127.0.0.1:19092, 127.0.0.1:19102,127.0.0.1:19112,") == [
        "127.0.0.1:19092",
        "127.0.0.1:19102",
        "127.0.0.1:19112",
    ]
    assert bootstrap_list("kafka:9092") == ["kafka:9092"]
