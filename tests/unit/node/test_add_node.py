"""``net add-node`` (issue 14 item 8, F-B2; validators: issue 15 item 7, F-A2): a node home from
the member's CAs, and its proposal."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from govchain.contracts.registry.validators import MAX_POWER
from govchain.crypto.certs import certificate_from_pem
from govchain.crypto.keyfiles import read_signing_key
from govchain.network.certs import spki_fingerprint
from govchain.node.add_node import add_node
from govchain.node.config import ConsensusSettings, read_config, write_config
from govchain.node.netinit import VALIDATOR_POWER, init_network, read_layout
from govchain.node.ports import free_base_port
from govchain.types.errors import ValidationError

BASE = 27100


def test_a_full_node_of_a_member_is_laid_out_with_its_proposal(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    # add_node takes the first free ports after the network's: a probed base, not a fixed one,
    # so another xdist worker's network cannot hold the ones asserted below
    base = free_base_port(8)
    layout = init_network(directory, validators=2, base_port=base, api_tls=True)
    org = layout.members[1][0]
    added = add_node(directory, "archive-1", org, "storage")

    home = directory / "archive-1"
    cert = (home / "tls" / "transport.pem").read_bytes()
    assert added.transport_key == spki_fingerprint(cert)
    issuer = certificate_from_pem(cert).issuer.native["organization_name"]
    member_ca = certificate_from_pem((directory / "cas" / "department-1" / "ca.pem").read_bytes())
    assert issuer == member_ca.subject.native["organization_name"]  # the member's transport CA
    assert (home / "tls" / "api.pem").is_file()  # the network serves HTTPS: so does it
    assert (home / "genesis.json").read_bytes() == (directory / "genesis.json").read_bytes()

    config = read_config(home)
    assert (config.name, config.role) == ("archive-1", "storage")
    assert config.p2p_listen == f"127.0.0.1:{base + 4}"  # after node1's API on base + 3
    assert config.api_listen == f"127.0.0.1:{base + 5}"
    assert config.api_tls
    assert config.peers == {n.name: n.p2p for n in layout.nodes}

    grown = read_layout(directory)
    assert [n.name for n in grown.nodes] == ["node0", "node1", "archive-1"]
    assert grown.nodes[-1].api_url == f"https://127.0.0.1:{base + 5}"
    assert added.proposal() == {
        "action": "node.add",
        "args": {
            "name": "archive-1",
            "org": org,
            "role": "storage",
            "transport_key": added.transport_key.hex(),
        },
    }
    assert added.propose_arguments().startswith("gov propose node.add --set name=archive-1 ")

    second = add_node(directory, "extra", layout.members[0][0], "full")
    assert read_config(second.node.home).p2p_listen == f"127.0.0.1:{base + 6}"
    assert "archive-1" in read_config(second.node.home).peers


@pytest.mark.parametrize(
    ("name", "org", "role", "error"),
    [
        ("node1", None, "full", "already has a node of that name"),
        ("Bad_Name", None, "full", "--name 'Bad_Name'"),
        ("extra", None, "observer", "expected validator, full or storage"),
        ("extra", "91110000MA0000000X", "full", "not a member of this network's genesis"),
    ],
)
def test_a_bad_request_is_refused_and_writes_nothing(
    tmp_path: Path, name: str, org: str | None, role: str, error: str
) -> None:
    directory = tmp_path / "net"
    layout = init_network(directory, validators=2, base_port=BASE)
    before = (directory / "network.json").read_bytes()
    entries = sorted(p.name for p in directory.iterdir())
    with pytest.raises(ValidationError, match=error):
        add_node(directory, name, org or layout.members[0][0], role)
    assert (directory / "network.json").read_bytes() == before
    assert sorted(p.name for p in directory.iterdir()) == entries


def test_a_member_whose_ca_is_not_under_cas_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    layout = init_network(directory, validators=1, base_port=BASE)
    (directory / "cas" / "department-0").rename(tmp_path / "elsewhere")
    with pytest.raises(ValidationError, match="its transport CA is not under"):
        add_node(directory, "extra", layout.members[0][0], "full")
    assert not (directory / "extra").exists()


def test_f_a2_a_validator_is_laid_out_like_the_genesis_validators(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    layout = init_network(directory, validators=2, full_nodes=1, base_port=BASE, suite_name="intl")
    tuned = dataclasses.replace(
        read_config(directory / "node0"),
        consensus=ConsensusSettings(timeout_propose_ms=4321, block_interval_ms=7),
    )
    write_config(directory / "node0", tuned)  # the validators' settings, which it copies
    org = layout.members[1][0]
    added = add_node(directory, "v-extra", org, "validator")

    home = directory / "v-extra"
    key_file = home / "validator.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = read_signing_key(key_file)
    assert added.validator_key == key.public_key
    assert added.power == VALIDATOR_POWER  # the genesis validators' power
    config = read_config(home)
    assert (config.name, config.role) == ("v-extra", "validator")
    assert config.consensus == tuned.consensus
    assert config.peers == {n.name: n.p2p for n in layout.nodes}  # both validators, the full node
    assert read_layout(directory).nodes[-1].role == "validator"
    assert added.proposal() == {
        "action": "node.add",
        "args": {
            "name": "v-extra",
            "org": org,
            "role": "validator",
            "transport_key": added.transport_key.hex(),
            "validator_key": key.public_key.hex(),
            "power": VALIDATOR_POWER,
        },
    }
    stronger = add_node(directory, "v-strong", org, "validator", power=MAX_POWER)
    assert stronger.proposal()["args"]["power"] == MAX_POWER  # type: ignore[index]
    assert stronger.validator_key != added.validator_key


@pytest.mark.parametrize(
    ("role", "power", "error"),
    [
        ("validator", 0, "--power 0: expected 1 to 1,000,000"),
        ("validator", MAX_POWER + 1, "--power 1000001: expected 1 to 1,000,000"),
        ("validator", -5, "--power -5"),
        ("full", 10, "a full node has no voting power"),
    ],
)
def test_f_a2_a_power_out_of_range_is_refused_and_writes_nothing(
    tmp_path: Path, role: str, power: int, error: str
) -> None:
    directory = tmp_path / "net"
    layout = init_network(directory, validators=2, base_port=BASE)
    before = (directory / "network.json").read_bytes()
    entries = sorted(p.name for p in directory.iterdir())
    with pytest.raises(ValidationError, match=error):
        add_node(directory, "extra", layout.members[0][0], role, power=power)
    assert (directory / "network.json").read_bytes() == before
    assert sorted(p.name for p in directory.iterdir()) == entries
