"""Issue 19 item 3 acceptance on a real network: the monitor, started as a subprocess, raises
"height stalled" and "validator missing" when a validator is killed and ends both when it
returns (F-E3, F-E6, N-3). It reads the nodes' API only."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from govchain.crypto import suite_for
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger import records
from govchain.monitor.probes import NodeWatch
from govchain.node import launcher
from govchain.node.netinit import VALIDATOR_KEY_FILE
from govchain.node.ports import free_base_port
from tests.govchain_cli import GOVCHAIN

from .network_support import kill_node, running_network, wait_for

CONFIG = """[thresholds]
height_stall_s = 4
missing_blocks = 3
[rules]
disabled = ["disk_low"]
"""


def _open_alerts(db: Path) -> set[tuple[str, str]]:
    if not db.exists():
        return set()
    with sqlite3.connect(db) as conn:
        try:
            rows = conn.execute("SELECT rule, subject FROM alerts WHERE ended_at IS NULL")
            return {(str(rule), str(subject)) for rule, subject in rows}
        except sqlite3.OperationalError:  # the table is not made yet
            return set()


def _ended(db: Path) -> set[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT rule, subject FROM alerts WHERE ended_at IS NOT NULL")
        return {(str(rule), str(subject)) for rule, subject in rows}


def _monitor_metrics(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.mark.timeout(300)
def test_killing_a_validator_starts_alerts_and_its_return_ends_them(tmp_path: Path) -> None:
    with running_network(tmp_path / "net", validators=4) as layout:
        urls = [n.api_url for n in layout.nodes]
        victim = layout.nodes[3]
        key = read_signing_key(victim.home / VALIDATOR_KEY_FILE)
        address = records.address_of(suite_for(key.suite_name), key.public_key).hex()

        # the node reports what the disk and mempool rules read
        watch = NodeWatch(urls[0], None, 0, 5)
        reading = watch.read(0)
        watch.close()
        assert reading.answered
        assert reading.mempool_limit == 10_000
        assert reading.free_bytes is not None
        assert reading.free_bytes > 0
        assert reading.round is not None

        config = tmp_path / "monitor.toml"
        config.write_text(CONFIG)
        state = tmp_path / "monitor"
        db = state / "alerts.sqlite"
        port = free_base_port(1)
        log = tmp_path / "monitor.log"
        args: list[str | Path] = [
            GOVCHAIN, "monitor", "run", "--node", ",".join(urls), "--config", config,
            "--state-dir", state, "--metrics-port", str(port), "--poll-s", "0.5",
        ]  # fmt: skip
        with log.open("ab") as out:
            monitor = subprocess.Popen(args, stdout=out, stderr=out)
        try:
            wait_for(lambda: db.exists() and (state / "monitor.json").exists(), 60,
                     "the monitor to follow the chain")  # fmt: skip
            assert _open_alerts(db) == set(), log.read_text()

            kill_node(victim.home)
            expected = {("height_stalled", victim.api_url), ("validator_missing", address)}
            try:
                wait_for(lambda: expected <= _open_alerts(db), 60, f"alerts {expected} to start")
            except AssertionError as exc:
                raise AssertionError(f"{exc}; open: {_open_alerts(db)}\n{log.read_text()}") from exc
            metrics = _monitor_metrics(port)
            assert metrics[("govchain_monitor_alerts_open", (("rule", "validator_missing"),))] == 1
            assert metrics[("govchain_monitor_node_up", (("node", victim.api_url),))] == 0
            assert metrics[("govchain_monitor_blocks", ())] >= 1

            launcher.up(layout)  # restarts only the killed one
            wait_for(lambda: not expected & _open_alerts(db), 120, f"alerts {expected} to end")
            assert expected <= _ended(db)
            text = log.read_text(encoding="utf-8", errors="replace")
            assert f"alert started validator_missing {address}" in text
            assert f"alert ended height_stalled {victim.api_url}" in text
            assert "Traceback" not in text
        finally:
            monitor.send_signal(signal.SIGTERM)
            try:
                monitor.wait(15)
            except subprocess.TimeoutExpired:
                monitor.kill()
                monitor.wait()
        assert monitor.returncode == 0, log.read_text()
