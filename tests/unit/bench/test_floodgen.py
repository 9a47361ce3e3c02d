"""The flooding client against a fake node (httpx MockTransport): every read kind and batches,
answers counted by kind and status, 429s checked for Retry-After (issue 13, N-5)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from govchain.bench.floodgen import (
    READ_KINDS,
    FloodClientError,
    Flooder,
    FloodWork,
    _read_work,
    write_work,
)
from govchain.codec import decode, encode

API = "http://node0.test"
HASHES = ("11" * 32, "22" * 32)
DIGESTS = ("33" * 32,)


class FakeNode:
    """Answers every read; refuses every other one with 429 (with Retry-After), evidence with
    503 (without), and takes one batch before refusing the rest as rate limited."""

    def __init__(self, enough: int, batches_taken: int = 1) -> None:
        self.paths: list[str] = []
        self.batches: list[list[bytes]] = []
        """Every batch body received, in order."""
        self.batches_taken = batches_taken
        self.taken = 0
        self.enough = enough
        self.seen_enough = asyncio.Event()

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.paths.append(path)
        if len(self.paths) >= self.enough:
            self.seen_enough.set()
        await asyncio.sleep(0)  # let the other tasks in, as a real answer would
        if path == "/v1/txs/batch":
            return self._batch(request)
        if path == "/v1/evidence":
            return httpx.Response(503, json={"error": {"code": "busy", "message": "-"}})
        if len(self.paths) % 2:
            return httpx.Response(200, json={"ok": True})
        body = {"error": {"code": "rate_limited", "message": "-"}}
        return httpx.Response(429, json=body, headers={"Retry-After": "1"})

    def _batch(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["content-type"] == "application/cbor"
        raws = decode(request.content)
        assert isinstance(raws, list)
        self.batches.append(raws)
        if self.taken >= self.batches_taken:
            body = {"error": {"code": "rate_limited", "message": "-"}}
            return httpx.Response(429, json=body, headers={"Retry-After": "2"})
        self.taken += 1
        results: list[dict[str, Any]] = [{"hash": "ab" * 32}] * (len(raws) - 1)
        results.append({"error": {"code": "tx_replayed", "message": "-"}})
        return httpx.Response(200, json={"accepted": len(raws) - 1, "results": results})


def _work(batches: int = 2) -> FloodWork:
    bodies = tuple(encode([f"tx-{b}-{i}".encode() for i in range(3)]) for b in range(batches))
    return FloodWork(bodies, HASHES, DIGESTS)


def _flood(
    node: FakeNode, work: FloodWork, readers: int = 4, submitters: int = 2
) -> dict[str, Any]:
    async def scenario() -> dict[str, Any]:
        flooder = Flooder(API, work, "127.0.0.2", readers, submitters,
                          transport=httpx.MockTransport(node.handle))  # fmt: skip
        try:
            await flooder.start(height=5)
            await asyncio.wait_for(node.seen_enough.wait(), 30)
            return await flooder.stop()
        finally:
            await flooder.close()

    summary = asyncio.run(scenario())
    json.dumps(summary)  # what goes to the parent is plain JSON
    return summary


def test_the_flood_sends_every_read_kind_and_batches_and_counts_each_answer() -> None:
    node = FakeNode(enough=200)
    summary = _flood(node, _work())
    assert set(summary["by_kind"]) == {*READ_KINDS, "batch"}
    answered = sum(sum(c.values()) for c in summary["by_kind"].values())
    assert summary["answered"] == answered == sum(summary["status"].values())
    assert summary["sent"] == answered + sum(summary["errors"].values())
    assert summary["sent"] <= len(node.paths)  # requests cut off at stop are not counted
    assert summary["status"]["429"] > 0
    assert summary["codes"]["rate_limited"] == summary["status"]["429"]
    assert summary["by_kind"]["evidence"] == {"503": summary["codes"]["busy"]}
    assert summary["retry_after_missing"] == summary["codes"]["busy"]  # the 503s gave none
    assert sum(len(v) for v in summary["latency_ms"].values()) == answered
    assert summary["batch_txs"] == {"accepted": 2, "refused:tx_replayed": 1}
    assert (summary["readers"], summary["submitters"]) == (4, 2)


def test_reads_go_to_the_known_heights_hashes_and_digests() -> None:
    node = FakeNode(enough=100)
    _flood(node, _work(), submitters=0)
    reads = set(node.paths)
    assert {p for p in reads if p.startswith("/v1/blocks/")} == {
        f"/v1/blocks/{h}" for h in range(1, 6)
    }
    assert {p for p in reads if p.startswith("/v1/txs/")} == {f"/v1/txs/{h}" for h in HASHES}
    assert {p for p in reads if p.startswith("/v1/notary/")} == {f"/v1/notary/{DIGESTS[0]}"}
    assert "/v1/txs/batch" not in reads


def test_kinds_without_targets_are_skipped() -> None:
    node = FakeNode(enough=40)
    _flood(node, FloodWork((), (), ()), readers=2, submitters=0)
    kinds = {p.split("/")[2] for p in node.paths}
    assert kinds == {"status", "blocks", "evidence"}


def test_batches_are_sent_in_turn_as_they_were_written(tmp_path: Path) -> None:
    bodies = [encode([f"tx-{b}".encode()]) for b in range(3)]
    work_file = write_work(tmp_path, bodies, [bytes.fromhex(HASHES[0])], [bytes(32)])
    work = _read_work(str(work_file))
    assert work.batches == tuple(bodies)
    assert work.tx_hashes == (HASHES[0],)
    assert work.digests == ("00" * 32,)
    node = FakeNode(enough=10)
    _flood(node, work, readers=0, submitters=1)
    # the first went in; the other two were refused and come round again, the first never
    assert node.batches[:6] == [[b"tx-0"], [b"tx-1"], [b"tx-2"], [b"tx-1"], [b"tx-2"], [b"tx-1"]]


def test_a_batch_taken_is_sent_again_only_once_every_batch_was_taken() -> None:
    node = FakeNode(enough=8, batches_taken=1_000)
    work = FloodWork(tuple(encode([f"tx-{b}".encode()]) for b in range(3)), (), ())
    _flood(node, work, readers=0, submitters=1)
    sent = [raws[0] for raws in node.batches[:7]]
    assert sent == [b"tx-0", b"tx-1", b"tx-2", b"tx-0", b"tx-1", b"tx-2", b"tx-0"]


def test_a_node_that_cannot_be_reached_is_a_clear_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async def scenario() -> None:
        flooder = Flooder(API, _work(), "127.0.0.2", 1, 0, transport=httpx.MockTransport(refuse))
        try:
            await flooder.check()
        finally:
            await flooder.close()

    with pytest.raises(FloodClientError, match="cannot reach"):
        asyncio.run(scenario())


def test_a_task_that_breaks_is_reported_at_stop() -> None:
    async def broken(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/evidence":
            raise RuntimeError("a bug")
        await asyncio.sleep(0)
        return httpx.Response(200, json={})

    async def scenario() -> None:
        flooder = Flooder(API, _work(), "127.0.0.2", readers=1, submitters=0,
                          transport=httpx.MockTransport(broken))  # fmt: skip
        try:
            await flooder.start(height=1)
            while not flooder._tasks[0].done():
                await asyncio.sleep(0)
            await flooder.stop()
        finally:
            await flooder.close()

    with pytest.raises(FloodClientError, match="a flood task failed"):
        asyncio.run(scenario())
