"""Kill a block writer with SIGKILL at random instants; the ledger must stay whole (issue 3).

After every kill the reopened store passes ``verify_chain``, its last block
is complete, and no height the writer acknowledged is lost.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from govchain.ledger.home import open_chain
from govchain.ledger.verify import verify_chain

ROOT = Path(__file__).resolve().parents[2]
KILLS = 8
START_WAIT_S = 60.0  # a deadline: the writer normally acknowledges within a second


def _first_acknowledgement(writer: subprocess.Popen[bytes], heights: list[int]) -> None:
    """Block until the writer has acknowledged a height (it is committing), or fail."""
    deadline = time.monotonic() + START_WAIT_S
    while not heights:
        assert writer.poll() is None, f"the writer exited with code {writer.returncode}"
        assert time.monotonic() < deadline, f"no block acknowledged within {START_WAIT_S:g} s"
        time.sleep(0.01)


def _read_heights(stream: IO[bytes], heights: list[int]) -> None:
    for line in stream:
        if line.strip().isdigit():
            heights.append(int(line))


def test_sigkill_during_commits_never_corrupts(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    home = tmp_path / "node"
    acknowledged = 0
    for _ in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.ledger_writer", str(home)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert writer.stdout is not None
        assert writer.stderr is not None
        heights: list[int] = []
        reader = threading.Thread(target=_read_heights, args=(writer.stdout, heights))
        reader.start()
        try:
            _first_acknowledgement(writer, heights)
            time.sleep(rng.uniform(0.0, 0.8))  # a random moment among the commits
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=30)
            reader.join(timeout=30)
            err = writer.stderr.read()
            writer.stdout.close()
            writer.stderr.close()
        assert writer.returncode == -signal.SIGKILL, err.decode()
        acknowledged = max(acknowledged, *heights)
        chain = open_chain(home)
        try:
            report = verify_chain(chain)
            assert report.ok, (report.error_height, report.error)
            assert chain.height >= acknowledged
        finally:
            chain.store.close()
    assert acknowledged > 0, "the writer never committed a block; the harness tested nothing"
