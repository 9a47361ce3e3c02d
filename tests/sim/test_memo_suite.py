"""The simulator's suite remembers signature checks and gives exactly the plain suite's answers."""

from __future__ import annotations

from govchain.crypto import suite_for
from govchain.ledger import records
from govchain.sim.cluster import Cluster
from govchain.sim.memo_suite import MemoVerifySuite


def test_the_memory_gives_the_plain_answers_and_checks_each_input_once() -> None:
    plain, memo = suite_for("intl"), MemoVerifySuite()
    key, other = plain.generate_key(), plain.generate_key()
    message = b"a vote's signing bytes"
    signature = key.sign(message)
    damaged = bytes([signature[0] ^ 1]) + signature[1:]
    inputs = [
        (key.public_key, message, signature),
        (key.public_key, message + b"!", signature),
        (key.public_key, message, damaged),
        (other.public_key, message, signature),
        (key.public_key, message, signature[:-1]),  # a wrong length
    ]
    for _ in range(3):  # asked again and again, as every validator asks
        assert [memo.verify(*args) for args in inputs] == [plain.verify(*args) for args in inputs]
    assert [plain.verify(*args) for args in inputs] == [True, False, False, False, False]
    assert memo.checked == len(inputs)


def test_every_node_checks_blocks_with_the_clusters_memory() -> None:
    """A commit certificate's votes are checked again by every node that validates the
    next block (its header carries them): those checks go to the cluster's memory too,
    so a vote already checked as a vote is not checked again for real."""
    cluster = Cluster(seed=3, validators=4)
    assert all(node.chain.suite is cluster.suite for node in cluster.nodes)
    cluster.start()
    assert cluster.run_until_height(4)
    with cluster.nodes[1].chain.view() as view:
        commit = view.commit(3)
    keys = {v.address: v.public_key for v in cluster.genesis.validators.validators}
    signed = [
        (keys[sig.validator], records.vote_signing_bytes(commit.vote_of(sig)), sig.signature)
        for sig in commit.signatures
    ]
    before = cluster.suite.checked
    assert cluster.suite.batch_verify(signed) == [True] * len(signed)
    assert cluster.suite.checked == before  # each was remembered from consensus
