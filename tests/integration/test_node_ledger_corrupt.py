"""Issue 13, item 7, end to end: a node whose own store holds a damaged record answers
500 ``ledger_corrupt`` and exits 1 with one line naming why, no traceback.

A real node process (one validator) commits a few blocks; the test then
overwrites one stored block in the node's LMDB store from outside (LMDB lets a
second process write the same environment) and asks the node for it.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from govchain.client.notary import NotaryClient
from govchain.client.sdk import NodeClient
from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger.chainstore import TABLES, height_key
from govchain.ledger.home import DATA_DIR
from govchain.node.netinit import init_network
from govchain.node.ports import free_base_port
from govchain.storage.lmdb_store import LmdbStore

WAIT_S = 60.0


def _api_up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/v1/status", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_a_damaged_block_in_a_running_node_is_ledger_corrupt_and_stops_it(
    tmp_path: Path,
) -> None:
    layout = init_network(tmp_path / "net", validators=1, base_port=free_base_port(2))
    node = layout.nodes[0]
    process = subprocess.Popen(
        [sys.executable, "-m", "govchain", "node", "start", "--home", str(node.home)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + WAIT_S
        while not _api_up(node.api_url) and process.poll() is None:
            assert time.monotonic() < deadline, "the node's API did not come up"
            time.sleep(0.1)
        signer = read_signing_key(layout.client_key)
        with NodeClient(node.api_url, timeout_s=10) as client:
            notary = NotaryClient(client)
            for text in (b"one", b"two", b"three"):  # a lone validator commits when txs come
                _tx, tx_hash = notary.anchor(signer, suite_for(signer.suite_name).hash(text))
                assert client.wait(tx_hash, WAIT_S).status == "committed"
        store = LmdbStore(node.home / DATA_DIR, TABLES)
        try:
            with store.write() as txn:
                txn.put("blocks", height_key(1), b"\xff\x00 not a block")
        finally:
            store.close()

        answer = httpx.get(f"{node.api_url}/v1/blocks/1", timeout=10)
        assert answer.status_code == 500
        assert answer.json()["error"]["code"] == "ledger_corrupt"
        assert str(node.home) not in answer.text
        _out, err = process.communicate(timeout=WAIT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "stored record" in lines[0]
    assert "Traceback" not in err
    log = (node.home / "node.log").read_text(encoding="utf-8")
    assert "stops: api: LedgerCorruptError: a stored record fails its checks" in log
