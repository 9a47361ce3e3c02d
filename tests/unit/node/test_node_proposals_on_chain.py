"""What ``net add-node`` and ``net remove-node`` print really changes the validator set.

Issue 15 item 7 (F-A2, F-B2): the ``gov propose`` line each prints is parsed
as the CLI parses it (``cli.gov_cmd.parse_action_args``), proposed by a
member admin on a real governed chain and passed by three of four votes; the
validator whose key the new home holds votes from two heights after the
vote, and the removed one no longer does.
"""

from __future__ import annotations

import itertools
import shlex
from pathlib import Path

import pytest

from govchain.cli.gov_cmd import parse_action_args
from govchain.crypto.keyfiles import read_signing_key
from govchain.ledger import records
from govchain.node.add_node import add_node
from govchain.node.netinit import init_network
from govchain.node.remove_node import remove_node
from govchain.types import Receipt
from govchain.types.errors import ValidationError
from tests.unit.contracts.governed_chain import GovernedChain

BASE = 27400


def _set_pairs(propose_arguments: str) -> tuple[str, list[str]]:
    """The action and ``NAME=VALUE`` pairs of a printed ``gov propose`` line, as a shell splits."""
    words = shlex.split(propose_arguments)
    assert words[:2] == ["gov", "propose"]
    pairs = [value for flag, value in itertools.pairwise(words[2:]) if flag == "--set"]
    return words[2], pairs


def _passed(gc: GovernedChain, proposer: int, action: str, args: dict[str, object]) -> int:
    """Propose as member ``proposer``'s admin, vote yes by three of four; the executing height."""
    pid = gc.propose(proposer, action, args)
    receipts: list[Receipt] = [gc.vote(voter, pid) for voter in (0, 1, 2)]
    assert all(r.status == 0 for r in receipts), [r.error for r in receipts]
    decided = [e.attributes["state"] for e in receipts[-1].events if e.type == "gov.decided"]
    assert decided == ["executed"]
    return gc.height


def test_f_a2_the_printed_node_add_makes_the_laid_out_key_a_validator(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    layout = init_network(directory, validators=4, base_port=BASE, suite_name="intl")
    gc = GovernedChain.make("intl")
    org = layout.members[1][0]
    assert org == gc.codes[1]  # the same demo credit codes
    added = add_node(directory, "dept-5", org, "validator", power=7)

    action, pairs = _set_pairs(added.propose_arguments())
    args = parse_action_args(action, pairs)
    key = read_signing_key(directory / "dept-5" / "validator.pem")
    address = records.address_of(gc.maker.suite, key.public_key)
    gc.maker.spare_keys[address] = key
    before = gc.chain.validators(1)
    executed = _passed(gc, 1, action, args)

    assert gc.chain.validators(executed + 1) == before
    joined = gc.chain.validators(executed + 2).get(address)
    assert joined is not None
    assert (joined.power, joined.name, joined.public_key) == (7, "dept-5", key.public_key)
    for _ in range(3):
        gc.run()  # block executed + 2 is signed by five, its commit carried by the next
    with gc.chain.view() as view:
        assert address in [s.validator for s in view.commit(executed + 2).signatures]


def test_f_a2_the_printed_node_remove_takes_the_validator_out(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    init_network(directory, validators=4, base_port=BASE, suite_name="intl")
    gc = GovernedChain.make("intl")
    removal = remove_node(directory, "node2", "department 2 leaves")
    assert removal.org == gc.codes[2]  # node2 runs for the third member (genesis registry)

    action, pairs = _set_pairs(removal.propose_arguments())
    args = parse_action_args(action, pairs)
    assert args == {"name": "node2", "reason": "department 2 leaves"}
    with gc.chain.view() as view:
        [entry] = [e for e in view.genesis.network.nodes if e.name == "node2"]
    executed = _passed(gc, 0, action, args)

    assert gc.chain.validators(executed + 1).get(entry.validator) is not None
    assert gc.chain.validators(executed + 2).get(entry.validator) is None
    assert len(gc.chain.validators(executed + 2).validators) == 3


def test_remove_node_of_an_added_node_names_the_member_whose_ca_issued_it(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "net"
    layout = init_network(directory, validators=2, base_port=BASE)
    org = layout.members[1][0]
    add_node(directory, "archive", org, "full")
    assert remove_node(directory, "archive").org == org
    assert remove_node(directory, "archive").reason == "remove node archive"


@pytest.mark.parametrize(
    ("name", "reason", "error"),
    [
        ("node9", None, "lists no such node"),
        ("node1", "  ", "--reason: expected 1 to 256 characters"),
        ("node1", "x" * 257, "--reason: expected 1 to 256 characters"),
    ],
)
def test_remove_node_refuses_an_unknown_node_or_bad_reason_and_writes_nothing(
    tmp_path: Path, name: str, reason: str | None, error: str
) -> None:
    directory = tmp_path / "net"
    init_network(directory, validators=2, base_port=BASE)
    before = {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()}
    with pytest.raises(ValidationError, match=error):
        remove_node(directory, name, reason)
    assert {p: p.read_bytes() for p in directory.rglob("*") if p.is_file()} == before
