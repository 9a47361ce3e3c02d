"""A node's config.toml: round trip, safe defaults, and clear refusals of bad settings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from govchain.node.config import (
    ConsensusSettings,
    NodeConfig,
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
        ({"api_max_body_bytes": 10}, "max_body_bytes"),
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


def test_split_address() -> None:
    assert split_address("127.0.0.1:8600", "x") == ("127.0.0.1", 8600)
    assert split_address("[::1]:80", "x") == ("[::1]", 80)
    with pytest.raises(ValidationError):
        split_address(":80", "x")
