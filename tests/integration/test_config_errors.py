"""Each bad config value stops ``node start`` with one line naming it: exit 1, no traceback.

Issue 13 item 6 acceptance. Before, ``log.level = "verbose"``, ``mempool.max_txs
= 0`` or an oversize ``max_tx_bytes`` ended in a Python traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from govchain.api.ratelimit import RateLimits
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, init_network, read_layout
from govchain.node.ports import free_base_port

from ..govchain_cli import govchain, one_line_error
from .network_support import assert_ready, wait_for

BAD_VALUES = [
    ('level = "info"', 'level = "verbose"', "log.level: expected one of debug, info,"),
    ("max_txs = 10000", "max_txs = 0", "mempool.max_txs: expected a whole number from 1"),
    ("max_tx_bytes = 65536", "max_tx_bytes = 1048576", "mempool.max_tx_bytes: 1048576 is over"),
    ("max_bytes = 67108864", "max_bytes = 4096", "mempool.max_tx_bytes: 65536 is over mempool"),
    ("max_body_bytes = 1048576", "max_body_bytes = 1.5", "api.max_body_bytes: expected a whole"),
    ("resend_ms = 2000", "resend_ms = 0", "consensus.resend_ms: expected a whole number from 1"),
    ('format = "json"', 'format = "xml"', "log.format: expected one of json, text; got 'xml'"),
    ('role = "validator"', 'role = "boss"', "node.role: expected one of validator, full"),
    ("[mempool]", "[mempool]\nmax_tx = 5", "mempool.max_tx: unknown setting"),
    ("[api]", "[api]\nrate = 5", "api.rate: unknown setting"),
    (
        f"reads_per_s = {RateLimits().reads_per_s}",
        "reads_per_s = -1",
        "api.rate_limit.reads_per_s: expected a whole",
    ),
    ("max_inbound = 0", "max_inbound = true", "p2p.max_inbound: expected a whole number"),
]


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> NetworkLayout:
    directory = tmp_path_factory.mktemp("config-errors") / "net"
    return init_network(directory, validators=1, base_port=free_base_port(2))


def _home_with(network: NetworkLayout, tmp_path: Path, old: str, new: str) -> Path:
    home = tmp_path / "node0"
    shutil.copytree(network.nodes[0].home, home)
    config = home / "config.toml"
    text = config.read_text()
    assert old in text, old
    config.write_text(text.replace(old, new, 1))
    return home


@pytest.mark.parametrize(("old", "new", "named"), BAD_VALUES, ids=[b[1] for b in BAD_VALUES])
def test_a_bad_value_gives_one_line_naming_it(
    network: NetworkLayout, tmp_path: Path, old: str, new: str, named: str
) -> None:
    home = _home_with(network, tmp_path, old, new)
    result = govchain("node", "start", "--home", home, check=False)
    line = one_line_error(result)
    assert line.startswith(f"error: {home / 'config.toml'}: ")
    assert named in line
    assert "Traceback" not in result.stdout + result.stderr
    assert not (home / "node.pid").exists()


def test_every_bad_value_at_once_gives_one_line_each(
    network: NetworkLayout, tmp_path: Path
) -> None:
    home = _home_with(network, tmp_path, "[node]", "[nodes]\n\n[node]")
    config = home / "config.toml"
    text = config.read_text()
    for old, new, _named in BAD_VALUES[:3]:
        text = text.replace(old, new, 1)
    config.write_text(text)
    result = govchain("node", "start", "--home", home, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 4, lines
    assert all(line.startswith(f"error: {config}: ") for line in lines)
    for named in ["nodes: unknown setting", *(named for _, _, named in BAD_VALUES[:3])]:
        assert sum(named in line for line in lines) == 1, named


def test_an_ipv6_network_lays_out_bracketed_addresses_and_runs(tmp_path: Path) -> None:
    layout = init_network(
        tmp_path / "net", validators=1, full_nodes=1, host="::1", base_port=free_base_port(4)
    )
    assert layout.nodes[0].api_url.startswith("http://[::1]:")
    assert layout.nodes[1].p2p.startswith("[::1]:")
    try:
        launcher.up(layout)
        assert_ready(layout)  # each API answers at http://[::1]:port
        wait_for(
            lambda: [s.peers for s in launcher.status(layout)] == [1, 1], 60, "links over IPv6"
        )
    finally:
        launcher.down(layout, grace_s=5)
    result = govchain("net", "init", "--dir", tmp_path / "net2", "--host", "::1", check=False)
    assert result.returncode == 0, result.stderr
    laid_out = read_layout(tmp_path / "net2")
    assert [n.api_url for n in laid_out.nodes][:2] == ["http://[::1]:26601", "http://[::1]:26603"]
    assert laid_out.nodes[0].p2p == "[::1]:26600"


@pytest.fixture(scope="module")
def tls_network(tmp_path_factory: pytest.TempPathFactory) -> NetworkLayout:
    directory = tmp_path_factory.mktemp("config-errors-tls") / "net"
    return init_network(directory, validators=1, base_port=free_base_port(2), api_tls=True)


def test_bad_api_tls_files_are_named_at_start_up_one_line_each(
    tls_network: NetworkLayout, tmp_path: Path
) -> None:
    home = _home_with(tls_network, tmp_path, 'tls_cert = "tls/api.pem"', 'tls_cert = "api.pem"')
    (home / "tls" / "api.key").chmod(0o640)
    result = govchain("node", "start", "--home", home, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    config = home / "config.toml"
    assert result.stderr.splitlines() == [
        f"error: {config}: api.tls_cert: {home / 'api.pem'}: no such file",
        f"error: {config}: api.tls_key: {home / 'tls/api.key'} may be read by others "
        "(mode 0640); chmod 600 it",
    ]
    assert not (home / "node.pid").exists()


def test_an_api_tls_key_of_another_node_is_named_at_start_up(
    tls_network: NetworkLayout, tmp_path: Path
) -> None:
    home = _home_with(
        tls_network, tmp_path, 'tls_key = "tls/api.key"', 'tls_key = "tls/transport.key"'
    )
    line = one_line_error(govchain("node", "start", "--home", home, check=False))
    assert line == (
        f"error: {home / 'config.toml'}: api.tls_key: {home / 'tls/transport.key'} "
        f"is not the key of {home / 'tls/api.pem'}"
    )
