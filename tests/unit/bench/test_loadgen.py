"""The load client against a fake node (httpx MockTransport): open loop, refusals, commits seen."""

from __future__ import annotations

import asyncio
import hashlib
import importlib.abc
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from httpcore._synchronization import current_async_library

from govchain.bench.loadgen import LoadClient, write_tx_file
from govchain.codec import decode

API = "http://node0.test"


class FakeNode:
    """Admits txs (or refuses every ``refuse_every``-th); puts admitted ones in the next block,
    announced on its event stream (``/v1/events``) and readable at ``/v1/blocks/{h}``.

    Scripted faults of the stream: ``drop_at`` ends a connection right after announcing
    those heights; ``gap_at`` heights are made but not announced, then named by a ``gap``
    event; ``replay_at`` heights are announced again after the next block (out of order).
    """

    def __init__(
        self,
        refuse_every: int = 0,
        answer_after_s: float = 0.0,
        drop_at: frozenset[int] = frozenset(),
        gap_at: frozenset[int] = frozenset(),
        replay_at: frozenset[int] = frozenset(),
    ) -> None:
        self.refuse_every = refuse_every
        self.answer_after_s = answer_after_s
        self.drop_at, self.gap_at, self.replay_at = drop_at, gap_at, replay_at
        self.received = 0
        """Requests received (each a batch)."""
        self.received_txs = 0
        self.pending: list[str] = []
        self.blocks: list[list[str]] = []
        self.connections = 0
        self.replayed = 0
        self.block_reads: list[int] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v1/status":
            return httpx.Response(200, json={"height": len(self.blocks)})
        if path == "/v1/txs/batch":
            return await self._submit(request)
        if path == "/v1/events":
            self.connections += 1
            return httpx.Response(200, stream=_Stream(self._events()))
        height = int(path.rsplit("/", 1)[1])
        self.block_reads.append(height)
        if height > len(self.blocks):
            return httpx.Response(404, json={"error": {"code": "not_found", "message": "-"}})
        return httpx.Response(200, json=self._block(height))

    def _block(self, height: int) -> dict[str, Any]:
        proposer = f"{height % 4:040x}"  # four validators taking turns
        return {
            "header": {"proposer": proposer},
            "txs": self.blocks[height - 1],
            "commit": {"round": 0},
        }

    def _announce(self, height: int) -> bytes:
        hashes = self.blocks[height - 1]
        block = {"type": "block", "height": height, "hash": "00" * 32, "txs": len(hashes),
                 "time": 0, "round": 0, "proposer": f"{height % 4:040x}"}  # fmt: skip
        events = [("block", block)] + [
            ("tx", {"type": "tx", "height": height, "hash": h, "status": "committed"})
            for h in hashes
        ]
        return b"".join(
            f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode() for kind, data in events
        )

    async def _events(self) -> AsyncIterator[bytes]:
        yield b": connected\n\n"
        gap: list[int] = []
        while True:
            await asyncio.sleep(0.005)
            if not self.pending:
                continue
            self.blocks.append(self.pending)
            self.pending = []
            height = len(self.blocks)
            if height in self.gap_at:
                gap.append(height)
                continue
            if gap:
                data = json.dumps({"type": "gap", "from": gap[0], "to": gap[-1]})
                yield f"event: gap\ndata: {data}\n\n".encode()
                gap = []
            yield self._announce(height)
            if height - 1 in self.replay_at:
                self.replayed += 1
                yield self._announce(height - 1)
            if height in self.drop_at:
                return

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


class _Stream(httpx.AsyncByteStream):
    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.chunks:
            yield chunk


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


def test_a_dropped_stream_a_gap_and_a_replayed_block_lose_and_double_nothing(
    tmp_path: Path,
) -> None:
    """Issue 21 item 5: the client follows /v1/events; what the stream did not announce (a
    gap, blocks made while it was reconnecting) is read from /v1/blocks/{h}; a block announced
    again (out of order) is not counted twice."""
    node = FakeNode(drop_at=frozenset({1, 3}), gap_at=frozenset({2, 4}), replay_at=frozenset({5}))
    answer = _run_step(node, tmp_path / "txs.json", 60, rate=150)
    assert len(node.blocks) >= 6, "the scenario needs blocks 1 to 6"
    assert node.replayed == 1
    assert answer["accepted"] == 60
    assert None not in answer["commit_s"]
    heights = [height for height, *_ in answer["blocks"]]
    assert heights == list(range(1, len(node.blocks) + 1))  # each once, in order
    assert sum(count for _, _, count, _, _ in answer["blocks"]) == 60
    assert node.connections >= 3  # two drops, reconnected each time
    assert {2, 4} <= set(node.block_reads)  # the gaps were read back
    assert [proposer for height, *_, proposer in answer["blocks"]] == [
        f"{height % 4:040x}" for height, *_ in answer["blocks"]
    ]


def test_httpcore_learns_the_running_loop_without_searching_the_import_path() -> None:
    """httpcore asks ``sniffio`` which event loop runs, at several points of every async
    request; without it each ask was a failed ``import`` that searched ``sys.path`` again, a
    tenth of a load client's CPU (issue 21). The pinned dependency must stay found."""
    searched: list[str] = []

    class Spy(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, *_: object) -> None:
            searched.append(fullname)

    async def ask() -> str:
        return current_async_library()

    spy = Spy()
    sys.meta_path.insert(0, spy)
    try:
        assert asyncio.run(ask()) == "asyncio"
        assert asyncio.run(ask()) == "asyncio"
    finally:
        sys.meta_path.remove(spy)
    assert searched == []
