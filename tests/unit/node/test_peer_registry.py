"""Peers from the registry state (issue 14 items 1 and 4, F-B2): the pure snapshot and policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from govchain.codes.demo import demo_uscc
from govchain.contracts.registry.records import MemberRecord, NodeRecord
from govchain.contracts.registry.state import (
    MEMBERS,
    NODES,
    append_to_list,
    member_key,
    node_key,
)
from govchain.network import init_transport_ca
from govchain.node.peer_registry import (
    RegistrySnapshot,
    changes_peers,
    own_standing,
    peer_policy,
    read_snapshot,
)
from govchain.types import Event
from govchain.types.errors import ValidationError

CERT, KEY = Path("transport.pem"), Path("transport.key")
ORG1, ORG2 = demo_uscc(1), demo_uscc(2)


@pytest.fixture(scope="module")
def cas(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    """The DER of two real transport CA certificates."""
    root = tmp_path_factory.mktemp("cas")
    now = dt.datetime.now(dt.UTC)
    first, second = (
        init_transport_ca(root / org, org, now).certificate.dump() for org in (ORG1, ORG2)
    )
    return first, second


def _member(code: str, ca: bytes, status: str = "active") -> MemberRecord:
    return MemberRecord(code, f"member {code}", status, (), 1, (bytes(20),), (ca,), 0)


def _node(name: str, org: str, key: int, status: str = "active", role: str = "full") -> NodeRecord:
    return NodeRecord(name, org, role, bytes([key]) * 32, b"", 0, status, 7)


def _snapshot(
    cas: tuple[bytes, bytes], *nodes: NodeRecord, org2: str = "active"
) -> RegistrySnapshot:
    return RegistrySnapshot(9, (_member(ORG1, cas[0]), _member(ORG2, cas[1], org2)), nodes)


def test_the_snapshot_reads_every_listed_member_and_node_in_order(cas: tuple[bytes, bytes]) -> None:
    state: dict[bytes, bytes] = {}
    records = [_node("n2", ORG2, 2), _node("n1", ORG1, 1, "removed")]
    for member in (_member(ORG1, cas[0]), _member(ORG2, cas[1])):
        state[member_key(member.code)] = member.encode()
        append_to_list(state.get, state.__setitem__, MEMBERS, member.code.encode())
    for node in records:
        state[node_key(node.name)] = node.encode()
        append_to_list(state.get, state.__setitem__, NODES, node.name.encode())
    snapshot = read_snapshot(state.get, 12)
    assert snapshot.height == 12
    assert [m.code for m in snapshot.members] == [ORG1, ORG2]
    assert snapshot.nodes == tuple(records)
    assert snapshot.node("n1") == records[1]
    assert snapshot.node("n9") is None
    del state[node_key("n1")]
    with pytest.raises(ValidationError, match="holds no record"):
        read_snapshot(state.get, 12)


def test_only_active_nodes_of_active_members_are_admitted(cas: tuple[bytes, bytes]) -> None:
    nodes = (
        _node("n1", ORG1, 1),
        _node("n2", ORG2, 2),
        _node("gone", ORG1, 3, status="removed"),
        _node("stray", demo_uscc(7), 4),
    )
    policy = peer_policy(_snapshot(cas, *nodes), CERT, KEY)
    assert dict(policy.allowed) == {bytes([1]) * 32: "n1", bytes([2]) * 32: "n2"}
    assert policy.refusal(bytes([3]) * 32, "gone") == "node gone was removed at height 7"
    assert "member" in (policy.refusal(bytes([4]) * 32, "stray") or "")
    assert policy.refusal(bytes([1]) * 32, "n1") is None
    assert (
        policy.refusal(bytes([1]) * 32, "n2") == "the peer's key is registered for 'n1', not 'n2'"
    )
    assert policy.ca_bundle.count(b"BEGIN CERTIFICATE") == 2
    assert (policy.cert_file, policy.key_file) == (CERT, KEY)

    suspended = peer_policy(_snapshot(cas, *nodes, org2="suspended"), CERT, KEY)
    assert suspended.names == frozenset({"n1"})
    assert suspended.unknown_key(bytes([2]) * 32) == f"node n2: member {ORG2} is suspended"
    assert suspended.ca_bundle.count(b"BEGIN CERTIFICATE") == 1  # its CA is no longer trusted
    assert not suspended.same_trust(policy)


def test_a_removed_validator_is_admitted_until_the_last_height_it_votes_on(
    cas: tuple[bytes, bytes],
) -> None:
    # removed by block 7: it still votes on block 8, so it is linked until 8 is committed
    leaving = _node("v9", ORG1, 9, status="removed", role="validator")
    at = {
        height: peer_policy(
            RegistrySnapshot(height, (_member(ORG1, cas[0]),), (leaving,)), CERT, KEY
        )
        for height in (7, 8)
    }
    assert at[7].refusal(bytes([9]) * 32, "v9") is None
    assert at[8].refusal(bytes([9]) * 32, "v9") == "node v9 was removed at height 7"
    full = _node("f9", ORG1, 8, status="removed")
    policy = peer_policy(RegistrySnapshot(7, (_member(ORG1, cas[0]),), (full,)), CERT, KEY)
    assert policy.refusal(bytes([8]) * 32, "f9") == "node f9 was removed at height 7"


def test_a_member_ca_tls_cannot_load_is_left_out_and_none_at_all_is_refused(
    cas: tuple[bytes, bytes],
) -> None:
    broken = RegistrySnapshot(
        3, (_member(ORG1, cas[0]), _member(ORG2, b"not a certificate")), (_node("n1", ORG1, 1),)
    )
    assert peer_policy(broken, CERT, KEY).ca_bundle.count(b"BEGIN CERTIFICATE") == 1
    nothing = RegistrySnapshot(3, (_member(ORG1, b"junk"),), ())
    with pytest.raises(ValidationError, match="no active member has a transport CA"):
        peer_policy(nothing, CERT, KEY)


def test_blocks_that_may_change_nodes_or_members_refresh_the_policy() -> None:
    assert changes_peers([Event("registry.node_changed", {"name": "n1", "status": "removed"})])
    assert changes_peers([Event("registry.member_changed", {})])
    assert changes_peers([Event("notary.anchored"), Event("gov.decided", {"state": "executed"})])
    assert not changes_peers([])
    assert not changes_peers(
        [
            Event("notary.anchored"),
            Event("registry.account_added"),
            Event("registry.roles_set"),
            Event("registry.role_set"),
            Event("registry.subject_applied"),
            Event("registry.access_decided"),
            Event("gov.voted"),
        ]
    )


def test_a_node_finds_its_own_standing_in_the_registry(cas: tuple[bytes, bytes]) -> None:
    key = bytes([5]) * 32
    absent = _snapshot(cas)
    registered, line = own_standing(absent, "n5", "full", key)
    assert not registered
    assert "not in the registry at height 9" in line
    assert key.hex() in line  # what the operator proposes with node.add

    present = _snapshot(cas, _node("n5", ORG2, 5))
    assert own_standing(present, "n5", "full", key) == (
        True,
        f"node n5 is registered (member {ORG2}, role full)",
    )
    removed = _snapshot(cas, _node("n5", ORG2, 5, status="removed"))
    assert own_standing(removed, "n5", "full", key) == (
        False,
        "node n5 was removed from the registry at height 7",
    )
    suspended = _snapshot(cas, _node("n5", ORG2, 5), org2="exited")
    assert own_standing(suspended, "n5", "full", key) == (
        False,
        f"node n5: its member {ORG2} is exited",
    )
    with pytest.raises(ValidationError, match="the registry says 'full'"):
        own_standing(present, "n5", "storage", key)
    with pytest.raises(ValidationError, match="not this home's"):
        own_standing(present, "n5", "full", bytes(32))
    assert replace(present, height=10).node("n5") == present.node("n5")
