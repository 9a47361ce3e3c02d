"""The flooding client process of ``govchain bench api-flood``: one client, as fast as it can.

A client runs as ``python -m govchain.bench.floodgen --api URL --work FILE
--source ADDRESS [--readers N] [--submitters N]`` and floods one node's API
closed loop: each of ``--readers`` tasks sends its next read the moment the
last one is answered, in turn ``GET /v1/status``, ``/v1/blocks/{h}``,
``/v1/txs/{hash}``, ``/v1/notary/{digest}`` and ``/v1/evidence``; each of
``--submitters`` tasks does the same with ``POST /v1/txs/batch``, sending
batches of up to 1,000 txs signed ahead of time in turn: a batch refused
whole (429, 503) comes round again, one answered 200 only once every batch
has been (then as a replay). It never waits for
``Retry-After``: it is the client the rate limits are for. It sends from its
own source address (a loopback alias such as 127.0.0.2), so the node counts
it as a client apart from the bench's own reads and load.

The work file (JSON) names the batch bodies, each a CBOR array of signed txs
in a file of its own, and the tx hashes and document digests to read::

    {"batches": [PATH, ...], "tx_hashes": [HEX, ...], "digests": [HEX, ...]}

The parent speaks to the client in JSON lines, commands on its stdin and one
answer per command on its stdout::

    <- {"event": "ready"}            (batches loaded; the API answers from the source)
    -> {"cmd": "start", "height": H} (blocks 1..H are read)
    <- {"event": "started"}          (the first answer came back)
    -> {"cmd": "stop"}
    <- {"event": "flooded", ...}     (see ``Flooder.summary``)
    -> {"cmd": "quit"}

:class:`govchain.bench.floodclient.FloodClient` is the parent's side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import httpx

from govchain.bench.child_lines import emit, error_code
from govchain.types.errors import GovChainError

__all__ = ["READ_KINDS", "FloodClientError", "FloodWork", "Flooder", "main", "write_work"]

READ_KINDS = ("status", "block", "tx", "notary", "evidence")
"""The reads a reader sends, in turn."""
READERS = 32
SUBMITTERS = 4
REQUEST_TIMEOUT_S = 10.0
START_TIMEOUT_S = 30.0
"""How long the first answer may take (also for the check that the source reaches the API)."""
ERROR_PAUSE_S = 0.05
"""A task pauses this long after a request got no answer, so a dead node is not spun on."""
_CBOR = {"content-type": "application/cbor"}


class FloodClientError(GovChainError):
    """The flooding client died, answered nonsense, or could not reach the node."""

    code = "bench_flood_client"


@dataclass(frozen=True)
class FloodWork:
    """What a flooding client sends: batch bodies, and the tx hashes and digests it reads."""

    batches: tuple[bytes, ...]
    tx_hashes: tuple[str, ...]
    digests: tuple[str, ...]


def write_work(
    directory: Path, batches: Sequence[bytes], tx_hashes: Sequence[bytes], digests: Sequence[bytes]
) -> Path:
    """Write the batch bodies and the work file into ``directory``; return the work file."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, body in enumerate(batches):
        path = directory / f"flood-batch-{index:04d}.cbor"
        path.write_bytes(body)
        paths.append(str(path))
    work = directory / "flood-work.json"
    document = {
        "batches": paths,
        "tx_hashes": [h.hex() for h in tx_hashes],
        "digests": [d.hex() for d in digests],
    }
    work.write_text(json.dumps(document), encoding="utf-8")
    return work


def _read_work(path: str) -> FloodWork:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    return FloodWork(
        tuple(Path(p).read_bytes() for p in document["batches"]),
        tuple(str(h) for h in document["tx_hashes"]),
        tuple(str(d) for d in document["digests"]),
    )


def _retry_after_ok(answer: httpx.Response) -> bool:
    """Whether the answer says when to come back: ``Retry-After`` in whole seconds, at least 1."""
    value = answer.headers.get("retry-after", "")
    return value.isdigit() and int(value) >= 1


class Flooder:
    """The flood's tasks and what came back, on one asyncio loop."""

    def __init__(
        self,
        api: str,
        work: FloodWork,
        source: str,
        readers: int = READERS,
        submitters: int = SUBMITTERS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        assert readers + submitters >= 1, "a flood sends something"
        assert len(work.batches) >= submitters, "a batch for each submitter at least"
        self.work = work
        self.readers = readers
        self.submitters = submitters
        connections = readers + submitters
        self.http = httpx.AsyncClient(
            base_url=api,
            timeout=REQUEST_TIMEOUT_S,
            transport=transport
            or httpx.AsyncHTTPTransport(
                local_address=source,
                limits=httpx.Limits(
                    max_connections=connections, max_keepalive_connections=connections
                ),
            ),
        )
        self.height = 0
        self._reads = 0
        self._fresh: deque[int] = deque(range(len(work.batches)))
        """Batches not yet taken by the node (each 429 or 503 sends one back here), in turn."""
        self._spent: deque[int] = deque()
        """Batches answered 200: sent again only once no fresh one is left (as replays)."""
        self._tasks: list[asyncio.Task[None]] = []
        self._answered = asyncio.Event()
        self._started_at = 0.0
        self._status: defaultdict[str, Counter[str]] = defaultdict(Counter)
        """kind -> HTTP status -> answers."""
        self._errors: Counter[str] = Counter()
        self._codes: Counter[str] = Counter()
        self._latency_ms: defaultdict[str, list[float]] = defaultdict(list)
        self._retry_after_missing = 0
        self._unfinished = 0
        self._batch_txs: Counter[str] = Counter()

    async def check(self) -> None:
        """FloodClientError unless the API answers from the source address."""
        try:
            await self.http.get("/v1/status", timeout=START_TIMEOUT_S)
        except httpx.HTTPError as exc:
            raise FloodClientError(
                f"cannot reach {self.http.base_url} from this client's source address: {exc}"
            ) from exc

    async def start(self, height: int) -> None:
        """Start every task; return once the first answer came back."""
        self.height = height
        self._started_at = time.monotonic()
        tasks = [self._read_loop() for _ in range(self.readers)]
        tasks += [self._submit_loop() for _ in range(self.submitters)]
        self._tasks = [asyncio.create_task(task) for task in tasks]
        try:
            await asyncio.wait_for(self._answered.wait(), START_TIMEOUT_S)
        except TimeoutError:
            raise FloodClientError(f"no answer in {START_TIMEOUT_S:g} s of flooding") from None

    async def stop(self) -> dict[str, Any]:
        """Cancel every task (requests in flight are dropped) and return the summary."""
        seconds = time.monotonic() - self._started_at
        failures = await self.cancel()
        if failures:
            raise FloodClientError(f"a flood task failed: {failures[0]!r}")
        return self.summary(seconds)

    async def cancel(self) -> list[BaseException]:
        """Cancel every task, wait until they are gone; return what any of them raised."""
        for task in self._tasks:
            task.cancel()
        ended = await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        return [
            e
            for e in ended
            if isinstance(e, BaseException) and not isinstance(e, asyncio.CancelledError)
        ]

    def _next_read(self) -> tuple[str, str]:
        """The kind and path of the next read (kinds without targets are skipped)."""
        while True:
            turn, self._reads = self._reads, self._reads + 1
            kind, index = READ_KINDS[turn % len(READ_KINDS)], turn // len(READ_KINDS)
            if kind == "status":
                return kind, "/v1/status"
            if kind == "block":
                height = 1 + index % self.height if self.height else "latest"
                return kind, f"/v1/blocks/{height}"
            if kind == "evidence":
                return kind, "/v1/evidence"
            targets = self.work.tx_hashes if kind == "tx" else self.work.digests
            if targets:
                prefix = "/v1/txs/" if kind == "tx" else "/v1/notary/"
                return kind, prefix + targets[index % len(targets)]

    async def _read_loop(self) -> None:
        while True:
            kind, path = self._next_read()
            await self._request(kind, "GET", path, None)

    async def _submit_loop(self) -> None:
        while True:
            fresh = bool(self._fresh)
            index = self._fresh.popleft() if fresh else self._spent.popleft()
            answer = await self._request("batch", "POST", "/v1/txs/batch", self.work.batches[index])
            taken = answer is not None and answer.status_code == 200
            (self._fresh if fresh and not taken else self._spent).append(index)
            if answer is not None and taken:
                self._count_batch(answer)

    def _count_batch(self, answer: httpx.Response) -> None:
        try:
            results = answer.json()["results"]
            for item in results:
                if item.get("hash"):
                    self._batch_txs["accepted"] += 1
                else:
                    self._batch_txs[f"refused:{item['error']['code']}"] += 1
        except (ValueError, KeyError, TypeError, AttributeError):
            self._errors["malformed_batch_answer"] += 1

    async def _request(
        self, kind: str, method: str, path: str, body: bytes | None
    ) -> httpx.Response | None:
        sent_at = time.monotonic()
        try:
            answer = await self.http.request(
                method, path, content=body, headers=_CBOR if body is not None else None
            )
        except asyncio.CancelledError:
            self._unfinished += 1
            raise
        except httpx.HTTPError as exc:
            self._errors[type(exc).__name__] += 1
            await asyncio.sleep(ERROR_PAUSE_S)
            return None
        status = str(answer.status_code)
        self._status[kind][status] += 1
        self._latency_ms[status].append(round(1000 * (time.monotonic() - sent_at), 2))
        if answer.status_code >= 400:
            self._codes[error_code(answer)] += 1
        if answer.status_code in (429, 503) and not _retry_after_ok(answer):
            self._retry_after_missing += 1
        self._answered.set()
        return answer

    def summary(self, seconds: float) -> dict[str, Any]:
        """What the flood sent and what came back (JSON-ready)."""
        status: Counter[str] = Counter()
        for counts in self._status.values():
            status.update(counts)
        answered = sum(status.values())
        errors = sum(self._errors.values())
        return {
            "event": "flooded",
            "seconds": round(seconds, 3),
            "readers": self.readers,
            "submitters": self.submitters,
            "sent": answered + errors,
            "answered": answered,
            "unfinished": self._unfinished,
            "status": dict(sorted(status.items())),
            "by_kind": {k: dict(sorted(v.items())) for k, v in sorted(self._status.items())},
            "codes": dict(sorted(self._codes.items())),
            "errors": dict(sorted(self._errors.items())),
            "retry_after_missing": self._retry_after_missing,
            "batch_txs": dict(sorted(self._batch_txs.items())),
            "latency_ms": dict(sorted(self._latency_ms.items())),
        }

    async def close(self) -> None:
        """Release the connection pool."""
        await self.http.aclose()


async def _serve(flooder: Flooder, commands: TextIO, out: TextIO) -> None:
    loop = asyncio.get_running_loop()
    try:
        await flooder.check()
        emit(out, {"event": "ready"})
        while True:
            line = await loop.run_in_executor(None, commands.readline)
            if not line:
                return
            command = json.loads(line)
            if command["cmd"] == "start":
                await flooder.start(int(command["height"]))
                emit(out, {"event": "started"})
            elif command["cmd"] == "stop":
                emit(out, await flooder.stop())
            elif command["cmd"] == "quit":
                return
            else:
                raise FloodClientError(f"unknown command {command['cmd']!r}")
    finally:
        await flooder.cancel()
        await flooder.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the flooding client process."""
    parser = argparse.ArgumentParser(prog="python -m govchain.bench.floodgen")
    parser.add_argument("--api", required=True, help="the node API to flood")
    parser.add_argument("--work", required=True, help="the work file (see the module doc)")
    parser.add_argument("--source", required=True, help="the local address to send from")
    parser.add_argument("--readers", type=int, default=READERS)
    parser.add_argument("--submitters", type=int, default=SUBMITTERS)
    args = parser.parse_args(argv)
    try:
        work = _read_work(args.work)
        flooder = Flooder(args.api, work, args.source, args.readers, args.submitters)
        asyncio.run(_serve(flooder, sys.stdin, sys.stdout))
    except (FloodClientError, OSError, ValueError, KeyError) as exc:
        emit(sys.stdout, {"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
