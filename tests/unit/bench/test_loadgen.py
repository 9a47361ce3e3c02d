"""The load client against a fake node (httpx MockTransport): open loop, refusals, commits seen."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import httpx

from govchain.bench.loadgen import LoadClient, write_tx_file
from govchain.codec import decode

API = "http://node0.test"


class FakeNode:
    """Admits txs (or refuses every ``refuse_every``-th); puts admitted ones in the next block."""

    def __init__(self, refuse_every: int = 0, answer_after_s: float = 0.0) -> None:
        self.refuse_every = refuse_every
        self.answer_after_s = answer_after_s
        self.received = 0
        """Requests received (each a batch)."""
        self.received_txs = 0
        self.pending: list[str] = []
        self.blocks: list[list[str]] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/status":
            return httpx.Response(200, json={"height": len(self.blocks)})
        if path == "/v1/txs/batch":
            return await self._submit(request)
        height = int(path.rsplit("/", 1)[1])
        if height == len(self.blocks) + 1 and self.pending:
            self.blocks.append(self.pending)
            self.pending = []
        if height > len(self.blocks):
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "-"}})
        proposer = f"{height % 4:040x}"  # four validators taking turns
        block = {
            "header": {"proposer": proposer},
            "txs": self.blocks[height - 1],
            "commit": {"round": 0},
        }
        return httpx.Response(200, json=block)

    async def _submit(self, request: httpx.Request) -> httpx.Response:
        self.received += 1
        if self.answer_after_s:
            await asyncio.sleep(self.answer_after_s)
        results: list[dict[str, Any]] = []
        raws = decode(request.content)
        assert isinstance(raws, list)
        for raw in raws:
            self.received_txs += 1
            if self.refuse_every and self.received_txs % self.refuse_every == 0:
                results.append({"error": {"code": "mempool_full", "message": "the pool is full"}})
                continue
            self.pending.append(hashlib.sha256(raw).hexdigest())
            results.append({"hash": self.pending[-1]})
        accepted = sum(1 for r in results if "hash" in r)
        return httpx.Response(200, json={"accepted": accepted, "results": results})


def _txs(count: int) -> list[tuple[bytes, bytes]]:
    raws = [f"tx-{i}".encode() for i in range(count)]
    return [(hashlib.sha256(raw).digest(), raw) for raw in raws]


def _run_step(
    node: FakeNode, path: Path, count: int, rate: float, in_flight_max: int = 16
) -> dict[str, Any]:
    write_tx_file(path, _txs(count))

    async def scenario() -> dict[str, Any]:
        client = LoadClient([API], API, in_flight_max, httpx.MockTransport(node.handle))
        assert await client.start() == 0
        watcher = asyncio.create_task(client.follow())
        command = {
            "cmd": "step",
            "step": 1,
            "txs": str(path),
            "rate": rate,
            "phase_s": 0.0,
            "start_at": time.monotonic() + 0.05,
            "seconds": count / rate,
            "drain_s": 5.0,
            "until_height": None,
        }
        try:
            return await client.step(command)
        finally:
            watcher.cancel()
            await client.close()

    answer = asyncio.run(scenario())
    json.dumps(answer)  # what goes to the parent is plain JSON
    return answer


def test_every_accepted_tx_is_timed_from_submit_to_its_block(tmp_path: Path) -> None:
    node = FakeNode()
    answer = _run_step(node, tmp_path / "txs.json", 20, rate=200)
    assert answer["scheduled"] == answer["sent"] == answer["accepted"] == 20
    assert answer["behind"] == 0
    assert answer["refused"] == {}
    assert len(answer["send_s"]) == 20
    assert all(
        c is not None and c >= s for s, c in zip(answer["send_s"], answer["commit_s"], strict=True)
    )
    assert sum(count for _, _, count, _, _ in answer["blocks"]) == 20
    assert [proposer for height, *_, proposer in answer["blocks"]] == [
        f"{height % 4:040x}" for height, *_ in answer["blocks"]
    ]
    assert answer["height"] == len(node.blocks)


def test_refusals_are_counted_by_code_and_never_waited_for(tmp_path: Path) -> None:
    node = FakeNode(refuse_every=2)
    answer = _run_step(node, tmp_path / "txs.json", 10, rate=500)
    assert answer["sent"] == 10
    assert answer["accepted"] == 5
    assert answer["refused"] == {"mempool_full": 5}
    assert None not in answer["commit_s"]


def test_sends_due_while_every_slot_is_taken_are_behind_not_delayed(tmp_path: Path) -> None:
    node = FakeNode(answer_after_s=2.0)  # far longer than the 10 ms the txs come due in
    answer = _run_step(node, tmp_path / "txs.json", 10, rate=1000, in_flight_max=1)
    # one request goes out with what was due then (the first tx, or a few if the loop was
    # late); everything that comes due while it is out is behind, never sent later
    assert node.received == 1
    assert answer["sent"] + answer["behind"] == 10
    assert answer["behind"] >= 1
    assert answer["accepted"] == answer["sent"] == node.received_txs


def test_txs_that_came_due_together_go_in_one_batch(tmp_path: Path) -> None:
    node = FakeNode()
    answer = _run_step(node, tmp_path / "txs.json", 40, rate=2000)
    assert answer["sent"] == answer["accepted"] == node.received_txs == 40
    assert node.received < 40  # batched: fewer requests than txs
