"""A node's config.toml: round trip, safe defaults, and clear refusals of bad settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from govchain.api.ratelimit import RateLimits
from govchain.crypto.api_ca import ApiCertificateAuthority
from govchain.node.config import (
    ConfigError,
    ConsensusSettings,
    MempoolSettings,
    NodeConfig,
    join_address,
    read_config,
    split_address,
    write_config,
)
from govchain.types.errors import ValidationError


def _config() -> NodeConfig:
    return NodeConfig(
        name="node0",
        role="validator",
        p2p_listen="127.0.0.1:26600",
        api_listen="127.0.0.1:8600",
        peers={"node1": "127.0.0.1:26601"},
        consensus=ConsensusSettings(timeout_propose_ms=1500),
        api_max_event_streams=300,
    )


def test_config_round_trips_through_toml(tmp_path: Path) -> None:
    write_config(tmp_path, _config())
    assert read_config(tmp_path) == _config()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"role": "boss"}, "node.role"),
        ({"p2p_listen": "nowhere"}, "p2p.listen"),
        ({"api_listen": "127.0.0.1:99999"}, "api.listen"),
        ({"peers": {"node1": "x"}}, "p2p.peers.node1"),
        ({"log_format": "xml"}, "log.format"),
        ({"log_level": "verbose"}, "log.level"),
        ({"api_max_body_bytes": 10}, "max_body_bytes"),
        ({"api_max_body_bytes": 65 * 1024 * 1024}, "api.max_body_bytes"),
        ({"p2p_max_inbound": -1}, "p2p.max_inbound"),
        ({"api_max_event_streams": 0}, "api.max_event_streams"),
        ({"rate_limit": RateLimits(burst_s=0)}, "api.rate_limit.burst_s"),
        ({"mempool": MempoolSettings(max_txs=0)}, "mempool.max_txs"),
        ({"mempool": MempoolSettings(max_tx_bytes=10**6)}, "mempool.max_tx_bytes: 1000000 is"),
        ({"mempool": MempoolSettings(max_bytes=10)}, "no tx of that size could be admitted"),
        ({"consensus": ConsensusSettings(resend_ms=0)}, "consensus.resend_ms"),
        ({"consensus": ConsensusSettings(block_interval_ms=True)}, "block_interval_ms"),
        ({"api_tls": "yes"}, "api.tls: expected true or false, got 'yes'"),
        ({"api_tls_cert": ""}, "api.tls_cert: expected a file path, got ''"),
        ({"api_tls_key": 3}, "api.tls_key: expected a file path, got 3"),
        ({"storage_nodes": {"Storage 1": "http://127.0.0.1:1"}}, "storage.Storage 1: a storage"),
        ({"storage_nodes": {"storage1": "ftp://x"}}, "storage.storage1: 'ftp://x' is not"),
        ({"storage_nodes": {"storage1": "http://h:1/"}}, "storage.storage1: expected one URL"),
        ({"storage_nodes": ["http://h:1"]}, r"\[storage\]: expected a table"),
    ],
)
def test_bad_settings_are_refused_by_name(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        dataclasses.replace(_config(), **change).validate()  # type: ignore[arg-type]


def test_unknown_settings_and_bad_toml_are_refused(tmp_path: Path) -> None:
    write_config(tmp_path, _config())
    path = tmp_path / "config.toml"
    path.write_text(path.read_text().replace("max_txs", "max_txz"))
    with pytest.raises(ValidationError, match="max_txz"):
        read_config(tmp_path)
    path.write_text("node = [")
    with pytest.raises(ValidationError, match="not TOML"):
        read_config(tmp_path)


def test_every_problem_is_named_at_once_one_line_each(tmp_path: Path) -> None:
    write_config(tmp_path, _config())
    path = tmp_path / "config.toml"
    text = path.read_text()
    for old, new in [
        ('level = "info"', 'level = "verbose"'),
        ("max_txs = 10000", "max_txs = 0"),
        ("max_tx_bytes = 65536", "max_tx_bytes = 100000000"),
        ("max_body_bytes = 1048576", 'max_body_bytes = "big"'),
        ('listen = "127.0.0.1:26600"', 'listen = "::1:26600"'),
        ("[consensus]", "[consensus]\nspeed = 11"),
        ("[node]", "[nodes]\nx = 1\n\n[node]"),
    ]:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)
    with pytest.raises(ConfigError) as failed:
        read_config(tmp_path)
    problems = [p.removeprefix(f"{path}: ") for p in failed.value.problems]
    assert len(problems) == 7, problems
    assert problems[0].startswith("nodes: unknown setting (known here: api, consensus, ")
    assert problems[1].startswith("consensus.speed: unknown setting (known here: ")
    assert problems[2].startswith("p2p.listen: expected host:port (an IPv6 host in brackets")
    assert (
        problems[3]
        == "api.max_body_bytes: expected a whole number from 1024 to 67108864, got 'big'"
    )
    assert (
        problems[4]
        == "log.level: expected one of debug, info, warning, error, critical; got 'verbose'"
    )
    assert problems[5] == "mempool.max_txs: expected a whole number from 1 to 10000000, got 0"
    assert problems[6] == (
        "mempool.max_tx_bytes: 100000000 is over the largest tx a node decodes, 65536 bytes"
    )
    assert str(failed.value).count("\n") == 6


def test_wrong_tables_and_missing_settings_are_named(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'mempool = 3\n[node]\nrole = "full"\n[api]\nrate_limit = 1\n'
    )
    with pytest.raises(ConfigError) as failed:
        read_config(tmp_path)
    problems = [p.split(": ", 1)[1] for p in failed.value.problems]
    assert problems == [
        "[mempool]: expected a table, got 3",
        "[api.rate_limit]: expected a table, got 1",
        "node.name: missing (required)",
        "p2p.listen: missing (required)",
        "api.listen: missing (required)",
    ]


def test_split_address_and_join_address_handle_ipv6_literals() -> None:
    assert split_address("127.0.0.1:8600", "x") == ("127.0.0.1", 8600)
    assert split_address("[::1]:80", "x") == ("::1", 80)
    assert split_address("[fe80::1%eth0]:80", "x") == ("fe80::1%eth0", 80)
    assert split_address("node.example:0", "x") == ("node.example", 0)
    for bad in (
        ":80",
        "::1:80",
        "[::1]",
        "[::1:80",
        "::1]:80",
        "[]:80",
        "[a]:80",
        "h:65536",
        "h:x",
    ):
        with pytest.raises(ValidationError, match="x: expected host:port"):
            split_address(bad, "x")
    assert join_address("::1", 80) == "[::1]:80"
    assert join_address("[::1]", 80) == "[::1]:80"
    assert join_address("10.0.0.1", 80) == "10.0.0.1:80"
    for host in ("::1", "10.0.0.1", "fe80::1"):
        assert split_address(join_address(host, 26600), "x") == (host, 26600)


def _tls_home(tmp_path: Path) -> Path:
    """A home whose config serves the API over HTTPS with a certificate of a member's API CA."""
    now = dt.datetime.now(dt.UTC)
    ca = ApiCertificateAuthority.init(tmp_path / "ca", "Department 0", now)
    home = tmp_path / "home"
    ca.issue_server_certificate("node0", "127.0.0.1", home / "tls", now)
    write_config(home, dataclasses.replace(_config(), api_tls=True))
    return home


def test_api_tls_settings_round_trip_and_default_to_plain_http(tmp_path: Path) -> None:
    assert (_config().api_tls, _config().api_url) == (False, "http://127.0.0.1:8600")
    home = _tls_home(tmp_path)
    config = read_config(home)
    assert (config.api_tls, config.api_tls_cert, config.api_tls_key) == (
        True,
        "tls/api.pem",
        "tls/api.key",
    )
    assert config.api_url == "https://127.0.0.1:8600"
    text = (home / "config.toml").read_text()
    assert 'tls = true\ntls_cert = "tls/api.pem"\ntls_key = "tls/api.key"' in text


def test_missing_api_tls_files_are_named_with_the_rest_one_line_each(tmp_path: Path) -> None:
    home = _tls_home(tmp_path)
    path = home / "config.toml"
    text = path.read_text()
    text = text.replace('tls_cert = "tls/api.pem"', 'tls_cert = "tls/gone.pem"')
    text = text.replace('tls_key = "tls/api.key"', 'tls_key = "/nowhere/api.key"')
    path.write_text(text.replace('level = "info"', 'level = "verbose"'))
    with pytest.raises(ConfigError) as failed:
        read_config(home)
    assert failed.value.problems == (
        f"{path}: log.level: expected one of debug, info, warning, error, critical; got 'verbose'",
        f"{path}: api.tls_cert: {home / 'tls/gone.pem'}: no such file",
        f"{path}: api.tls_key: /nowhere/api.key: no such file",
    )


def test_api_tls_files_are_not_read_when_tls_is_off(tmp_path: Path) -> None:
    home = _tls_home(tmp_path)
    path = home / "config.toml"
    text = path.read_text().replace("tls = true", "tls = false")
    path.write_text(text.replace('tls_cert = "tls/api.pem"', 'tls_cert = "tls/gone.pem"'))
    assert read_config(home).api_tls is False


def test_the_storage_table_round_trips_and_is_left_out_when_empty(tmp_path: Path) -> None:
    """``[storage]`` (F-A1): the storage nodes a chain node lists at /v1/storage-nodes."""
    storage = {"storage1": "http://127.0.0.1:26610", "storage2": "https://10.0.0.9:443"}
    config = dataclasses.replace(_config(), storage_nodes=storage)
    write_config(tmp_path, config)
    assert "[storage]" in (tmp_path / "config.toml").read_text()
    assert read_config(tmp_path) == config
    write_config(tmp_path, _config())
    assert "[storage]" not in (tmp_path / "config.toml").read_text()
    assert read_config(tmp_path).storage_nodes == {}
