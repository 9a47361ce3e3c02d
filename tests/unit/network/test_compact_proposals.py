"""Issue 21: proposals travel between real nodes by tx hash, and whole when a tx is missing."""

from __future__ import annotations

from govchain.consensus.messages import Decision, ProposalMessage
from govchain.consensus.wire import encode_message
from govchain.ledger import records
from govchain.network import PeerNetwork
from govchain.network.compact import CompactProposals, ProposalTxs
from govchain.types import Block, Tx

from ..consensus.core_support import SUITE
from ..consensus.test_compact_proposals import COMMITTEE, _proposal
from .net_support import Inbox, Pki, fully_connected, make_node, mesh, run, running, wait_for


class _Pool:
    """A node's pool for the compact proposals: some txs, and how they hash."""

    def __init__(self, txs: tuple[Tx, ...] = ()) -> None:
        self.txs = {records.tx_hash(SUITE, tx): tx for tx in txs}

    def hashes(self, block: Block) -> list[bytes]:
        return [records.tx_hash(SUITE, tx) for tx in block.txs]

    def lookup(self, tx_hash: bytes) -> Tx | None:
        return self.txs.get(tx_hash)


def _node(
    pki: Pki, name: str, inbox: Inbox, pool: ProposalTxs | None, height: int = 0
) -> PeerNetwork:
    node = make_node(pki, name, inbox, height=lambda: height)
    node.handlers.proposal_txs = pool
    return node


def test_a_peer_with_every_tx_rebuilds_and_one_missing_some_gets_the_whole(pki: Pki) -> None:
    message = _proposal(txs=6)
    inboxes = {name: Inbox() for name in ("n1", "n2", "n3")}
    n1 = _node(pki, "n1", inboxes["n1"], _Pool())
    n2 = _node(pki, "n2", inboxes["n2"], _Pool(message.block.txs))
    n3 = _node(pki, "n3", inboxes["n3"], _Pool(message.block.txs[:4]))  # two missing
    nodes = [n1, n2, n3]

    async def scenario() -> None:
        async with running(*nodes):
            mesh(*nodes)
            await wait_for(lambda: fully_connected(nodes), "a full mesh")
            n1.broadcast(message)
            await wait_for(lambda: all(inboxes[n].consensus for n in ("n2", "n3")), "both")
            n1.broadcast(message)  # the resend of the same proposal: made compact once
            await wait_for(lambda: len(inboxes["n2"].consensus) == 2, "the resend")

    run(scenario)
    for name in ("n2", "n3"):
        peer, received = inboxes[name].consensus[0]
        assert peer == "n1"
        assert isinstance(received, ProposalMessage)
        assert encode_message(received) == encode_message(message)
    assert (n1.compact.counts.sent, n1.compact.counts.answered) == (1, 1)
    assert (n2.compact.counts.rebuilt, n2.compact.counts.requested) == (2, 0)
    assert (n3.compact.counts.rebuilt, n3.compact.counts.requested) == (0, 1)


def test_without_a_pool_proposals_travel_whole(pki: Pki) -> None:
    message = _proposal(txs=2)
    inboxes = {name: Inbox() for name in ("n1", "n2")}
    n1, n2 = _node(pki, "n1", inboxes["n1"], None), _node(pki, "n2", inboxes["n2"], _Pool())

    async def scenario() -> None:
        async with running(n1, n2):
            mesh(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            n1.send("n2", message)
            await wait_for(lambda: bool(inboxes["n2"].consensus), "the proposal")

    run(scenario)
    assert encode_message(inboxes["n2"].consensus[0][1]) == encode_message(message)
    assert n1.compact.counts.sent == 0
    assert n2.compact.counts.rebuilt == 0


def test_a_node_past_the_proposals_height_does_not_ask_for_it(pki: Pki) -> None:
    message = _proposal(txs=2)  # height 1
    inboxes = {name: Inbox() for name in ("n1", "n2")}
    n1 = _node(pki, "n1", inboxes["n1"], _Pool())
    n2 = _node(pki, "n2", inboxes["n2"], _Pool(), height=5)

    async def scenario() -> None:
        async with running(n1, n2):
            mesh(n1, n2)
            await wait_for(lambda: fully_connected([n1, n2]), "a link")
            n1.send("n2", message)
            await wait_for(lambda: n1.compact.counts.sent == 1, "the send")
            marker = _proposal(txs=0, round_=1)  # rebuilt at once: it comes after the first
            n1.send("n2", marker)
            await wait_for(lambda: bool(inboxes["n2"].consensus), "the marker")

    run(scenario)
    assert n2.compact.counts.requested == 0
    assert n1.compact.counts.answered == 0
    assert [m for _, m in inboxes["n2"].consensus] == [_proposal(txs=0, round_=1)]


def test_a_peer_asking_again_gets_nothing_more_and_the_whole_is_encoded_once() -> None:
    compact = CompactProposals()
    message = _proposal(txs=2)
    compact.payload(message, _Pool())
    first = compact.whole("n2", 1, 0)
    assert first is not None
    assert first.message == encode_message(message)
    assert compact.whole("n2", 1, 0) is None  # asked again: a flood of asks costs nothing
    assert compact.whole("n3", 1, 0) is first
    assert compact.whole("n2", 1, 1) is None  # never sent
    assert compact.counts.answered == 2


def test_a_decision_for_a_committed_height_is_dropped_before_its_block_is_built(
    pki: Pki,
) -> None:
    """The core drops it anyway; a validator one height behind gets one from each peer."""
    proposal = _proposal(txs=3)  # a block of height 1
    decision = Decision(proposal.block, COMMITTEE.commit(proposal.block, [0, 1, 2]))
    inboxes = {name: Inbox() for name in ("n1", "n2", "n3")}
    n1 = _node(pki, "n1", inboxes["n1"], None)
    n2 = _node(pki, "n2", inboxes["n2"], None, height=1)  # has committed height 1
    n3 = _node(pki, "n3", inboxes["n3"], None, height=0)
    nodes = [n1, n2, n3]

    async def scenario() -> None:
        async with running(*nodes):
            mesh(*nodes)
            await wait_for(lambda: fully_connected(nodes), "a full mesh")
            n1.broadcast(decision)
            n1.broadcast(proposal)  # after the decision on the same link
            await wait_for(lambda: bool(inboxes["n2"].consensus), "the proposal at n2")
            await wait_for(lambda: len(inboxes["n3"].consensus) == 2, "both at n3")

    run(scenario)
    assert [type(m) for _, m in inboxes["n2"].consensus] == [ProposalMessage]
    assert (n2.decisions, n2.stale_decisions) == (1, 1)
    assert [type(m) for _, m in inboxes["n3"].consensus] == [Decision, ProposalMessage]
    assert encode_message(inboxes["n3"].consensus[0][1]) == encode_message(decision)
    assert (n3.decisions, n3.stale_decisions) == (1, 0)
