"""The demo seed's record D/demo/seed.json (issue 19 item 7): what counts as seeded, and a
network without the demo's members refused before anything is submitted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govchain.client.sdk import NodeClient
from govchain.enterprise_demo.chain_setup import SetupError
from govchain.enterprise_demo.seed import read_seeded, seed_demo
from govchain.node.netinit import init_network


def _write(directory: Path, record: object) -> None:
    (directory / "demo").mkdir(parents=True)
    (directory / "demo" / "seed.json").write_text(json.dumps(record))


def test_nothing_is_seeded_without_a_record_or_with_stages_left(tmp_path: Path) -> None:
    assert read_seeded(tmp_path) is None
    _write(tmp_path, {"stages": ["matters", "process"]})
    assert read_seeded(tmp_path) is None


def test_a_whole_record_is_the_seed(tmp_path: Path) -> None:
    enterprise = {"address": "ab" * 20, "code": "X", "name": "济南演示", "key_file": "k",
                  "password_file": "p"}  # fmt: skip
    _write(tmp_path, {"stages": ["matters", "process", "enterprise", "case"],
                      "enterprise": enterprise, "case": "cd" * 16})  # fmt: skip
    seeded = read_seeded(tmp_path)
    assert seeded is not None
    assert (seeded.case, seeded.enterprise, seeded.already) == ("cd" * 16, "ab" * 20, True)


@pytest.mark.parametrize("record", ["[", [1], {"stages": ["matters", "unknown"]}])
def test_a_record_not_as_written_is_refused_in_one_line(tmp_path: Path, record: object) -> None:
    (tmp_path / "demo").mkdir()
    text = record if isinstance(record, str) else json.dumps(record)
    (tmp_path / "demo" / "seed.json").write_text(text)
    with pytest.raises(SetupError, match=r"seed\.json"):
        read_seeded(tmp_path)


def test_a_network_without_the_demo_members_is_refused_before_any_tx(tmp_path: Path) -> None:
    layout = init_network(tmp_path / "net", validators=1, base_port=27300)
    with NodeClient(layout.nodes[0].api_url) as node, pytest.raises(SetupError, match="--demo"):
        seed_demo(node, layout)  # no node runs: the check comes first
    assert not (layout.directory / "demo").exists()
