"""The apps of ``net up --with-console`` (issue 19 item 7): their layout, command lines and
how a running one is known; ``net init --demo`` gives the demo's members."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from govchain.enterprise_demo.plan import DEMO_MEMBERS
from govchain.ledger.genesis_file import load_genesis
from govchain.node import launcher
from govchain.node.app_processes import app_processes, apps_laid_out, lay_out_apps
from govchain.node.netinit import NetworkLayout, init_network, read_layout
from govchain.types.errors import ValidationError
from tests.govchain_cli import govchain
from tests.integration.network_support import wait_for


@pytest.fixture
def layout(tmp_path: Path) -> NetworkLayout:
    return init_network(tmp_path / "net", validators=2, base_port=27100)


def test_no_apps_before_net_up_with_console(layout: NetworkLayout) -> None:
    assert not apps_laid_out(layout.directory)
    assert app_processes(layout) == ()


def test_the_apps_are_laid_out_once_and_read_the_nodes_api_only(layout: NetworkLayout) -> None:
    apps = lay_out_apps(layout)
    assert [a.name for a in apps] == ["indexer", "monitor", "console"]
    port = json.loads((layout.directory / "apps" / "apps.json").read_text())["console_port"]
    indexer, monitor, console = apps
    assert console.url == f"http://127.0.0.1:{port}"
    assert indexer.ready_file == layout.directory / "apps" / "indexer" / "index.db"
    assert monitor.ready_file == layout.directory / "apps" / "monitor" / "alerts.sqlite"
    for app in apps:
        argv = " ".join(app.argv())
        assert layout.nodes[0].api_url in argv
        assert "lmdb" not in argv.lower()
    assert f"--db sqlite:///{indexer.ready_file.resolve()}" in " ".join(console.argv())
    assert f"--alerts {monitor.ready_file}" in " ".join(console.argv())
    for node in layout.nodes:  # the monitor watches each node on its own
        assert f"--node {node.api_url}" in " ".join(monitor.argv())
    config = layout.directory / "apps" / "monitor.toml"
    config.write_text("[thresholds]\nheight_stall_s = 5\n")
    again = lay_out_apps(layout)  # a second run keeps the port and the operator's config
    assert again == apps
    assert config.read_text() == "[thresholds]\nheight_stall_s = 5\n"


@pytest.mark.parametrize("content", ["{", '{"console_port": 0}', '{"console_port": "80"}', "{}"])
def test_an_apps_file_not_as_written_is_refused_in_one_line(
    layout: NetworkLayout, content: str
) -> None:
    lay_out_apps(layout)
    (layout.directory / "apps" / "apps.json").write_text(content)
    with pytest.raises(ValidationError, match=r"apps\.json"):
        app_processes(layout)


def test_a_pid_counts_as_an_app_only_for_its_command_and_network(
    layout: NetworkLayout, tmp_path: Path
) -> None:
    _, monitor, _ = lay_out_apps(layout)
    assert launcher.pid_of(monitor) is None  # no pid file yet
    other = tmp_path / "other"
    sleeper = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "monitor", "run",
         "--state-dir", str(other)]
    )  # fmt: skip
    try:
        (monitor.home / launcher.PID_FILE).write_text(f"{sleeper.pid}\n")
        assert launcher.pid_of(monitor) is None  # another network's state dir
    finally:
        sleeper.kill()
        sleeper.wait()
    started = launcher.start_node(monitor)  # the real command, pid file written by the launcher
    try:
        assert int((monitor.home / launcher.PID_FILE).read_text()) == started.pid
        assert launcher.pid_of(monitor) == started.pid
        known = (monitor.command, monitor.owner_option, monitor.owner_path)
        wait_for(lambda: launcher.is_process_of(started.pid, *known), 10, "its command line")
    finally:
        started.kill()
        started.wait()
    assert launcher.pid_of(monitor) is None


def test_net_init_demo_gives_the_demo_members(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    govchain("net", "init", "--dir", directory, "--validators", "4", "--storage-nodes", "1",
             "--base-port", "27200", "--demo")  # fmt: skip
    members = load_genesis(directory / "genesis.json").network.members
    assert [(m.org, m.name) for m in members] == [(p.code, p.name) for p in DEMO_MEMBERS]
    assert [code for code, _, _ in read_layout(directory).members] == [p.code for p in DEMO_MEMBERS]
