"""``GET /v1/storage-nodes``: the storage nodes of the node's ``[storage]`` table (F-A1)."""

from __future__ import annotations

from govchain.api import create_app
from tests.unit.api.conftest import MakeClient
from tests.unit.api.fake_node import FakeNode


def test_the_configured_storage_nodes_are_listed_by_name(
    node: FakeNode, make_client: MakeClient
) -> None:
    storage = {"storage2": "http://127.0.0.1:26611", "storage1": "http://127.0.0.1:26610"}
    client = make_client(create_app(node, metrics=node.metrics, storage_nodes=storage))
    answer = client.get("/v1/storage-nodes")
    assert answer.status_code == 200
    assert answer.json() == {
        "nodes": [
            {"name": "storage1", "url": "http://127.0.0.1:26610"},
            {"name": "storage2", "url": "http://127.0.0.1:26611"},
        ]
    }


def test_a_node_without_storage_nodes_lists_none(make_client: MakeClient) -> None:
    assert make_client().get("/v1/storage-nodes").json() == {"nodes": []}
