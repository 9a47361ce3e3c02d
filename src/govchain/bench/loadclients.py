"""The parent's side of the load clients: start them, run steps on all at once, merge answers.

Each client is a process running :mod:`govchain.bench.loadgen` (which
documents the JSON-lines conversation); its stderr goes to
``<workdir>/loadgen-<i>.log``. A step's txs are dealt out round robin and
each client starts at its own phase, so together they offer one even rate.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from govchain.bench.child_lines import parse_answer
from govchain.bench.loadgen import READY_TIMEOUT_S, LoadClientError, write_tx_file

__all__ = ["ClientStep", "LoadClients", "SeenBlock"]

START_LEAD_S = 0.5
"""Steps start this long after the command, so every client has read its txs."""


class SeenBlock(NamedTuple):
    """A block as a client's watcher saw it."""

    height: int
    seen_s: float
    """When it was first seen, from the step's start."""
    txs: int
    commit_round: int
    """The round its commit certificate is from (above 0: a round timed out first)."""
    proposer: str = ""
    """The proposer's address (hex) from the block's header."""


@dataclass(frozen=True)
class ClientStep:
    """What every client of one step reported, merged; times are offsets from the step start."""

    scheduled: int
    sent: int
    behind: int
    late: int
    unsent: int
    accepted: int
    refused: dict[str, int]
    errors: dict[str, int]
    send_s: tuple[float, ...]
    """Send time of each accepted tx."""
    commit_s: tuple[float | None, ...]
    """When each accepted tx was first seen in a block (None: not within the step's drain)."""
    blocks: tuple[SeenBlock, ...]
    """The blocks the first client saw from the step's start until it answered."""
    start_at: float
    """``time.monotonic()`` of the step's start."""
    seconds: float
    """How long the sends were spread over."""
    hashes: tuple[bytes, ...] = ()
    """The hash of each accepted tx (in the order of ``send_s``)."""

    @property
    def committed(self) -> int:
        """Accepted txs seen in a block."""
        return sum(1 for c in self.commit_s if c is not None)

    @property
    def committed_hashes(self) -> list[bytes]:
        """The hashes of the accepted txs seen in a block."""
        return [h for h, c in zip(self.hashes, self.commit_s, strict=True) if c is not None]

    @classmethod
    def merge(
        cls, answers: Sequence[dict[str, Any]], start_at: float, seconds: float
    ) -> ClientStep:
        """Add up the clients' answers to one step."""
        refused: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        for answer in answers:
            refused.update(answer["refused"])
            errors.update(answer["errors"])
        return cls(
            scheduled=sum(int(a["scheduled"]) for a in answers),
            sent=sum(int(a["sent"]) for a in answers),
            behind=sum(int(a["behind"]) for a in answers),
            late=sum(int(a["late"]) for a in answers),
            unsent=sum(int(a["unsent"]) for a in answers),
            accepted=sum(int(a["accepted"]) for a in answers),
            refused=dict(refused),
            errors=dict(errors),
            send_s=tuple(float(t) for a in answers for t in a["send_s"]),
            commit_s=tuple(None if t is None else float(t) for a in answers for t in a["commit_s"]),
            blocks=tuple(
                SeenBlock(int(h), float(t), int(n), int(r), str(rest[0]) if rest else "")
                for h, t, n, r, *rest in answers[0]["blocks"]
            ),
            start_at=start_at,
            seconds=seconds,
            hashes=tuple(bytes.fromhex(h) for a in answers for h in a.get("hashes", [])),
        )


class LoadClients:
    """``count`` load client processes; use as a context manager (they are stopped on exit)."""

    def __init__(
        self, apis: Sequence[str], watch: Sequence[str], count: int, workdir: Path
    ) -> None:
        assert count >= 1, "at least one client"
        assert apis, "at least one API to send to"
        assert watch, "at least one node to watch"
        self.apis = list(apis)
        self.watch = list(watch)
        self.count = count
        self.workdir = workdir
        self._processes: list[subprocess.Popen[str]] = []
        self._readers: list[threading.Thread] = []
        self._answers: queue.Queue[tuple[int, str | None]] = queue.Queue()

    @property
    def pids(self) -> list[int]:
        """Process ids of the clients."""
        return [p.pid for p in self._processes]

    def __enter__(self) -> LoadClients:
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            for index in range(self.count):
                self._spawn(index)
            self._collect("ready", READY_TIMEOUT_S + 15)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _spawn(self, index: int) -> None:
        apis = self.apis[index % len(self.apis) :] + self.apis[: index % len(self.apis)]
        log = (self.workdir / f"loadgen-{index}.log").open("w", encoding="utf-8")
        try:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "govchain.bench.loadgen",
                    "--apis", ",".join(apis),
                    "--watch", self.watch[index % len(self.watch)],
                ],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            )  # fmt: skip
        finally:
            log.close()
        self._processes.append(process)
        reader = threading.Thread(target=self._read, args=(index, process), daemon=True)
        reader.start()
        self._readers.append(reader)

    def _read(self, index: int, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._answers.put((index, line))
        self._answers.put((index, None))

    def _send(self, index: int, command: dict[str, Any]) -> None:
        stdin = self._processes[index].stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps(command) + "\n")
            stdin.flush()
        except OSError as exc:
            raise LoadClientError(f"load client {index} is gone: {exc}") from exc

    def _collect(self, event: str, timeout_s: float) -> list[dict[str, Any]]:
        """One ``event`` answer from every client, in client order."""
        answers: dict[int, dict[str, Any]] = {}
        deadline = time.monotonic() + timeout_s
        while len(answers) < self.count:
            try:
                index, line = self._answers.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise LoadClientError(
                    f"load clients did not answer {event!r} within {timeout_s:g} s "
                    f"(logs in {self.workdir})"
                ) from None
            answer = self._parse(index, line)
            if answer.get("event") != event:
                raise LoadClientError(f"load client {index} answered {answer} to {event!r}")
            answers[index] = answer
        return [answers[i] for i in range(self.count)]

    def _parse(self, index: int, line: str | None) -> dict[str, Any]:
        log = self.workdir / f"loadgen-{index}.log"
        return parse_answer(line, f"load client {index}", log, LoadClientError)

    def run_step(
        self,
        step: int,
        txs: Sequence[tuple[bytes, bytes]],
        rate_tps: float,
        drain_s: float,
        until_height: int | None = None,
    ) -> ClientStep:
        """Offer ``txs`` at ``rate_tps`` in all, spread evenly over the clients; wait for answers.

        Tx ``j`` goes to client ``j % count`` and is due ``j / rate_tps`` after the start.
        """
        assert rate_tps > 0, "a step has a rate"
        assert txs, "a step sends something"
        seconds = len(txs) / rate_tps
        start_at = time.monotonic() + START_LEAD_S
        for index in range(self.count):
            path = self.workdir / f"step-{step}-client-{index}.json"
            write_tx_file(path, txs[index :: self.count])
            command = {
                "cmd": "step",
                "step": step,
                "txs": str(path),
                "rate": rate_tps / self.count,
                "phase_s": index / rate_tps,
                "start_at": start_at,
                "seconds": seconds,
                "drain_s": drain_s,
                "until_height": until_height,
            }
            self._send(index, command)
        answers = self._collect("step", START_LEAD_S + seconds + drain_s + 60)
        for index in range(self.count):
            (self.workdir / f"step-{step}-client-{index}.json").unlink(missing_ok=True)
        return ClientStep.merge(answers, start_at, seconds)

    def settle(self, timeout_s: float) -> int:
        """Wait until every accepted tx of every client is committed; return how many are not."""
        for index in range(self.count):
            self._send(index, {"cmd": "settle", "timeout_s": timeout_s})
        return sum(int(a["outstanding"]) for a in self._collect("settled", timeout_s + 30))

    def close(self) -> None:
        """Ask every client to quit; kill those that do not within a few seconds."""
        for index, process in enumerate(self._processes):
            if process.poll() is None:
                with contextlib.suppress(LoadClientError):
                    self._send(index, {"cmd": "quit"})
        for process in self._processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()
        for reader in self._readers:
            reader.join(timeout=5)  # it ends at the end of the client's output
        for process in self._processes:
            if process.stdout is not None:
                process.stdout.close()
        self._processes.clear()
        self._readers.clear()
