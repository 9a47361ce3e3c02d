"""Kill a block writer with SIGKILL at random instants; the ledger must stay whole (issue 3).

After every kill the reopened store passes ``verify_chain``, its last block
is complete, and no height the writer acknowledged is lost.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from govchain.ledger.home import open_chain
from govchain.ledger.verify import verify_chain

ROOT = Path(__file__).resolve().parents[2]
KILLS = 8


def _acknowledged(output: bytes) -> int:
    heights = [int(line) for line in output.split() if line.strip().isdigit()]
    return max(heights, default=0)


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
        time.sleep(rng.uniform(0.5, 1.3))
        writer.send_signal(signal.SIGKILL)
        out, err = writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL, err.decode()
        acknowledged = max(acknowledged, _acknowledged(out))
        chain = open_chain(home)
        try:
            report = verify_chain(chain)
            assert report.ok, (report.error_height, report.error)
            assert chain.height >= acknowledged
        finally:
            chain.store.close()
    assert acknowledged > 0, "the writer never committed a block; the harness tested nothing"
