"""Real cores over the seeded cluster: agreement, progress and the single-validator mode (F-A2)."""

from __future__ import annotations

import pytest

from govchain.consensus.events import Step
from govchain.sim.cluster import Cluster
from govchain.sim.network import LinkFaults


def _block_hashes(cluster: Cluster, height: int) -> set[bytes]:
    hashes = set()
    for node in cluster.nodes:
        with node.chain.view() as view:
            hashes.add(view.block_hash(height))
    return hashes


@pytest.mark.parametrize("validators", [1, 4, 7])
def test_a_good_network_commits_and_agrees(validators: int) -> None:
    cluster = Cluster(seed=1, validators=validators)
    cluster.start()
    assert cluster.run_until_height(5)
    for height in range(1, 6):
        assert len(_block_hashes(cluster, height)) == 1


def test_a_single_validator_wastes_no_timeout() -> None:
    cluster = Cluster(seed=2, validators=1)
    cluster.start()
    assert cluster.run_until_height(10)
    assert cluster.counts["timeouts_fired"] == 0
    assert cluster.now == 0  # no virtual time passed: nothing waited


@pytest.mark.parametrize("seed", range(8))
def test_drops_and_duplicates_do_not_break_agreement(seed: int) -> None:
    links = LinkFaults(1, 80, drop_per_mille=150, duplicate_per_mille=100)
    cluster = Cluster(seed=seed, validators=4, links=links)
    cluster.start()
    assert cluster.run_until_height(4), [n.chain.height for n in cluster.nodes]
    lowest = min(n.chain.height for n in cluster.nodes)
    for height in range(1, lowest + 1):
        assert len(_block_hashes(cluster, height)) == 1


def test_same_seed_same_run() -> None:
    runs = []
    for _ in range(2):
        cluster = Cluster(seed=5, validators=4, links=LinkFaults(1, 60, 100, 50))
        cluster.start()
        cluster.run_until_height(3)
        runs.append(
            (cluster.now, cluster.network.counts["messages"], cluster.counts["timeouts_fired"])
        )
    assert runs[0] == runs[1]
    assert Step.PROPOSE < Step.PREVOTE < Step.PRECOMMIT
