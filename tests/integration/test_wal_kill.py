"""SIGKILL a process of 4 validator drivers at seeded random moments (issue 4, F-A2).

Each restart reuses the same chains and WALs. Across every incarnation no
validator may sign two different messages for one (height, round, step),
each restart must commit past the heights at the kill, the four chains must
agree block by block, and each must pass ``ledger verify``.
"""

from __future__ import annotations

import queue
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
SEED = 20261124
KILLS = 10
VALIDATORS = 4
PROGRESS_SECONDS = 30.0


def _lines(stream: IO[bytes], out: queue.Queue[str]) -> None:
    for raw in stream:
        out.put(raw.decode().strip())


def _await_progress(
    child: subprocess.Popen[bytes], lines: queue.Queue[str], past: list[int]
) -> None:
    """Block until the child reports every height above ``past``."""
    deadline = time.monotonic() + PROGRESS_SECONDS
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no progress past {past} within {PROGRESS_SECONDS} s"
        assert child.poll() is None, f"the child exited with code {child.returncode}"
        try:
            line = lines.get(timeout=min(remaining, 0.5))
        except queue.Empty:
            continue
        if line.startswith("heights "):
            heights = [int(h) for h in line.split()[1:]]
            if all(h > p for h, p in zip(heights, past, strict=True)):
                return


def _stored_heights(root: Path) -> list[int]:
    heights = []
    for index in range(VALIDATORS):
        chain = open_chain(root / f"v{index}")
        try:
            heights.append(chain.height)
        finally:
            chain.store.close()
    return heights


def _sent_signatures(root: Path) -> tuple[dict[tuple[str, int, int, int], set[str]], int]:
    """Every signed message sent, by signer and step, over every incarnation.

    Also counts the messages a validator sent again, unchanged, in a later
    incarnation: proof that restarts resumed from the WAL.
    """
    signed: dict[tuple[str, int, int, int], set[str]] = {}
    resent = 0
    for index in range(VALIDATORS):
        incarnation = 0
        seen_in: dict[tuple[str, int, int, int], int] = {}
        text = (root / f"v{index}" / "sent.log").read_text()
        for line in text.splitlines(keepends=True):
            fields = line.split()
            if not line.endswith("\n") or fields[0] == "decision":
                continue  # a torn last line, or a decision (not signed by its sender)
            if fields[0] == "start":
                incarnation += 1
                continue
            signer, height, round_, step, digest = fields
            key = (signer, int(height), int(round_), int(step))
            signed.setdefault(key, set()).add(digest)
            if seen_in.setdefault(key, incarnation) != incarnation:
                seen_in[key] = incarnation
                resent += 1
    return signed, resent


def _block_hashes(root: Path, height: int) -> list[bytes]:
    hashes = []
    for index in range(VALIDATORS):
        chain = open_chain(root / f"v{index}")
        try:
            with chain.view() as view:
                hashes.append(view.block_hash(height))
        finally:
            chain.store.close()
    return hashes


def test_sigkilled_validators_recover_without_double_signing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    errors = tmp_path / "child-stderr.txt"
    past = [0] * VALIDATORS
    kill_heights = []
    for _ in range(KILLS):
        with errors.open("ab") as stderr:
            child = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.wal_kill_child", str(tmp_path)],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        assert child.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        reader = threading.Thread(target=_lines, args=(child.stdout, lines), daemon=True)
        reader.start()
        try:
            _await_progress(child, lines, past)
            time.sleep(rng.uniform(0.0, 1.0))  # a random moment: mid-round, mid-WAL, mid-commit
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            reader.join(timeout=30)
            child.stdout.close()
        assert child.returncode == -signal.SIGKILL, errors.read_text()
        stored = _stored_heights(tmp_path)
        assert all(s > p for s, p in zip(stored, past, strict=True)), (stored, past)
        past = stored
        kill_heights.append(stored)

    signed, resent = _sent_signatures(tmp_path)
    conflicts = {key: digests for key, digests in signed.items() if len(digests) > 1}
    assert conflicts == {}, f"double signing: {conflicts}"
    assert resent > 0, "no restart resumed a height it had signed in; the kills tested little"
    for height in range(1, min(past) + 1):
        assert len(set(_block_hashes(tmp_path, height))) == 1, f"disagreement at {height}"
    for index in range(VALIDATORS):
        chain = open_chain(tmp_path / f"v{index}")
        try:
            report = verify_chain(chain)
        finally:
            chain.store.close()
        assert report.ok, (index, report.error_height, report.error)
    assert len(kill_heights) == KILLS, kill_heights
