"""The consortium changes its own validators, on a network of real processes (issue 15
acceptance; F-A2, F-B2, F-A4, F-C5).

A fifth validator is laid out with ``net add-node --role validator``, added by
three of four member votes, syncs and signs commits from its boundary height;
with five, the chain survives a killed validator. Then one of the original
four is removed by vote: its links close and the chain goes on with four. A
fresh full node syncs from genesis through both changes and agrees on every
block hash and state root, and receipts from before, between and after the
changes verify offline with only ``genesis.json``; a receipt whose
transitions were tampered with, dropped or reordered fails, naming the step.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govchain.client.sdk import NodeClient
from govchain.node import launcher
from govchain.node.netinit import NetworkLayout, NodeLayout, read_layout
from tests.govchain_cli import govchain
from tests.integration.network_support import (
    assert_ready,
    decide_by_vote,
    height_of,
    kill_node,
    running_network,
    status_of,
    wait_for,
)

pytestmark = pytest.mark.timeout(900)

ADDED = "val5"
FRESH = "full9"
REMOVED = "node3"
SURVIVE_HEIGHTS = 3
"""Heights the chain must commit while a validator is down, and after the removal."""


def _nodes(layout: NetworkLayout) -> list[str]:
    return ["--node", ",".join(n.api_url for n in layout.nodes if n.name != REMOVED)]


def _decide(layout: NetworkLayout, action: str, args: dict[str, Any]) -> int:
    """Three of four members vote ``action`` (through every node but the one removed)."""
    urls = [n.api_url for n in layout.nodes if n.name != REMOVED]
    return decide_by_vote(urls, layout, action, args)


def _block(url: str, height: int) -> dict[str, Any]:
    with NodeClient(url, timeout_s=10) as client:
        return client.block(height)


def _signers(url: str, height: int) -> set[str]:
    commit = _block(url, height)["commit"]
    return set() if commit is None else {sig["validator"] for sig in commit["signatures"]}


def _notarize(layout: NetworkLayout, tmp_path: Path, label: str) -> Path:
    document = tmp_path / f"{label}.txt"
    document.write_text(f"notarized {label} the validator changes\n", encoding="utf-8")
    receipt = tmp_path / f"{label}.receipt.json"
    govchain("notarize", document, *_nodes(layout), "--key", layout.client_key, "--out", receipt)
    return receipt


def _verify(receipt: Path, genesis: Path) -> tuple[int, str]:
    done = govchain("verify", receipt, "--genesis", genesis, "--json", check=False)
    return done.returncode, done.stdout + done.stderr


def _lay_out(directory: Path, name: str, org: str, role: str) -> dict[str, Any]:
    laid_out = govchain(
        "net", "add-node", "--dir", directory, "--name", name, "--org", org, "--role", role,
        "--json",
    )  # fmt: skip
    proposal = json.loads(laid_out.stdout)
    assert proposal["action"] == "node.add"
    args = proposal["args"]
    assert isinstance(args, dict)
    return args


def _node(directory: Path, name: str) -> NodeLayout:
    [node] = [n for n in read_layout(directory).nodes if n.name == name]
    return node


def test_validators_join_and_leave_by_vote_and_receipts_stay_verifiable(tmp_path: Path) -> None:
    directory = tmp_path / "net"
    with running_network(directory, validators=4) as layout:
        genesis = directory / "genesis.json"
        originals = list(layout.nodes)
        before = _notarize(layout, tmp_path, "before")

        # a fifth validator: laid out, voted in, started; it syncs and signs from H + 2
        args = _lay_out(directory, ADDED, layout.members[1][0], "validator")
        assert {"validator_key", "power"} <= set(args)
        added_at = _decide(layout, "node.add", args)
        grown = read_layout(directory)
        added = _node(directory, ADDED)
        try:
            assert launcher.up(grown)
            assert_ready(grown)
            boundary = added_at + 2
            with NodeClient(originals[0].api_url, timeout_s=10) as client:
                status = client.status()
            address = _validator_address(status, ADDED)
            wait_for(
                lambda: any(
                    address in _signers(originals[0].api_url, h)
                    for h in range(boundary, (height_of(originals[0].api_url) or 0) + 1)
                ),
                120,
                f"{ADDED} to sign a commit from its boundary height {boundary}",
            )
            assert all(address not in _signers(originals[0].api_url, h) for h in range(1, boundary))
            between = _notarize(layout, tmp_path, "between")

            # with five validators the chain survives one killed
            victim = originals[2]
            kill_node(victim.home)
            alive = [n for n in [*originals, added] if n is not victim]
            start = max(height_of(n.api_url) or 0 for n in alive)
            wait_for(
                lambda: min(height_of(n.api_url) or 0 for n in alive) >= start + SURVIVE_HEIGHTS,
                90,
                "the chain to go on with one of five validators down",
            )
            assert launcher.up(grown)  # restarts the killed one
            assert_ready(grown)

            # one of the original four leaves by vote: links close, the chain goes on with four
            removed_at = _decide(layout, "node.remove", {"name": REMOVED, "reason": "leaves"})
            removed = next(n for n in originals if n.name == REMOVED)
            remaining = [n for n in [*originals, added] if n is not removed]
            wait_for(
                lambda: all(
                    REMOVED
                    not in {p["address"] for p in (status_of(n.api_url) or {"peers": []})["peers"]}
                    for n in remaining
                ),
                60,
                f"every node to close its links with {REMOVED}",
            )
            wait_for(
                lambda: (
                    min(height_of(n.api_url) or 0 for n in remaining)
                    >= removed_at + 2 + SURVIVE_HEIGHTS
                ),
                90,
                "the chain to go on with four validators",
            )
            removed_address = _validator_address(status, REMOVED)
            top = height_of(remaining[0].api_url) or 0
            for h in range(removed_at + 2, top + 1):
                assert removed_address not in _signers(remaining[0].api_url, h)
            after = _notarize(layout, tmp_path, "after")

            # a fresh full node syncs from genesis through both changes and agrees
            full_args = _lay_out(directory, FRESH, layout.members[0][0], "full")
            _decide(layout, "node.add", full_args)
            final = read_layout(directory)
            fresh = _node(directory, FRESH)
            assert launcher.up(final)
            assert_ready(final)
            target = height_of(remaining[0].api_url) or 0
            wait_for(lambda: (height_of(fresh.api_url) or 0) >= target, 120, f"{FRESH} to sync")
            for h in range(1, target + 1):
                ours, theirs = _block(fresh.api_url, h), _block(remaining[0].api_url, h)
                assert ours["hash"] == theirs["hash"], h
                assert ours["header"]["state_root"] == theirs["header"]["state_root"], h

            # receipts from before, between and after verify with only genesis.json
            for receipt in (before, between, after):
                code, output = _verify(receipt, genesis)
                assert code == 0, output
            transitions = json.loads(after.read_text(encoding="utf-8"))["transitions"]
            assert len(transitions) == 2
            _tampered_receipts_fail(tmp_path, after, genesis)
        finally:
            launcher.down(read_layout(directory), grace_s=10)


def _validator_address(status: dict[str, Any], name: str) -> str:
    for key in ("next_validators", "validators"):
        for validator in status.get(key, []):
            if validator.get("name") == name:
                return str(validator["address"])
    raise AssertionError(f"/v1/status names no validator {name}: {status}")


def _tampered_receipts_fail(tmp_path: Path, receipt: Path, genesis: Path) -> None:
    original = json.loads(receipt.read_text(encoding="utf-8"))

    def fails(change: str, edit: Any) -> str:
        bundle = json.loads(json.dumps(original))
        edit(bundle)
        path = tmp_path / f"{change}.receipt.json"
        path.write_text(json.dumps(bundle), encoding="utf-8")
        code, output = _verify(path, genesis)
        assert code != 0, change
        assert "transition" in output, (change, output)
        return output

    def tamper(bundle: dict[str, Any]) -> None:
        commit = bundle["transitions"][1]["commit"]
        bundle["transitions"][1]["commit"] = commit[:-4] + (
            "0000" if commit[-4:] != "0000" else "1111"
        )

    fails("tampered", tamper)
    fails("dropped", lambda b: b["transitions"].pop(0))
    fails("reordered", lambda b: b["transitions"].reverse())
