"""The parent's side of the flooding client: start it, start and stop the flood, read its summary.

The client is a process running :mod:`govchain.bench.floodgen` (which
documents the JSON-lines conversation); its stderr goes to
``<workdir>/floodgen.log``.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from govchain.bench.child_lines import parse_answer
from govchain.bench.floodgen import READERS, START_TIMEOUT_S, SUBMITTERS, FloodClientError

__all__ = ["FLOOD_SOURCE", "FloodClient"]

FLOOD_SOURCE = "127.0.0.2"
"""The flood's source address: a loopback alias (Linux routes all of 127.0.0.0/8 to the
loopback device), so the node's rate limits count the flood apart from the bench (127.0.0.1)."""
STOP_TIMEOUT_S = 60.0
"""How long the summary may take once the flood is told to stop."""


class FloodClient:
    """One flooding client process; use as a context manager (it is stopped on exit)."""

    def __init__(
        self,
        api: str,
        work: Path,
        workdir: Path,
        *,
        source: str = FLOOD_SOURCE,
        readers: int = READERS,
        submitters: int = SUBMITTERS,
    ) -> None:
        self.api = api
        self.work = work
        self.workdir = workdir
        self.source = source
        self.readers = readers
        self.submitters = submitters
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    @property
    def log(self) -> Path:
        """Where the client's stderr goes."""
        return self.workdir / "floodgen.log"

    @property
    def pid(self) -> int:
        """The client's process id."""
        assert self._process is not None, "the client runs"
        return self._process.pid

    def __enter__(self) -> FloodClient:
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            self._spawn()
            self._expect("ready", START_TIMEOUT_S + 15)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _spawn(self) -> None:
        with self.log.open("w", encoding="utf-8") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable, "-m", "govchain.bench.floodgen",
                    "--api", self.api, "--work", str(self.work), "--source", self.source,
                    "--readers", str(self.readers), "--submitters", str(self.submitters),
                ],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            )  # fmt: skip
        self._reader = threading.Thread(target=self._read, args=(self._process,), daemon=True)
        self._reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _send(self, command: dict[str, Any]) -> None:
        assert self._process is not None, "the client runs"
        assert self._process.stdin is not None, "its stdin is a pipe"
        try:
            self._process.stdin.write(json.dumps(command) + "\n")
            self._process.stdin.flush()
        except OSError as exc:
            raise FloodClientError(f"the flooding client is gone: {exc}") from exc

    def _expect(self, event: str, timeout_s: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout_s)
        except queue.Empty:
            raise FloodClientError(
                f"the flooding client did not answer {event!r} within {timeout_s:g} s "
                f"(see {self.log})"
            ) from None
        answer = parse_answer(line, "the flooding client", self.log, FloodClientError)
        if answer.get("event") != event:
            raise FloodClientError(f"the flooding client answered {answer} to {event!r}")
        return answer

    def start(self, height: int) -> float:
        """Start the flood (blocks 1..``height`` are read); return when (monotonic) it started.

        Returns once the first answer came back: from then on the node is flooded.
        """
        self._send({"cmd": "start", "height": height})
        self._expect("started", START_TIMEOUT_S + 15)
        return time.monotonic()

    def stop(self) -> dict[str, Any]:
        """Stop the flood; its summary (see ``govchain.bench.floodgen.Flooder.summary``)."""
        self._send({"cmd": "stop"})
        return self._expect("flooded", STOP_TIMEOUT_S)

    def close(self) -> None:
        """Ask the client to quit; kill it if it does not within a few seconds."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(FloodClientError):
                self._send({"cmd": "quit"})
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        if self._reader is not None:
            self._reader.join(timeout=5)  # it ends at the end of the client's output
        if process.stdout is not None:
            process.stdout.close()
        self._process = None
