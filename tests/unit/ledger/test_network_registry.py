"""The genesis network registry (F-A1, F-A3): members, their nodes, and its checks and forms."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from govchain.codec import decode, encode
from govchain.ledger.genesis_file import genesis_from_json, genesis_json_text
from govchain.types import Genesis, Member, NetworkRegistry, NodeEntry
from govchain.types.errors import ValidationError

from ...chain_support import ChainMaker


def _registry(maker: ChainMaker) -> NetworkRegistry:
    members = (Member("Justice Bureau", b"\x30\x01ca-1"), Member("Tax Bureau", b"\x30\x01ca-2"))
    nodes = tuple(
        NodeEntry(
            f"node{i}",
            members[i % 2].org,
            "validator",
            hashlib.sha256(f"key{i}".encode()).digest(),
            v.address,
        )
        for i, v in enumerate(maker.validators.validators)
    )
    full = NodeEntry("node9", "Tax Bureau", "full", hashlib.sha256(b"key9").digest())
    return NetworkRegistry(members, (*nodes, full))


@pytest.fixture(scope="module")
def genesis() -> Genesis:
    maker = ChainMaker.make("intl")
    return dataclasses.replace(maker.genesis, network=_registry(maker))


def test_a_genesis_with_its_registry_round_trips_in_cbor_and_json(genesis: Genesis) -> None:
    genesis.validate()
    assert Genesis.from_cbor(decode(encode(genesis.to_cbor()))) == genesis
    assert genesis_from_json(json.loads(genesis_json_text(genesis))) == genesis
    assert genesis.network.node("node9") is not None
    assert genesis.network.node("nobody") is None


def _broken(genesis: Genesis, **changes: object) -> Genesis:
    return dataclasses.replace(genesis, network=dataclasses.replace(genesis.network, **changes))


def test_registry_refuses_duplicates_strangers_and_bad_roles(genesis: Genesis) -> None:
    net = genesis.network
    first = net.nodes[0]
    cases = {
        "org listed twice": _broken(genesis, members=(*net.members, net.members[0])),
        "name twice": _broken(
            genesis, nodes=(*net.nodes, dataclasses.replace(first, transport_key=b"\x07" * 32))
        ),
        "key twice": _broken(genesis, nodes=(*net.nodes, dataclasses.replace(first, name="other"))),
        "unknown org": _broken(genesis, nodes=(dataclasses.replace(first, org="Nobody"),)),
        "bad role": _broken(genesis, nodes=(dataclasses.replace(first, role="boss"),)),
        "full names a validator": _broken(
            genesis, nodes=(dataclasses.replace(first, role="full"),)
        ),
        "unknown validator": _broken(
            genesis, nodes=(dataclasses.replace(first, validator=b"\x01" * 20),)
        ),
        "bad name": _broken(genesis, nodes=(dataclasses.replace(first, name="Node 0"),)),
        "short key": _broken(genesis, nodes=(dataclasses.replace(first, transport_key=b"k"),)),
    }
    for case, broken in cases.items():
        with pytest.raises(ValidationError):
            broken.validate()
            pytest.fail(case)


def test_a_genesis_file_without_a_network_is_refused(genesis: Genesis) -> None:
    obj = json.loads(genesis_json_text(genesis))
    del obj["network"]
    with pytest.raises(ValidationError, match="network"):
        genesis_from_json(obj)
