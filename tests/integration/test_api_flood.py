"""Acceptance, issue 13 (N-5, F-A3): while one client floods reads and batch submissions as fast
as it can against one validator, the validators keep committing blocks, and the flooding client
gets 429 ``rate_limited`` answers with ``Retry-After``.

Real processes: four validators and the bench's flooding client
(``python -m govchain.bench.floodgen``), which sends from its own loopback
address, so the test's own height reads (from 127.0.0.1) are not limited
with it. The test waits for heights; it never judges a rate.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from govchain.bench.floodclient import FloodClient
from govchain.bench.floodgen import SUBMITTERS, write_work
from govchain.bench.network import TxSource, local_network, register_client
from govchain.codec import encode
from govchain.crypto import suite_for
from govchain.node.config import read_config, write_config
from govchain.node.netinit import NetworkLayout
from tests.integration.network_support import height_of, wait_for

BLOCKS_DURING_FLOOD = 5
BATCH_TXS = 100
LIMITS = {"reads_per_s": 20, "submissions_per_s": 200}
"""The flooded node's limits: low, so the flood is over them on any machine."""


def _limit_first_validator(layout: NetworkLayout) -> None:
    home = layout.nodes[0].home
    config = read_config(home)
    limits = dataclasses.replace(config.rate_limit, **LIMITS)
    write_config(home, dataclasses.replace(config, rate_limit=limits))


def test_validators_keep_committing_while_one_client_floods_and_is_refused(
    tmp_path: Path,
) -> None:
    with local_network(
        tmp_path / "net", True, validators=4, before_start=_limit_first_validator
    ) as (layout, processes):
        flooded = layout.nodes[0]
        assert flooded.role == "validator"
        key = suite_for(layout.suite).generate_key()
        register_client(layout, key)  # only registered accounts may submit (F-B4)
        txs = TxSource(layout, key).make_anchorings(2 * SUBMITTERS * BATCH_TXS)
        batches = [
            encode([raw for _, raw, _ in txs[i : i + BATCH_TXS]])
            for i in range(0, len(txs), BATCH_TXS)
        ]
        work = write_work(
            tmp_path / "flood", batches, [h for h, _, _ in txs[:50]], [d for _, _, d in txs[:50]]
        )
        with FloodClient(flooded.api_url, work, tmp_path / "flood") as flood:
            flood.start(height_of(flooded.api_url) or 0)
            before = {n.name: height_of(n.api_url) or 0 for n in layout.nodes}

            def every_validator_moved_on() -> bool:
                return all(
                    (height_of(n.api_url) or 0) >= before[n.name] + BLOCKS_DURING_FLOOD
                    for n in layout.nodes
                )

            wait_for(
                every_validator_moved_on, 90, f"every validator to commit {BLOCKS_DURING_FLOOD} "
                "blocks while node0 is flooded",
            )  # fmt: skip
            summary = flood.stop()
        assert all(process.poll() is None for process in processes.values())
    assert summary["status"].get("429", 0) > 0, summary["status"]
    assert summary["codes"]["rate_limited"] == summary["status"]["429"]
    assert summary["retry_after_missing"] == 0  # every 429 (and 503) said when to come back
    assert summary["status"].get("200", 0) > 0  # within its limits the client is still served
    kinds = summary["by_kind"]
    assert {"status", "block", "tx", "notary", "evidence", "batch"} <= set(kinds)
    assert sum(kinds["batch"].values()) > 0
    assert summary["batch_txs"].get("accepted", 0) > 0
