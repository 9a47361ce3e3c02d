"""``make run``: the network, the indexer, the monitor and the console, seeded with a demo
(issue 19 item 7), and an alert that appears when a validator stops and clears when it
returns, seen in real Chromium (issue 19 item 6 acceptance; F-E3).

One network for the module, started with the commands of the Makefile's ``run`` target
(read from the Makefile, plus a free base port): 4 validators, 2 storage nodes and the three
apps, as a subprocess in its own session like a terminal's ``make run``. The monitor runs with
short thresholds (``D/apps/monitor.toml``, written before the first run, as an operator edits
it). The tests run in order: the console shows the seeded case; a stopped validator's alert
comes and goes on the overview with no reload; Ctrl-C (SIGINT to the session) stops every
process, and a second run reuses the network and seeds nothing.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, read_layout
from govchain.node.ports import free_base_port
from tests.browser.browser_support import CHROMIUM, NEEDS_CHROMIUM, screenshots_dir
from tests.govchain_cli import GOVCHAIN, govchain_json
from tests.integration.network_support import wait_for
from tests.s3_server import free_ports

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "Ctrl-C stops every node."
SHORT_THRESHOLDS = "[thresholds]\nheight_stall_s = 4\nmissing_blocks = 3\n"

pytestmark = pytest.mark.timeout(900)


def _make_run_commands(local: Path) -> tuple[list[str], list[str]]:
    """The Makefile's ``RUN_INIT`` and ``RUN_UP`` with ``$(LOCAL_NET)`` set to ``local``."""
    found = dict(re.findall(r"^(RUN_INIT|RUN_UP) := (.+)$", (ROOT / "Makefile").read_text(), re.M))
    init, up = (shlex.split(found[k].replace("$(LOCAL_NET)", str(local))) for k in found)
    return init, up


@dataclass
class Run:
    """``make run`` in progress: its directory, its command, its output and the seeded case."""

    layout: NetworkLayout
    up: list[str]
    out: Path
    process: subprocess.Popen[bytes]
    console: str
    case: str
    shots: Path


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _start(command: list[str], out: Path) -> subprocess.Popen[bytes]:
    with out.open("ab") as sink:
        return subprocess.Popen(
            [str(GOVCHAIN), *command],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: SIGINT to it is a terminal's Ctrl-C
        )


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")
    except OSError:
        return True


def _every_pid(layout: NetworkLayout) -> list[int]:
    """The pids of every node, storage node and app, as net status --json lists them."""
    status = govchain_json("net", "status", "--dir", layout.directory, "--json")
    pids = [n["pid"] for n in (*status["nodes"], *status["storage_nodes"], *status["apps"])]
    assert None not in pids, status
    assert [a["name"] for a in status["apps"]] == ["indexer", "monitor", "console"], status
    return [int(pid) for pid in pids]


def _ctrl_c(run: Run) -> None:
    os.killpg(run.process.pid, signal.SIGINT)
    run.process.wait(120)


def _answers(url: str) -> str | None:
    try:
        answer = httpx.get(url, timeout=3)
    except httpx.HTTPError:
        return None
    return answer.text if answer.status_code == 200 else None


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("make-run")
    shots = screenshots_dir(tmp, "make run")
    local = tmp / "local"
    init, up = _make_run_commands(local)
    assert up[-1] == "--with-console", up
    assert "--demo" in init, init
    subprocess.run(
        [str(GOVCHAIN), *init, "--base-port", str(free_base_port(10))],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    layout = read_layout(local)
    apps = local / "apps"  # what an operator may set before the first run
    apps.mkdir()
    (apps / "monitor.toml").write_text(SHORT_THRESHOLDS, encoding="utf-8")
    (apps / "apps.json").write_text(json.dumps({"console_port": free_ports(1)[0]}))
    out = tmp / "run.out"
    process = _start(up, out)
    try:
        wait_for(lambda: "demo seeded: case" in _text(out) or process.poll() is not None, 300,
                 "make run to seed the demo")  # fmt: skip
        said = _text(out)
        assert process.poll() is None, said
        console = re.search(r"^  console  (http://\S+)/$", said, re.M)
        case = re.search(r"^demo seeded: case ([0-9a-f]{32}), see ", said, re.M)
        assert console, said
        assert case, said
        yield Run(layout, up, out, process, console.group(1), case.group(1), shots)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        launcher.down(layout, grace_s=5)
    assert "Traceback" not in _text(out)
    for log in apps.glob("*/node.out"):
        assert "Traceback" not in _text(log), log


def test_make_run_prints_the_console_beside_the_apis_and_shows_the_seeded_case(run: Run) -> None:
    said = _text(run.out)
    for node in run.layout.nodes:
        assert f"API {node.api_url}" in said
    for app in ("indexer", "monitor", "console"):
        assert f"started {app} (pid " in said
    wait_for(lambda: run.case in (_answers(run.console + "/cases") or ""), 60,
             "the console to list the seeded case")  # fmt: skip
    case = _answers(f"{run.console}/cases/{run.case}")
    assert case is not None
    assert "licence" in case  # in progress: its first step waits
    assert "待办理" in case
    assert len(_every_pid(run.layout)) == 4 + 2 + 3


@NEEDS_CHROMIUM
def test_an_alert_appears_when_a_validator_stops_and_clears_when_it_returns(run: Run) -> None:
    node = run.layout.nodes[3]
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM))
        try:
            page: Page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(run.console + "/")
            stalled = page.locator("#alerts tbody tr", has_text=node.api_url).filter(
                has_text="height_stalled"
            )
            expect(stalled).to_have_count(0)
            page.evaluate("window.notReloaded = true")
            pid = launcher.running_pid(node.home)
            assert pid is not None
            os.kill(pid, signal.SIGTERM)  # stops cleanly: net up leaves it stopped
            expect(stalled).to_have_count(1, timeout=90_000)
            assert "critical" in stalled.text_content()
            row = page.locator("#live tbody tr", has_text=node.api_url).first
            assert "无应答" in row.text_content()  # the node itself shows as not answering
            page.screenshot(path=run.shots / "make-run-alert.png", full_page=True)
            launcher.start_node(node)  # it returns
            expect(stalled).to_have_count(0, timeout=120_000)
            expect(page.locator("#live tbody tr", has_text=node.api_url).first).to_contain_text(
                "在线"
            )
            assert page.evaluate("window.notReloaded") is True
            page.screenshot(path=run.shots / "make-run-alert-cleared.png", full_page=True)
        finally:
            browser.close()


def test_ctrl_c_stops_every_process_and_a_second_run_seeds_nothing(run: Run) -> None:
    pids = _every_pid(run.layout)
    _ctrl_c(run)
    assert [pid for pid in pids if not _gone(pid)] == []
    assert "stopping ..." in _text(run.out)
    seed_out = run.layout.directory / "demo" / "seed.out"
    seeded_before = _text(seed_out)
    run.process = _start(run.up, run.out)  # make run again: network.json is there, no init
    wait_for(lambda: _text(run.out).count(READY_LINE) == 2 or run.process.poll() is not None,
             180, "the second run to be ready")  # fmt: skip
    assert f"demo already seeded: case {run.case}" in _text(run.out)
    pids = _every_pid(run.layout)
    wait_for(lambda: run.case in (_answers(run.console + "/cases") or ""), 60, "the console")
    cases = _answers(run.console + "/cases") or ""
    assert len(set(re.findall(r"/cases/([0-9a-f]{32})", cases))) == 1
    _ctrl_c(run)
    assert [pid for pid in pids if not _gone(pid)] == []
    assert _text(seed_out) == seeded_before  # the seed did not run again
