"""The load client process of ``govchain bench cluster`` and ``bench sync``: open-loop sends.

A client runs as ``python -m govchain.bench.loadgen --apis URL[,URL...] --watch URL``.
It sends pre-signed txs to the APIs round robin at scheduled times, whatever
the answers (open loop), as ``POST /v1/txs/batch`` requests: every
``BATCH_WINDOW_S`` it sends, in one request, every tx that has come due, the
way a busy gateway in front of a chain batches. At most ``--in-flight``
requests are outstanding: txs whose time comes while every slot is taken are
not sent and are counted as *behind*, so a slow node shows up as load the
client could not offer instead of silently slowing the client down.
Meanwhile it follows the chain on the ``--watch`` node's event stream
(``GET /v1/events``: a ``block`` event, then a ``tx`` event per tx), notes
when it first hears of each of its txs, and reads the blocks the stream did
not announce (before it connected, or named by a ``gap``) from
``GET /v1/blocks/{h}``.

The parent speaks to a client in JSON lines, commands on its stdin and one
answer per command on its stdout::

    <- {"event": "ready", "height": H}
    -> {"cmd": "step", "step": K, "txs": FILE, "rate": R, "phase_s": P,
        "start_at": T, "seconds": S, "drain_s": D, "until_height": H | null}
    <- {"event": "step", ...}              (see ``LoadClient.step``)
    -> {"cmd": "settle", "timeout_s": X}
    <- {"event": "settled", "outstanding": N}
    -> {"cmd": "quit"}

Times are ``time.monotonic()`` seconds, one clock for every process of the
machine (CLOCK_MONOTONIC on Linux); step figures are offsets from ``start_at``.
:class:`govchain.bench.loadclients.LoadClients` is the parent's side.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

from govchain.bench.child_lines import emit, error_code
from govchain.client.event_stream import EventParser, HeightGuard
from govchain.codec import encode
from govchain.types.errors import GovChainError

__all__ = ["LoadClient", "LoadClientError", "main", "write_tx_file"]

IN_FLIGHT_MAX = 256
"""Requests one client keeps outstanding at most; more due sends count as behind."""
BATCH_WINDOW_S = 0.02
"""A client sends what has come due at most this often: the most a tx waits in the client."""
BATCH_MAX_TXS = 500
"""The most txs in one batch request (the node takes up to 1000)."""
LATE_S = 0.05
"""A send this much after its scheduled time counts as late (it is still sent)."""
POLL_S = 0.025
"""How often a client checks whether its txs are in, and waits before connecting its event
stream again (or asking again for a block it reads back)."""
REQUEST_TIMEOUT_S = 10.0
BLOCKS_KEPT = 100_000
READY_TIMEOUT_S = 30.0
"""How long a client waits for its watch node to answer at start."""
_CBOR = {"content-type": "application/cbor"}


class LoadClientError(GovChainError):
    """A load client died, answered nonsense, or did not answer in time."""

    code = "bench_load_client"


# --- the tx file the parent writes and a client reads -------------------------------


def write_tx_file(path: Path, txs: Sequence[tuple[bytes, bytes]]) -> None:
    """Write (tx hash, encoded signed tx) pairs for one client's share of a step."""
    document = {"hashes": [h.hex() for h, _ in txs], "txs": [raw.hex() for _, raw in txs]}
    path.write_text(json.dumps(document), encoding="utf-8")


def _read_tx_file(path: str) -> tuple[list[str], list[bytes]]:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    return list(document["hashes"]), [bytes.fromhex(raw) for raw in document["txs"]]


# --- the client process ---------------------------------------------------------------


@dataclass
class _Sent:
    """One tx a client sent: when, whether the node took it, when it was first seen in a block."""

    tx_hash: str
    sent_at: float
    accepted: bool = False
    committed_at: float | None = None


@dataclass
class _StepCounts:
    sent: int = 0
    behind: int = 0
    late: int = 0
    unsent: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


class LoadClient:
    """One load client process's work: the sender and the block watcher, on one asyncio loop."""

    def __init__(
        self,
        apis: list[str],
        watch: str,
        in_flight_max: int = IN_FLIGHT_MAX,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.apis = apis
        self.in_flight_max = in_flight_max
        limits = httpx.Limits(max_connections=in_flight_max, max_keepalive_connections=64)
        self.http = httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits, transport=transport)
        self.watch_http = httpx.AsyncClient(
            base_url=watch, timeout=REQUEST_TIMEOUT_S, transport=transport
        )
        self.height = 0
        self.in_flight = 0
        self.tracked: dict[str, _Sent] = {}
        """Sent txs not yet seen in a block, by hash hex."""
        self.blocks: deque[tuple[int, float, int, int, str]] = deque(maxlen=BLOCKS_KEPT)
        """(height, monotonic time first seen, tx count, commit round, proposer) of every block
        followed."""
        self.next_api = 0

    async def start(self) -> int:
        """Learn the watch node's height (retrying until it answers); return it."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            with contextlib.suppress(httpx.HTTPError):  # not up yet: ask again
                answer = await self.watch_http.get("/v1/status")
                if answer.status_code == 200:
                    self.height = int(answer.json()["height"])
                    return self.height
            if time.monotonic() > deadline:
                raise LoadClientError(f"{self.watch_http.base_url} did not answer /v1/status")
            await asyncio.sleep(0.2)

    async def follow(self) -> None:
        """Follow the watch node's ``/v1/events`` forever; note when each tracked tx is first
        heard of, and keep a record per block.

        On connecting, and after a ``gap`` event, the heights the stream did not
        announce are read from ``GET /v1/blocks/{h}``; a dropped stream is
        connected again. Heights only go up: a ``block`` at or below the last
        one (a replay, out of order) is ignored, with its ``tx`` events.
        """
        guard = HeightGuard(self.height)
        while True:
            # dropped, refused or nonsense: connect again
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError, TypeError):
                await self._follow_stream(guard)
            await asyncio.sleep(POLL_S)

    async def _follow_stream(self, guard: HeightGuard) -> None:
        timeout = httpx.Timeout(REQUEST_TIMEOUT_S, read=None)  # a quiet chain sends keep-alives
        async with self.watch_http.stream("GET", "/v1/events", timeout=timeout) as answer:
            if answer.status_code != 200:
                raise ValueError(f"/v1/events answered {answer.status_code}")
            status = await self.watch_http.get("/v1/status")
            await self._read_back(guard.caught_up(int(status.json()["height"])))
            parser, announced = EventParser(), 0
            async for line in answer.aiter_lines():
                event = parser.feed(line)
                if event is None:
                    continue
                kind, data = event
                if kind == "block":
                    missed, new = guard.block(int(data["height"]))
                    await self._read_back(missed)
                    announced = int(data["height"]) if new else 0
                    if new:
                        self._heard_block(data, time.monotonic())
                elif kind == "tx" and announced and data.get("height") == announced:
                    self._heard_tx(str(data["hash"]), time.monotonic())
                elif kind == "gap":
                    announced = 0
                    await self._read_back(guard.gap(int(data["to"])))
                self.height = guard.height

    def _heard_block(self, event: dict[str, Any], seen: float) -> None:
        self.blocks.append((
            int(event["height"]), seen, int(event["txs"]), int(event.get("round", 0)),
            str(event.get("proposer", "")),
        ))  # fmt: skip

    def _heard_tx(self, tx_hash: str, seen: float) -> None:
        sent = self.tracked.pop(tx_hash, None)
        if sent is not None:
            sent.committed_at = seen

    async def _read_back(self, heights: list[int]) -> None:
        """Read blocks the stream did not announce from ``GET /v1/blocks/{h}``, in order."""
        for height in heights:
            while True:
                answer = await self.watch_http.get(f"/v1/blocks/{height}")
                if answer.status_code == 200:
                    break
                await asyncio.sleep(POLL_S)
            seen = time.monotonic()
            block = answer.json()
            hashes = block["txs"]
            self.blocks.append((
                height, seen, len(hashes), int((block.get("commit") or {}).get("round", 0)),
                str((block.get("header") or {}).get("proposer", "")),
            ))  # fmt: skip
            for tx_hash in hashes:
                self._heard_tx(tx_hash, seen)
            self.height = height

    async def _send(self, raws: list[bytes], sents: list[_Sent], counts: _StepCounts) -> None:
        url = f"{self.apis[self.next_api % len(self.apis)]}/v1/txs/batch"
        self.next_api += 1
        try:
            answer = await self.http.post(url, content=encode(raws), headers=_CBOR)
            outcomes = _batch_outcomes(answer, len(raws))
        except (httpx.HTTPError, ValueError) as exc:
            outcomes = [f"error:{type(exc).__name__}"] * len(raws)
        finally:
            self.in_flight -= 1
        for sent, outcome in zip(sents, outcomes, strict=True):
            if outcome is None:
                sent.accepted = True
                continue
            self.tracked.pop(sent.tx_hash, None)
            if outcome.startswith("error:"):
                counts.errors[outcome.removeprefix("error:")] += 1
            else:
                counts.refused[outcome] += 1

    async def step(self, command: dict[str, Any]) -> dict[str, Any]:
        """Send one step's txs on schedule, wait for their commits, report."""
        hashes, txs = _read_tx_file(command["txs"])
        start_at, rate = float(command["start_at"]), float(command["rate"])
        first = start_at + float(command["phase_s"])
        until_height = command.get("until_height")
        counts, sends, tasks = _StepCounts(), [], set()
        index = 0
        while index < len(txs):
            wait = first + index / rate - time.monotonic()
            await asyncio.sleep(max(wait, BATCH_WINDOW_S if index else 0.0))
            if until_height is not None and self.height >= until_height:
                counts.unsent = len(txs) - index
                break
            now = time.monotonic()
            due_until = max(index + 1, int((now - first) * rate) + 1)
            end = min(len(txs), index + BATCH_MAX_TXS, due_until)
            if self.in_flight >= self.in_flight_max:
                counts.behind += end - index
                index = end
                continue
            batch = []
            for j in range(index, end):
                counts.sent += 1
                counts.late += now - (first + j / rate) > LATE_S
                sent = _Sent(hashes[j], now)
                self.tracked[hashes[j]] = sent
                batch.append(sent)
            sends.extend(batch)
            self.in_flight += 1
            task = asyncio.create_task(self._send(txs[index:end], batch, counts))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            index = end
        await asyncio.gather(*tasks)
        deadline = start_at + float(command["seconds"]) + float(command["drain_s"])
        while time.monotonic() < deadline and any(
            s.accepted and s.committed_at is None for s in sends
        ):
            await asyncio.sleep(POLL_S)
        return self._step_answer(command, start_at, counts, sends, len(txs))

    def _step_answer(
        self,
        command: dict[str, Any],
        start_at: float,
        counts: _StepCounts,
        sends: list[_Sent],
        scheduled: int,
    ) -> dict[str, Any]:
        accepted = [s for s in sends if s.accepted]
        return {
            "event": "step",
            "step": command["step"],
            "scheduled": scheduled,
            "sent": counts.sent,
            "behind": counts.behind,
            "late": counts.late,
            "unsent": counts.unsent,
            "accepted": len(accepted),
            "refused": dict(counts.refused),
            "errors": dict(counts.errors),
            "hashes": [s.tx_hash for s in accepted],
            "send_s": [round(s.sent_at - start_at, 4) for s in accepted],
            "commit_s": [
                None if s.committed_at is None else round(s.committed_at - start_at, 4)
                for s in accepted
            ],
            "blocks": [
                [height, round(seen - start_at, 4), count, commit_round, proposer]
                for height, seen, count, commit_round, proposer in self.blocks
                if seen >= start_at
            ],
            "height": self.height,
        }

    async def settle(self, timeout_s: float) -> int:
        """Wait until every accepted tx is in a block or time is up; return how many are not."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not any(s.accepted for s in self.tracked.values()):
                return 0
            await asyncio.sleep(POLL_S)
        return sum(1 for s in self.tracked.values() if s.accepted)

    async def close(self) -> None:
        """Release both connection pools."""
        await self.http.aclose()
        await self.watch_http.aclose()


def _batch_outcomes(answer: httpx.Response, count: int) -> list[str | None]:
    """Per tx of a batch: None if admitted, else its refusal code (the whole batch's if refused)."""
    if answer.status_code != 200:
        return [error_code(answer)] * count
    results = answer.json()["results"]
    if not isinstance(results, list) or len(results) != count:
        raise ValueError("the batch answer does not match the txs sent")
    return [None if item.get("hash") else str(item["error"]["code"]) for item in results]


async def _serve(client: LoadClient, commands: TextIO, out: TextIO) -> None:
    emit(out, {"event": "ready", "height": await client.start()})
    watcher = asyncio.create_task(client.follow())
    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, commands.readline)
            if not line:
                return
            command = json.loads(line)
            if command["cmd"] == "step":
                emit(out, await client.step(command))
            elif command["cmd"] == "settle":
                outstanding = await client.settle(float(command["timeout_s"]))
                emit(out, {"event": "settled", "outstanding": outstanding})
            elif command["cmd"] == "quit":
                return
            else:
                raise LoadClientError(f"unknown command {command['cmd']!r}")
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of one load client process."""
    parser = argparse.ArgumentParser(prog="python -m govchain.bench.loadgen")
    parser.add_argument("--apis", required=True, help="comma-separated node API URLs")
    parser.add_argument("--watch", required=True, help="the node API whose blocks to follow")
    parser.add_argument("--in-flight", type=int, default=IN_FLIGHT_MAX)
    args = parser.parse_args(argv)
    client = LoadClient(args.apis.split(","), args.watch, args.in_flight)
    try:
        asyncio.run(_serve(client, sys.stdin, sys.stdout))
    except (LoadClientError, OSError, ValueError, KeyError) as exc:
        emit(sys.stdout, {"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
