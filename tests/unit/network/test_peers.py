"""Nodes connect over real mutual TLS on 127.0.0.1 and carry consensus, txs, evidence, blocks."""

from __future__ import annotations

import asyncio

from govchain.consensus.evidence import DuplicateVote
from govchain.consensus.transport import Transport
from govchain.ledger import records
from govchain.network import NetworkConfig, PeerNetwork
from govchain.network.envelope import MAX_GOSSIP_TXS
from govchain.types import Vote, VoteType

from ...chain_support import ChainMaker
from .net_support import (
    Inbox,
    Pki,
    dial,
    fully_connected,
    make_node,
    mesh,
    run,
    running,
    signed_vote,
    wait_for,
)

MAKER = ChainMaker.make("intl", 3)


def dialers(a: PeerNetwork, b: PeerNetwork) -> tuple[str, str]:
    """Who opened the a-b link, as each side has it registered."""
    return a._connections[b.name].dialer, b._connections[a.name].dialer


def test_three_nodes_exchange_signed_votes_by_broadcast_and_send(pki: Pki) -> None:
    inboxes = {name: Inbox() for name in ("n1", "n2", "n3")}
    nodes = [make_node(pki, name, inboxes[name]) for name in inboxes]
    n1, n2, _ = nodes

    transport: Transport = n1  # what the consensus driver is given
    assert transport is n1

    async def scenario() -> None:
        async with running(*nodes):
            mesh(*nodes)
            await wait_for(lambda: fully_connected(nodes), "a full mesh")
            broadcast = signed_vote(MAKER, 0)
            n1.broadcast(broadcast)
            await wait_for(lambda: all(inboxes[n].consensus for n in ("n2", "n3")), "the broadcast")
            assert inboxes["n2"].consensus == [("n1", broadcast)]
            assert inboxes["n3"].consensus == [("n1", broadcast)]

            direct = signed_vote(MAKER, 1, kind=VoteType.PRECOMMIT)
            n2.send("n3", direct)
            marker = signed_vote(MAKER, 1)
            n2.send("n1", marker)
            await wait_for(lambda: len(inboxes["n3"].consensus) == 2, "the direct vote")
            await wait_for(lambda: bool(inboxes["n1"].consensus), "the marker")
            assert inboxes["n3"].consensus[1] == ("n2", direct)
            assert inboxes["n1"].consensus == [("n2", marker)]
            received = inboxes["n3"].consensus[1][1]
            assert isinstance(received, Vote)
            signer = MAKER.validators.validators[1].public_key
            assert MAKER.suite.verify(
                signer, records.vote_signing_bytes(received), received.signature
            )
            n2.send("nobody", direct)  # unknown peers are ignored, as the Transport says

    run(scenario)


def test_when_both_dial_one_link_stays_and_both_sides_agree(pki: Pki) -> None:
    n1, n2 = make_node(pki, "n1"), make_node(pki, "n2")

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n1, n2)
            dial(n2, n1)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            await wait_for(lambda: dialers(n1, n2) == ("n1", "n1"), "the smaller name's link")
            assert n1.connected_peers == ["n2"]
            assert n2.connected_peers == ["n1"]

    run(scenario)


def test_txs_and_evidence_are_gossiped_to_every_peer_but_the_excluded(pki: Pki) -> None:
    inboxes = {name: Inbox() for name in ("n1", "n2", "n3")}
    nodes = [make_node(pki, name, inboxes[name]) for name in inboxes]
    n1 = nodes[0]
    raw_tx = MAKER.tx(MAKER.keys[0], key=b"k", value=b"v")
    evidence = DuplicateVote.of(signed_vote(MAKER, 2), signed_vote(MAKER, 2))

    async def scenario() -> None:
        async with running(*nodes):
            mesh(*nodes)
            await wait_for(lambda: fully_connected(nodes), "a full mesh")
            raw = records.encode_tx(raw_tx)
            n1.gossip_tx(raw)
            n1.gossip_evidence(evidence)
            n1.gossip_tx(b"only for n3", exclude="n2")
            await wait_for(lambda: len(inboxes["n3"].txs) == 2, "txs at n3")
            await wait_for(lambda: all(inboxes[n].evidence for n in ("n2", "n3")), "evidence")
            assert inboxes["n3"].txs == [("n1", raw), ("n1", b"only for n3")]
            assert inboxes["n2"].txs == [("n1", raw)]
            assert records.decode_tx(inboxes["n2"].txs[0][1]) == raw_tx
            assert inboxes["n2"].evidence == [("n1", evidence)]

    run(scenario)


def test_txs_gossiped_in_batches_arrive_whole_and_in_order(pki: Pki) -> None:
    inboxes = {name: Inbox() for name in ("n1", "n2", "n3")}
    nodes = [make_node(pki, name, inboxes[name]) for name in inboxes]
    n1 = nodes[0]
    raws = [f"tx-{i}".encode() for i in range(MAX_GOSSIP_TXS * 2 + 7)]  # three frames

    async def scenario() -> None:
        async with running(*nodes):
            mesh(*nodes)
            await wait_for(lambda: fully_connected(nodes), "a full mesh")
            n1.gossip_txs(raws, exclude="n3")
            n1.gossip_txs([b"for everyone"])
            await wait_for(lambda: len(inboxes["n2"].txs) == len(raws) + 1, "txs at n2")
            await wait_for(lambda: len(inboxes["n3"].txs) == 1, "the tx for n3")
            assert inboxes["n2"].txs == [("n1", raw) for raw in [*raws, b"for everyone"]]
            assert inboxes["n3"].txs == [("n1", b"for everyone")]

    run(scenario)


def test_a_blocks_request_is_answered_from_serve_blocks(pki: Pki) -> None:
    chain = [(f"block-{h}".encode(), f"commit-{h}".encode()) for h in range(1, 11)]
    asker, server = Inbox(), Inbox()
    n1 = make_node(pki, "n1", asker)
    n2 = PeerNetwork(
        "n2", n1.chain_id, pki.policy("n2"), handlers=server.handlers(chain), config=n1.config
    )

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            assert n1.request_blocks("n2", 3, 4)
            assert n1.request_blocks("n2", 9, 64)
            assert n1.request_blocks("n2", 50, 1)
            await wait_for(lambda: len(asker.blocks) == 3, "three answers")
            assert asker.blocks == [("n2", chain[2:6]), ("n2", chain[8:]), ("n2", [])]
            assert not n1.request_blocks("n3", 1, 1)  # not connected

    run(scenario)


def test_hello_and_status_keep_peer_heights(pki: Pki) -> None:
    heights = {"n1": 5, "n2": 9}
    n1 = make_node(pki, "n1", height=lambda: heights["n1"])
    n2 = make_node(pki, "n2", height=lambda: heights["n2"])

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n2, n1)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            assert n1.peer_heights["n2"] >= 9
            assert n2.peer_heights["n1"] >= 5
            heights["n2"] = 12
            await wait_for(lambda: n1.peer_heights.get("n2") == 12, "a status with height 12")

    run(scenario)


def test_stop_leaves_no_task_and_no_link_behind(pki: Pki) -> None:
    nodes = [make_node(pki, name) for name in ("n1", "n2", "n3")]

    async def scenario() -> None:
        async with running(*nodes):
            mesh(*nodes)
            await wait_for(lambda: fully_connected(nodes), "a full mesh")
        assert all(node.connected_peers == [] for node in nodes)
        assert asyncio.all_tasks() == {asyncio.current_task()}

    run(scenario)


def test_a_blocks_answer_is_trimmed_to_the_frame_size(pki: Pki) -> None:
    chain = [(bytes([h]) * 20_000, f"commit-{h}".encode()) for h in range(1, 11)]
    asker = Inbox()
    small = NetworkConfig(max_frame_bytes=64 * 1024, backoff_initial_s=0.02)
    n1 = make_node(pki, "n1", asker)
    n2 = PeerNetwork(
        "n2", n1.chain_id, pki.policy("n2"), handlers=Inbox().handlers(chain), config=small
    )

    async def scenario() -> None:
        async with running(n1, n2):
            dial(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            n1.request_blocks("n2", 1, 10)
            await wait_for(lambda: bool(asker.blocks), "the answer")
            assert asker.blocks == [("n2", chain[:3])]  # the rest in the next request

    run(scenario)


def test_every_node_dialing_every_other_still_delivers_each_message_once(pki: Pki) -> None:
    inboxes = {name: Inbox() for name in ("n1", "n2", "n3", "n4")}
    nodes = [make_node(pki, name, inboxes[name]) for name in inboxes]

    async def scenario() -> None:
        async with running(*nodes):
            for node in nodes:
                dial(node, *(other for other in nodes if other is not node))
            await wait_for(lambda: fully_connected(nodes), "a full mesh")
            pairs = [(a, b) for a in nodes for b in nodes if a.name < b.name]
            await wait_for(
                lambda: all(dialers(a, b) == (a.name, a.name) for a, b in pairs), "agreement"
            )
            votes = [signed_vote(MAKER, i % 3) for i in range(4)]
            for node, vote in zip(nodes, votes, strict=True):
                node.broadcast(vote)
            await wait_for(lambda: all(len(i.consensus) == 3 for i in inboxes.values()), "votes")
            for node, inbox in zip(nodes, inboxes.values(), strict=True):
                expected = {(o.name, v) for o, v in zip(nodes, votes, strict=True) if o is not node}
                assert sorted(inbox.consensus, key=str) == sorted(expected, key=str)

    run(scenario)
